#!/usr/bin/env python3
"""A small HTTP API that plays the lookup backends in tests and the demo.

It answers on 127.0.0.1 (port 0 = any free port; the port is written to
--port-file).  Keys pick behaviours, so one server covers every case:

  POST /map      {"name":..,"key":..}  -> {"data":{"result":..}} / 404 ...
  GET  /rest?key=..[&name=..]         -> ["a","b"] (postfix-rest-connector)
  POST /policy   {attrs}              -> {"policy":{"result":"ACTION"}}
  POST /echo, GET /echo               -> {"data":{"result": <request as JSON>}}
  POST /access   {"name":..,"key":..}  -> an access(5) action or 404:
                 sm-reject@ -> "REJECT 5.7.1 rejected by the HTTP socketmap",
                 sm-ok@ -> "OK" (the keys asked are in /stats access_keys)
  GET  /redirect?..                   -> 302 to /rest?.. (the same query)
  GET  /stats                         -> {"requests": N, "paths": {...}};
                 "request_ids" lists the X-Request-ID (or X-Correlation-ID)
                 of the last 100 counted requests ("" when none came)
  POST /slow?ms=N                     -> /map, answered after N ms
  GET  /peers                         -> {"distinct": N, "open": N,
                 "open_max": N}: client connections (address, port) that
                 made a counted request: seen since start, open now, most
                 open at once
  POST /set      {"key":..,"status":S,"result":R}  -> from now on that
                 key (or policy recipient) answers status S with R (null:
                 no value; policy: R is the action)
  GET  /discovery?token_endpoint=URL  -> an OIDC discovery document
  POST /stop                          -> exits
  POST /api/v1/auth/json  {"username":..,"password":..,...}
                 -> a Nauthilus-like password check (dovecot_sasl); the
                 body must follow Nauthilus's strict schema (known string
                 fields, auth_login_attempt an integer, username present)
                 or the answer is 400.  Users (username/password):
                 alice/secret -> 200, Auth-Status: OK, Auth-User:
                 alice@example.org;  bob/hunter2 -> 200 without Auth-User;
                 any other password -> 403, Auth-Status: Invalid login or
                 password, body null;  temp -> 500 (Auth-Status: Temporary
                 server problem, try again later);  slow -> 200 after 12 s;
                 nostatus -> 403 without Auth-Status;  inject/x -> 200 with
                 Auth-User "inject<TAB>user=victim";  leak -> 403 with an
                 Auth-Status naming an internal URL.  Odd answers (any
                 password): emptyuser, utf8user, longuser (5000 bytes),
                 ctluser (\x01), spaceuser (Auth-User with spaces),
                 s401, s404, s201, s302, longstatus (3000 bytes),
                 ctlstatus, utf8status.  /stats "last_auth"
                 holds the last request's JSON body and headers,
                 "auth_requests" counts them, "auth_usernames" lists the
                 usernames asked (the last 1000), "auth_refused" counts
                 the 400 answers.
With --tls-cert/--tls-key it serves HTTPS; --tls-client-ca also requires
a client certificate signed by that CA.

Behaviour keys (the lookup key, or the policy recipient):
  temp@...  -> HTTP 503      perm@...  -> HTTP 403    missing@... -> 404
  slow@...  -> sleeps 3 s    garbage@...-> 200 with "<html>"
  error@... -> {"error":"db down"}   list@... -> ["a@x","b@x"]
  big@...   -> a 200000-byte value   num@... -> 42
  inject@...-> "REJECT x\\naction=OK" (policy)
  gzcut@... -> (/map) a gzip body without its 8-byte trailer: the JSON
               inside is whole, the stream is not
Anything else under example.com is found; other domains are not.
"""
import argparse, gzip, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

STATS = {"requests": 0, "paths": {}, "last_headers": {}, "last_body": "",
         "access_keys": [], "last_auth": None, "auth_requests": 0,
         "auth_usernames": [], "auth_refused": 0, "request_ids": []}
# Nauthilus's /api/v1/auth/json request schema (strict: unknown fields are
# refused): every field a string, but auth_login_attempt (an integer)
AUTH_FIELDS = {"username", "password", "client_ip", "client_port",
    "client_hostname", "client_id", "external_session_id", "user_agent",
    "local_ip", "local_port", "protocol", "method", "ssl", "ssl_session_id",
    "ssl_client_verify", "ssl_client_dn", "ssl_client_cn", "ssl_issuer",
    "ssl_client_notbefore", "ssl_client_notafter", "ssl_subject_dn",
    "ssl_issuer_dn", "ssl_client_subject_dn", "ssl_client_issuer_dn",
    "ssl_protocol", "ssl_cipher", "ssl_serial", "ssl_fingerprint", "oidc_cid"}
AUTH_USERS = {"alice": ("secret", "alice@example.org"), "bob": ("hunter2", None),
              "inject": ("x", "inject\tuser=victim")}
