#!/usr/bin/env python3
"""filter-verdict.py - smtp_filters HTTP verdicts through pfxhttp-spawn

pfxhttp-spawn smtpfilter runs between this script (playing the
before-filter smtpd, lock-step as smtpd speaks to a proxy) and a small
SMTP server playing the after-filter smtpd, which records each message
it queues.  The verdict is an HTTP API in this script that answers by
what the body holds.  Checked: what the API receives (the message
dot-unstuffed, message/rfc822, the envelope headers), accept, reject,
tempfail, a replacement (dot-stuffed on its way down), a reject reply
that claims success, an API that is down, slow or answers garbage (451
unless on_failure = "accept"), and that nothing is queued downstream
when the message is refused, and a request id per verdict.  Output is TAP.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SPAWN = os.environ.get("PFXHTTP_SPAWN", "build/pfxhttp-spawn/pfxhttp-spawn")
n_test = 0
failed = 0


def ok(cond, name, diag=None):
    global n_test, failed
    n_test += 1
    if not cond:
        failed += 1
        print("not ok %d - %s" % (n_test, name))
        if diag is not None:
            for line in str(diag).splitlines():
                print("#   " + line)
    else:
        print("ok %d - %s" % (n_test, name))


# ------------------------------------------------------------ downstream

QUEUED = []         # messages the downstream queued (bytes, as received)
DOWN_SESSIONS = []  # per connection: did it end in the middle of DATA?


def downstream(sock):
    while True:
        c, _ = sock.accept()
        threading.Thread(target=down_session, args=(c,), daemon=True).start()


def down_session(c):
    f = c.makefile("rb")
    c.sendall(b"220 after.test ESMTP\r\n")
    state = {"mid_data": False}
    DOWN_SESSIONS.append(state)
    while True:
        line = f.readline()
        if not line:
            break
        u = line.upper()
        if u.startswith(b"EHLO"):
            c.sendall(b"250-after.test\r\n250-XFORWARD NAME ADDR HELO\r\n"
                      b"250 8BITMIME\r\n")
        elif u.startswith(b"DATA"):
            c.sendall(b"354 go ahead\r\n")
            state["mid_data"] = True
            data = b""
            while True:
                x = f.readline()
                if not x:
                    break
                if x == b".\r\n":
                    state["mid_data"] = False
                    QUEUED.append(data)
                    c.sendall(b"250 2.0.0 Ok: queued as Q%d\r\n" % len(QUEUED))
                    break
                data += x
            if state["mid_data"]:
                break
        elif u.startswith(b"QUIT"):
            c.sendall(b"221 2.0.0 Bye\r\n")
            break
        else:
            c.sendall(b"250 2.0.0 Ok\r\n")
    c.close()


# --------------------------------------------------------------- the API

SEEN = []


class Verdict(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        SEEN.append((dict(self.headers), body))
        if b"SLOW" in body:
            time.sleep(4)
        if b"GARBAGE" in body:
            out, ctype = b"<html>oops</html>", "text/html"
        else:
            ctype = "application/json"
            if b"VIRUS" in body:
                r = {"action": "reject", "reply": "550 5.7.1 virus found"}
            elif b"LATER" in body:
                r = {"action": "tempfail", "reply": "450 4.7.1 greylisted"}
            elif b"LIAR" in body:
                r = {"action": "reject", "reply": "250 2.0.0 all fine"}
            elif b"REWRITE" in body:
                r = {"action": "accept",
                     "message": "Subject: rewritten\n\n.leading dot\nlast"}
            elif b"UNKNOWN" in body:
                r = {"action": "maybe"}
            else:
                r = {"action": "accept"}
            out = json.dumps(r).encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


# ------------------------------------------------- the before-filter side

def transaction(conf, entry, body, client_gone_after_dot=False):
    """one transaction as smtpd runs it; the end-of-data reply (bytes)"""
    p = subprocess.Popen([SPAWN, "-c", conf, "smtpfilter", entry],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)

    def reply():
        out = b""
        while True:
            line = p.stdout.readline()
            out += line
            if not line or line[3:4] != b"-":
                return out

    def cmd(b):
        p.stdin.write(b)
        p.stdin.flush()
        return reply()

    greeting = reply()
    assert greeting.startswith(b"220"), greeting
    cmd(b"EHLO before.test\r\n")
    cmd(b"XFORWARD NAME=mx.example ADDR=192.0.2.7 HELO=client.example\r\n")
    cmd(b"MAIL FROM:<alice@example.org>\r\n")
    cmd(b"RCPT TO:<bob@example.com>\r\n")
    cmd(b"RCPT TO:<carol@example.com>\r\n")
    r = cmd(b"DATA\r\n")
    assert r.startswith(b"354"), r
    t0 = time.monotonic()
    eod = cmd(body)
    took = time.monotonic() - t0
    try:
        p.stdin.write(b"QUIT\r\n")
        p.stdin.close()
    except BrokenPipeError:
        pass
    p.wait(timeout=20)
    return eod, took


def main():
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    down.listen(16)
    threading.Thread(target=downstream, args=(down,), daemon=True).start()
    api = ThreadingHTTPServer(("127.0.0.1", 0), Verdict)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    dport, aport = down.getsockname()[1], api.server_address[1]
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dport_dead = dead.getsockname()[1]
    dead.close()

    tmp = tempfile.mkdtemp(prefix="pfx-filter-verdict.")
    spool = os.path.join(tmp, "spool")
    os.mkdir(spool, 0o700)
    conf = os.path.join(tmp, "pfxhttp.conf")
    with open(conf, "w") as fp:
        fp.write("""
