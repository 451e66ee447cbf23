#!/usr/bin/env python3
"""fake-idp.py PORTFILE [CERT KEY]

A misbehaving OpenID provider for tokend's edge cases (the real one,
test/oidc/idp.js, cannot be made to misbehave like this).  Listens on a
free loopback port over HTTP, or HTTPS with CERT and KEY, and writes
"PORT" to PORTFILE once it accepts.  Every path starts with a MODE:

  GET  /MODE/.well-known/openid-configuration
       token_endpoint http(s)://127.0.0.1:PORT/MODE/token, same scheme as
       the request, except MODE "downgrade" (http://, on the port in
       $FAKE_IDP_HTTP_PORT: a plain fake-idp.py that would answer) and
       "jwksdown" (jwks_uri http://)
  POST /MODE/token     a client_credentials token; MODE decides it:
       ttlN      "tok-MODE-COUNT", expires_in N
       huge      expires_in 9223372036854775807
       hugef     expires_in 1e300
       nul       access_token "abc\\u0000def"
       ctl       access_token "abc\\u0001def"
       other     "tok-MODE-COUNT", expires_in 300
  GET  /stats          {"MODE": {"token": N, "scopes": [...]}, ...}

Output goes to stderr only on errors.
"""
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STATS = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def base(self, scheme, port=None):
        return "%s://127.0.0.1:%d" % (scheme, port or self.server.server_port)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.send(200, STATS)
        mode, _, rest = self.path.lstrip("/").partition("/")
        if rest != ".well-known/openid-configuration":
            return self.send(404, {"error": "not_found"})
        scheme = "https" if self.server.tls else "http"
        tok = self.base(scheme)
        if mode == "downgrade":
            tok = self.base("http", int(os.environ.get("FAKE_IDP_HTTP_PORT", 0)))
        jwks = self.base("http" if mode == "jwksdown" else scheme)
        self.send(200, {
            "issuer": self.base(scheme) + "/" + mode,
            "token_endpoint": "%s/%s/token" % (tok, mode),
            "jwks_uri": "%s/%s/jwks" % (jwks, mode),
        })

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(n).decode())
        mode, _, rest = self.path.lstrip("/").partition("/")
        if rest != "token":
            return self.send(404, {"error": "not_found"})
        with LOCK:
            st = STATS.setdefault(mode, {"token": 0, "scopes": []})
            st["token"] += 1
            st["scopes"].append(form.get("scope", [""])[0])
            count = st["token"]
        tok, life = "tok-%s-%d" % (mode, count), 300
        if mode.startswith("ttl"):
            life = int(mode[3:])
        elif mode == "huge":
            life = 9223372036854775807
        elif mode == "hugef":
            life = 1e300
        elif mode == "nul":
            tok = "abc\0def"
        elif mode == "ctl":
            tok = "abc\x01def"
        self.send(200, {"access_token": tok, "token_type": "Bearer",
                        "expires_in": life})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.tls = len(sys.argv) > 3
    if srv.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_port)
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