ACCESS_ACTIONS = {
    "sm-reject": "REJECT 5.7.1 rejected by the HTTP socketmap",
    "sm-ok": "OK",
}
LOCK = threading.Lock()
OVERRIDES = {}      # key -> (status, value), POST /set
PEERS = {"seen": set(), "open": 0, "open_max": 0}


def answer_for(key):
    """(status, json-able value or None for not found)"""
    if key in OVERRIDES:
        return OVERRIDES[key]
    local = key.split("@")[0]
    if local == "temp":
        return 503, None
    if local == "perm":
        return 403, None
    if local == "missing":
        return 404, None
    if local == "slow":
        time.sleep(3)
    if local == "garbage":
        return 200, "<html>"
    if local == "error":
        return 200, {"error": "db down"}
    if local == "list":
        return 200, ["a@x", "b@x"]
    if local == "big":
        return 200, "x" * 200000
    if local == "num":
        return 200, 42
    if key.endswith("example.com"):
        return 200, "found:" + key
    return 200, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1    # headers and body in one write: no Nagle stall

    def log_message(self, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return raw

    def send(self, status, obj, raw=None):
        data = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_auth(self, status, headers, obj):
        """A Nauthilus answer: Auth-* headers, a JSON body.  The header
        bytes are written here, so values may hold a TAB."""
        data = json.dumps(obj).encode()
        out = b"HTTP/1.1 %d %s\r\n" % (status, self.responses.get(status, ("",))[0].encode())
        for k, v in list(headers) + [("Content-Type", "application/json"),
                                     ("Content-Length", str(len(data)))]:
            out += k.encode() + b": " + v.encode("latin-1") + b"\r\n"
        self.wfile.write(out + b"\r\n" + data)
        self.wfile.flush()

    def do_auth(self, raw):
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        with LOCK:
            STATS["auth_requests"] += 1
            STATS["last_auth"] = {"body": req if req is not None else raw.decode("utf-8", "replace"),
                "headers": {k: v for k, v in self.headers.items()}}
            STATS["auth_usernames"] = (STATS["auth_usernames"] + [
                req.get("username") if isinstance(req, dict) else None])[-1000:]
        bad = None
        if not isinstance(req, dict):
            bad = "request is not a JSON object"
        else:
            for k, v in req.items():
                if k == "auth_login_attempt":
                    if not isinstance(v, int) or isinstance(v, bool):
                        bad = "auth_login_attempt is not an integer"
                elif k not in AUTH_FIELDS:
                    bad = "unknown field " + k
                elif not isinstance(v, str):
                    bad = "field %s is not a string" % k
            if bad is None and "username" not in req:
                bad = "username missing"
        if bad is not None:
            with LOCK:
                STATS["last_auth"]["refused"] = bad
                STATS["auth_refused"] += 1
            return self.send_auth(400, [], {"error": bad})
        user, pw = req["username"], req.get("password", "")
        if user == "temp":
            return self.send_auth(500, [("Auth-Status", "Temporary server problem, try again later")], None)
        if user == "slow":
            time.sleep(12)
            return self.send_auth(200, [("Auth-Status", "OK"), ("Auth-User", "slow")], {"ok": True})
        odd = {     # odd but possible answers, any password
            "emptyuser": (200, [("Auth-Status", "OK"), ("Auth-User", "")]),
            "utf8user": (200, [("Auth-Status", "OK"), ("Auth-User", "j\u00fcrgen@example.org")]),
            "longuser": (200, [("Auth-Status", "OK"), ("Auth-User", "u" * 5000 + "@example.org")]),
            "ctluser": (200, [("Auth-Status", "OK"), ("Auth-User", "ctl\x01user")]),
            "spaceuser": (200, [("Auth-Status", "OK"), ("Auth-User", "  spaced@example.org  ")]),
            "s401": (401, [("Auth-Status", "Invalid login or password")]),
            "s404": (404, [("Auth-Status", "Not here")]),
            "s201": (201, [("Auth-Status", "OK"), ("Auth-User", "created")]),
            "s302": (302, [("Location", "/api/v1/auth/json")]),
            "longstatus": (403, [("Auth-Status", "x" * 3000)]),
            "ctlstatus": (403, [("Auth-Status", "bad\x01status")]),
            "utf8status": (403, [("Auth-Status", "Kennwort falsch f\u00fcr Benutzer")]),
        }
        if user in odd:
            st, hd = odd[user]
            if user == "utf8user" or user == "utf8status":
                hd = [(k, v.encode("utf-8").decode("latin-1")) for k, v in hd]
            return self.send_auth(st, hd, None)
        if user == "nostatus":
            return self.send_auth(403, [], None)
        if user == "leak":
            return self.send_auth(403, [("Auth-Status", "see http://10.0.0.1:8080/internal error trace")], None)
        want = AUTH_USERS.get(user)
        if want is None or pw != want[0]:
            return self.send_auth(403, [("Auth-Status", "Invalid login or password")], None)
        hdrs = [("Auth-Status", "OK")]
        if want[1] is not None:
            hdrs.append(("Auth-User", want[1]))
        return self.send_auth(200, hdrs, {"ok": True})

    def count(self, path, body):
        with LOCK:
            STATS["requests"] += 1
            STATS["paths"][path] = STATS["paths"].get(path, 0) + 1
            STATS["last_headers"] = {k: v for k, v in self.headers.items()}
            STATS["last_body"] = body.decode("utf-8", "replace")
            rid = self.headers.get("X-Request-ID",
                                   self.headers.get("X-Correlation-ID", ""))
            STATS["request_ids"] = (STATS["request_ids"] + [rid])[-100:]
            if not getattr(self, "peer_seen", False):
                self.peer_seen = True
                PEERS["seen"].add(self.client_address)
                PEERS["open"] += 1
                PEERS["open_max"] = max(PEERS["open_max"], PEERS["open"])

    def finish(self):
        super().finish()
        if getattr(self, "peer_seen", False):
            with LOCK:
                PEERS["open"] -= 1

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/stats":
            with LOCK:
                return self.send(200, STATS)
        if u.path == "/peers":
            with LOCK:
                return self.send(200, {"distinct": len(PEERS["seen"]),
                    "open": PEERS["open"], "open_max": PEERS["open_max"]})
        self.count(u.path, b"")
        if u.path == "/discovery":
            me = "http://127.0.0.1:%d" % self.server.server_port
            return self.send(200, {"issuer": me, "jwks_uri": me + "/jwks",
                "token_endpoint": q.get("token_endpoint", [me + "/token"])[0]})
        if u.path == "/echo":
            return self.send(200, {"data": {"result": self.path}})
        if u.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/rest?" + u.query)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.wfile.flush()
            return
        if u.path == "/rest":
            key = q.get("key", [""])[0]
            status, val = answer_for(key)
            if status != 200:
                return self.send(status, {"error": "status"})
            if val is None:
                return self.send(404, [])
            if val == "<html>":
                return self.send(200, None, raw=b"<html>")
            return self.send(200, val if isinstance(val, list) else [val])
        self.send(404, {"error": "no such path"})

    def do_POST(self):
        u = urlparse(self.path)
        raw = self.body()
        if u.path == "/stop":
            self.send(200, {})
            threading.Thread(target=self.server.shutdown).start()
            return
        if u.path == "/set":
            o = json.loads(raw)
            OVERRIDES[o["key"]] = (o.get("status", 200), o.get("result"))
            return self.send(200, {})
        self.count(u.path, raw)
        if u.path == "/api/v1/auth/json":
            return self.do_auth(raw)
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            return self.send(400, {"error": "request is not JSON"})
        if u.path == "/slow":
            time.sleep(int(parse_qs(u.query).get("ms", ["0"])[0]) / 1000.0)
            u = u._replace(path="/map")
        if u.path == "/echo":
            return self.send(200, {"data": {"result": json.dumps(req, sort_keys=True)}})
        if u.path == "/access":
            key = req.get("key", "")
            with LOCK:
                STATS["access_keys"].append(key)
            act = ACCESS_ACTIONS.get(key.split("@")[0])
            if act is None:
                return self.send(404, {"error": "not found"})
            return self.send(200, {"data": {"result": act}})
        if u.path == "/map" and req.get("key", "").startswith("gzcut@"):
            data = gzip.compress(json.dumps({"data": {"result": "x"}}).encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data) - 8))
            self.end_headers()
            self.wfile.write(data[:-8])
            self.wfile.flush()
            return
        if u.path == "/map":
            status, val = answer_for(req.get("key", ""))
            if status != 200:
                return self.send(status, {"error": "status"})
            if val == "<html>":
                return self.send(200, None, raw=b"<html>")
            if isinstance(val, dict):
                return self.send(200, val)
            return self.send(200, {"data": {"result": val}})
        if u.path == "/policy":
            rcpt = req.get("recipient", "")
            local = rcpt.split("@")[0]
            status, val = answer_for(rcpt)
            if status != 200:
                return self.send(status, {"error": "status"})
            if rcpt in OVERRIDES:
                act = val
            elif local == "policy-reject":
                act = "REJECT 5.7.1 rejected by the HTTP policy"
            elif local == "policy-defer":
                act = "DEFER_IF_PERMIT try later"
            elif local == "inject":
                act = "REJECT x\naction=OK"
            else:
                act = "DUNNO"
            return self.send(200, {"policy": {"result": act}})
        self.send(404, {"error": "no such path"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca", help="require client certificates")
    a = ap.parse_args()
    class Server(ThreadingHTTPServer):
        request_queue_size = 128    # tests start many spawn processes at once

    srv = Server(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.tls_client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
