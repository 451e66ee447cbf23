#!/usr/bin/env python3
"""An HTTP API whose values are access(5) actions, for the e2e test.

The sample backend's values ("found:KEY") are not actions, so smtpd
cannot use them in check_recipient_access.  This one answers

  POST /access  {"name":..,"key":..}  -> {"data":{"result": ACTION}} / 404

with ACTION chosen by the key's local part:

  sm-reject@...  -> "REJECT 5.7.1 rejected by the HTTP socketmap"
  sm-ok@...      -> "OK"
  anything else  -> 404 (not found)

GET /stats returns {"requests": N, "keys": [...]} so the test can check
that smtpd really asked.  The chosen port is written to --port-file.
"""
import argparse, json, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACTIONS = {
    "sm-reject": "REJECT 5.7.1 rejected by the HTTP socketmap",
    "sm-ok": "OK",
}
STATS = {"requests": 0, "keys": []}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                return self.send(200, STATS)
        self.send(404, {"error": "no such path"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.path != "/access":
            return self.send(404, {"error": "no such path"})
        try:
            key = json.loads(raw or b"{}").get("key", "")
        except ValueError:
            return self.send(400, {"error": "request is not JSON"})
        with LOCK:
            STATS["requests"] += 1
            STATS["keys"].append(key)
        act = ACTIONS.get(key.split("@")[0])
        if act is None:
            return self.send(404, {"error": "not found"})
        self.send(200, {"data": {"result": act}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
