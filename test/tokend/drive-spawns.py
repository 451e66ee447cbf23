#!/usr/bin/env python3
"""drive-spawns.py - many long-lived pfxhttp-spawn socketmap connections

  drive-spawns.py --spawn PATH --conf CONF --map NAME --conns N --count M
                  [--key FMT] [--notfound-every K] [--pace-ms MS]
                  [--cycle C] [--timeout S] [--ready FILE]

Starts N "pfxhttp-spawn -c CONF socketmap" processes (one per Postfix
connection, as spawn(8) would), waits until all are running, then, in one
thread per process, writes a request netstring "NAME KEY", reads the
reply netstring, checks it and repeats, M times.  KEY is FMT with {c} (the
connection, 0..N-1), {i} (the lookup, 0..M-1) and {k} (i modulo
--cycle, default M: keys that repeat); every K-th lookup uses the domain
elsewhere.org instead (test/backend/backend.py: not found).

The right answer is what backend.py computes for a key: "OK found:KEY"
for a key under example.com, "NOTFOUND " for any other.  Anything else is
wrong, a temporary error ("TEMP ...", "TIMEOUT ...") included.  A reply
that does not come within S seconds (default 15) is lost; that
connection stops.

--ready FILE is created once every process runs and the first requests
are being written.  --pace-ms sleeps between lookups on each connection.

Prints one JSON object: conns, sent, replies, correct, wrong, temp,
lost, exit_bad (processes that did not exit 0 after their stdin closed),
seconds, and up to 5 samples of bad replies.  Exits 0 when every lookup
got the right answer and every process exited 0, else 1.
"""
import argparse
import json
import os
import select
import subprocess
import sys
import threading
import time


def netstring(s):
    b = s.encode()
    return b"%d:%s," % (len(b), b)


class Conn:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, bufsize=0)
        self.fd = self.p.stdout.fileno()
        self.buf = b""

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            raise EOFError
        self.buf += chunk
        return True

    def reply(self, timeout):
        """one reply netstring's payload, or None when it did not come"""
        deadline = time.monotonic() + timeout
        while True:
            colon = self.buf.find(b":")
            if colon >= 0:
                if not self.buf[:colon].isdigit():
                    raise ValueError("bad netstring: %r" % self.buf[:40])
                n = int(self.buf[:colon])
                if len(self.buf) >= colon + n + 2:
                    payload = self.buf[colon + 1:colon + 1 + n]
                    if self.buf[colon + 1 + n:colon + 2 + n] != b",":
                        raise ValueError("bad netstring end")
                    self.buf = self.buf[colon + 2 + n:]
                    return payload.decode("utf-8", "replace")
            elif len(self.buf) > 10:
                raise ValueError("bad netstring: %r" % self.buf[:40])
            if not self._fill(deadline):
                return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spawn", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--key", default="c{c}-{i}@example.com")
    ap.add_argument("--cycle", type=int, default=0)
    ap.add_argument("--notfound-every", type=int, default=0)
    ap.add_argument("--pace-ms", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=15)
    ap.add_argument("--ready")
    a = ap.parse_args()

    argv = [a.spawn, "-c", a.conf, "socketmap"]
    conns = [Conn(argv) for _ in range(a.conns)]
    lock = threading.Lock()
    st = {"conns": a.conns, "sent": 0, "replies": 0, "correct": 0,
          "wrong": 0, "temp": 0, "lost": 0, "exit_bad": 0, "samples": []}
    barrier = threading.Barrier(a.conns + 1)

    def bad(what, key, got):
        with lock:
            st[what] += 1
            if len(st["samples"]) < 5:
                st["samples"].append({"key": key, "got": got})

    def run(c, conn):
        barrier.wait()
        for i in range(a.count):
            key = a.key.format(c=c, i=i, k=i % (a.cycle or a.count))
            if a.notfound_every and i % a.notfound_every == a.notfound_every - 1:
                key = key.split("@")[0] + "@elsewhere.org"
            want = ("OK found:" + key) if key.endswith("example.com") else "NOTFOUND "
            try:
                conn.p.stdin.write(netstring(a.map + " " + key))
                with lock:
                    st["sent"] += 1
                got = conn.reply(a.timeout)
            except (OSError, EOFError, ValueError) as e:
                bad("lost", key, "error: %s" % e)
                return
            if got is None:
                bad("lost", key, "no reply in %gs" % a.timeout)
                conn.p.kill()
                return
            with lock:
                st["replies"] += 1
            if got == want:
                with lock:
                    st["correct"] += 1
            elif got.startswith(("TEMP", "TIMEOUT")):
                bad("temp", key, got)
            else:
                bad("wrong", key, got)
            if a.pace_ms:
                time.sleep(a.pace_ms / 1000.0)

    threads = [threading.Thread(target=run, args=(c, conn))
               for c, conn in enumerate(conns)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    barrier.wait()
    if a.ready:
        open(a.ready, "w").close()
    for t in threads:
        t.join()
    st["seconds"] = round(time.monotonic() - t0, 3)
    for conn in conns:
        try:
            conn.p.stdin.close()
        except OSError:
            pass
    for conn in conns:
        try:
            rc = conn.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            conn.p.kill()
            rc = conn.p.wait()
        if rc != 0:
            st["exit_bad"] += 1
    print(json.dumps(st))
    ok = st["correct"] == a.conns * a.count and st["exit_bad"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
