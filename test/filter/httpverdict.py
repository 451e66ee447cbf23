#!/usr/bin/env python3
"""httpverdict.py - an HTTP verdict backend for the smtpfilter tests.

  httpverdict.py PORTFILE DIR REPLACEMENT-FILE

Listens on a free 127.0.0.1 port (written to PORTFILE).  Every POST is a
message to judge: the answer depends on the message's "X-Filter: NAME"
header (in the body), and the request is recorded as DIR/TAG.head (the
request line and headers) and DIR/TAG.body (the body as received), TAG
being the message's X-Tag header.  NAME:
  http-accept      {"action": "accept"}
  http-reject      {"action": "reject", "reply": "550 5.7.1 rejected by the HTTP verdict"}
  http-reject250   {"action": "reject", "reply": "250 2.0.0 pretend ok"}
  http-tempfail    {"action": "tempfail", "reply": "450 4.7.1 the HTTP verdict says later"}
  http-replace     {"action": "accept", "message": <REPLACEMENT-FILE's text>}
  http-500         status 500
  http-garbage     status 200, a body that is not JSON
  http-unknown     {"action": "maybe"}
  http-slow        {"action": "accept"} after 6 s
Anything else: {"action": "accept"}.  Runs until killed.
"""
import http.server
import json
import os
import re
import socketserver
import sys
import time


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                ln = self.rfile.readline()
                k = int(ln.split(b";")[0], 16)
                if k == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(k)
                self.rfile.readline()
        else:
            body = self.rfile.read(n)
        head = body.split(b"\n\n", 1)[0]
        m = re.search(rb"^X-Filter: *([A-Za-z0-9_-]+)", head, re.M)
        name = m.group(1).decode() if m else ""
        m = re.search(rb"^X-Tag: *([A-Za-z0-9_.-]+)", head, re.M)
        tag = m.group(1).decode() if m else "notag"
        with open(os.path.join(DIR, tag + ".head"), "w") as f:
            f.write(self.requestline + "\n" + str(self.headers))
        with open(os.path.join(DIR, tag + ".body"), "wb") as f:
            f.write(body)
        status, out = 200, {"action": "accept"}
        if name == "http-reject":
            out = {"action": "reject", "reply": "550 5.7.1 rejected by the HTTP verdict"}
        elif name == "http-reject250":
            out = {"action": "reject", "reply": "250 2.0.0 pretend ok"}
        elif name == "http-tempfail":
            out = {"action": "tempfail", "reply": "450 4.7.1 the HTTP verdict says later"}
        elif name == "http-replace":
            out = {"action": "accept", "message": open(REPL).read()}
        elif name == "http-500":
            status = 500
        elif name == "http-unknown":
            out = {"action": "maybe"}
        elif name == "http-slow":
            time.sleep(6)
        data = b"this is not JSON" if name == "http-garbage" else json.dumps(out).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    global DIR, REPL
    portfile, DIR, REPL = sys.argv[1:4]
    s = S(("127.0.0.1", 0), H)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    s.serve_forever()


if __name__ == "__main__":
    main()