server = { http_client = { timeout = "10s"; }; };
smtp_filters = {
  web = { downstream = "127.0.0.1:%d"; target = "http://127.0.0.1:%d/v";
          tempdir = "%s"; timeout = "2s"; };
  lenient = { downstream = "127.0.0.1:%d"; target = "http://127.0.0.1:%d/v";
              tempdir = "%s"; on_failure = "accept"; };
  down = { downstream = "127.0.0.1:%d"; target = "http://127.0.0.1:%d/v";
           tempdir = "%s"; };
};
""" % (dport, aport, spool, dport, aport, spool, dport, dport_dead, spool))
    os.chmod(conf, 0o600)
    r = subprocess.run([SPAWN, "-c", conf, "-t"], capture_output=True)
    ok(r.returncode == 0, "-t accepts HTTP verdict entries", r.stderr)

    # accept: what the API sees, and what is queued
    body = b"Subject: hello\r\n\r\n..dot-stuffed line\r\nplain\r\n.\r\n"
    eod, _ = transaction(conf, "web", body)
    ok(eod.startswith(b"250 2.0.0 Ok: queued"), "accept: the downstream's"
       " reply goes up", eod)
    ok(QUEUED and QUEUED[-1] == body[:-3], "accept: queued byte for byte",
       QUEUED[-1:] if QUEUED else "nothing queued")
    hdrs, seen = SEEN[-1]
    ok(seen == b"Subject: hello\n\n.dot-stuffed line\nplain\n",
       "the API gets the message dot-unstuffed (as a command's EMAIL)", seen)
    ok(hdrs.get("Content-Type") == "message/rfc822", "Content-Type"
       " message/rfc822", hdrs)
    ok(hdrs.get("X-Envelope-From") == "alice@example.org" and
       hdrs.get("X-Envelope-To") == "bob@example.com,carol@example.com" and
       hdrs.get("X-Recipient-Count") == "2", "envelope headers", hdrs)
    ok(hdrs.get("X-Client-Address") == "192.0.2.7" and
       hdrs.get("X-Client-Name") == "mx.example" and
       hdrs.get("X-Helo-Name") == "client.example",
       "XFORWARD headers", hdrs)
    rid1 = hdrs.get("X-Request-ID") or ""
    ok(re.fullmatch(r"[0-9a-f]{16}", rid1) is not None, "X-Request-ID: the"
       " verdict's request id (request_id_header)", hdrs)

    n = len(QUEUED)
    eod, _ = transaction(conf, "web", b"VIRUS\r\n.\r\n")
    ok(eod == b"550 5.7.1 virus found\r\n", "reject: the API's reply", eod)
    rid2 = SEEN[-1][0].get("X-Request-ID") or ""
    ok(re.fullmatch(r"[0-9a-f]{16}", rid2) is not None and rid2 != rid1,
       "... another id for the next message", (rid1, rid2))
    ok(len(QUEUED) == n, "reject: nothing queued")
    ok(DOWN_SESSIONS and DOWN_SESSIONS[-1]["mid_data"],
       "reject: the downstream is dropped in DATA, without '.'")

    eod, _ = transaction(conf, "web", b"LATER\r\n.\r\n")
    ok(eod == b"450 4.7.1 greylisted\r\n", "tempfail: the API's 4xx", eod)
    eod, _ = transaction(conf, "web", b"LIAR\r\n.\r\n")
    ok(eod.startswith(b"554 "), "a reject that says 250 is a 554", eod)
    ok(len(QUEUED) == n, "... and nothing queued")

    eod, _ = transaction(conf, "web", b"REWRITE\r\n.\r\n")
    ok(eod.startswith(b"250"), "replace: accepted", eod)
    ok(QUEUED[-1] == b"Subject: rewritten\r\n\r\n..leading dot\r\nlast\r\n",
       "replace: the API's message queued, CRLF and dot-stuffed",
       QUEUED[-1])

    for word, name in ((b"GARBAGE", "an HTML answer"),
                       (b"UNKNOWN", "an unknown action")):
        n = len(QUEUED)
        eod, _ = transaction(conf, "web", word + b"\r\n.\r\n")
        ok(eod.startswith(b"451 4.7.1"), "%s: 451" % name, eod)
        ok(len(QUEUED) == n, "%s: nothing queued" % name)

    n = len(QUEUED)
    eod, took = transaction(conf, "web", b"SLOW\r\n.\r\n")
    ok(eod.startswith(b"451 4.7.1") and took < 3.5,
       "an API slower than timeout (2s): 451 in %.1fs" % took, eod)
    ok(len(QUEUED) == n, "slow API: nothing queued")

    eod, _ = transaction(conf, "down", b"hello\r\n.\r\n")
    ok(eod.startswith(b"451 4.7.1"), "API down: 451", eod)
    ok(len(QUEUED) == n, "API down: nothing queued")
    eod, _ = transaction(conf, "lenient", b"GARBAGE\r\n.\r\n")
    ok(eod.startswith(b"250"), "on_failure accept: passed", eod)

    left = os.listdir(spool)
    ok(left == [], "tempdir is empty afterwards", left)
    print("1..%d" % n_test)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
