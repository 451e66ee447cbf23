#!/usr/bin/env python3
"""smtpc.py - a raw-socket SMTP client for the smtpfilter tests and bench.

  smtpc.py PORT [--ehlo NAME] [--from ADDR] [--to ADDR]... --body FILE...
           [--cut N] [--bdat] [--rset-first] [--sample PREFIX] [--timeout S]

Connects to 127.0.0.1:PORT, reads the greeting, sends EHLO, then one mail
transaction per --body FILE in the same session: MAIL FROM:<from>, one
RCPT TO per --to (default bob@example.com), DATA, the file's bytes exactly
as they are (the caller dot-stuffs them and ends them with CRLF; nothing
is added, changed or checked), then ".\\r\\n"; QUIT at the end.  A
transaction whose RCPTs were all refused skips DATA (RSET instead); a
refused DATA skips the content (RSET).

--bdat    send each body as one "BDAT <size> LAST" chunk instead of DATA
          (the body is then literal content, not dot-stuffed; its reply
          is printed as EOD)
--rset-first   before the transactions: MAIL, the RCPTs, RSET (an
          abandoned transaction in the same session)
--cut N   send only the first N bytes of the last body, wait 0.5 s and
          close the connection (no ".", no QUIT): a client that vanishes
          in the middle of DATA.
--times   add "[N ms, at M ms]" to each reply but EOD: how long it took,
          and when it came (since the connection)
--sample PREFIX   while the session runs, every 10 ms, read VmRSS
          (/proc/PID/status) and Private_Dirty (/proc/PID/smaps_rollup)
          of every process whose command line starts with PREFIX; at the
          end print one line per process seen:
            "RSS pid=P samples=N rss_first_kb=A rss_max_kb=B pd_first_kb=C pd_max_kb=D"
          (first = the first sample of that process, taken before the
          content flows when the process starts at RCPT).

Prints one line per reply: "STAGE TEXT", STAGE one of GREET EHLO MAIL
RCPT DATA EOD RSET QUIT, TEXT the reply's lines joined by " | "; EOD lines
end with " (N ms)": the time from the end of the "." to the end of the
reply.  "STAGE EOF" when the server closed instead.  Exit status 0 when
the dialogue ran to its end (whatever the replies), 2 on a socket error
or timeout (the error on stderr).
"""
import argparse
import os
import socket
import sys
import threading
import time


class Eof(Exception):
    pass


def read_reply(f):
    lines = []
    while True:
        ln = f.readline(100000)
        if not ln:
            raise Eof()
        ln = ln.decode("latin-1").rstrip("\r\n")
        lines.append(ln)
        if len(ln) < 4 or ln[3] != "-":
            return " | ".join(lines)


def proc_kb(pid):
    rss = pd = None
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    rss = int(ln.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for ln in f:
                if ln.startswith("Private_Dirty:"):
                    pd = int(ln.split()[1])
    except (OSError, ValueError):
        return None
    if rss is None or pd is None:
        return None
    return rss, pd


class Sampler(threading.Thread):
    def __init__(self, prefix):
        super().__init__(daemon=True)
        self.prefix = prefix.encode()
        self.stop = False
        self.seen = {}  # pid -> [samples, rss_first, rss_max, pd_first, pd_max]

    def pids(self):
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ")
            except OSError:
                continue
            if cmd.startswith(self.prefix):
                out.append(int(d))
        return out

    def run(self):
        while not self.stop:
            for pid in self.pids():
                kb = proc_kb(pid)
                if kb is None:
                    continue
                s = self.seen.get(pid)
                if s is None:
                    self.seen[pid] = [1, kb[0], kb[0], kb[1], kb[1]]
                else:
                    s[0] += 1
                    s[2] = max(s[2], kb[0])
                    s[4] = max(s[4], kb[1])
            time.sleep(0.01)

    def report(self):
        for pid, s in sorted(self.seen.items()):
            print("RSS pid=%d samples=%d rss_first_kb=%d rss_max_kb=%d "
                  "pd_first_kb=%d pd_max_kb=%d" % (pid, *s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--ehlo", default="client.example")
    ap.add_argument("--from", dest="sender", default="alice@example.org")
    ap.add_argument("--to", action="append")
    ap.add_argument("--body", action="append", default=[])
    ap.add_argument("--cut", type=int)
    ap.add_argument("--bdat", action="store_true")
    ap.add_argument("--rset-first", action="store_true")
    ap.add_argument("--times", action="store_true")
    ap.add_argument("--sample")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    rcpts = a.to or ["bob@example.com"]
    sampler = None
    if a.sample:
        sampler = Sampler(a.sample)
        sampler.start()
    stage = "GREET"
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")

        t_start = time.monotonic()

        def cmd(st, line):
            nonlocal stage
            stage = st
            if line is not None:
                s.sendall(line.encode("utf-8", "surrogateescape") + b"\r\n")
            t0 = time.monotonic()
            r = read_reply(f)
            if a.times:
                print("%s %s [%.1f ms, at %.1f ms]" % (
                    st, r, (time.monotonic() - t0) * 1000,
                    (time.monotonic() - t_start) * 1000), flush=True)
            else:
                print("%s %s" % (st, r), flush=True)
            return r

        cmd("GREET", None)
        cmd("EHLO", "EHLO " + a.ehlo)
        if a.rset_first:
            cmd("MAIL", "MAIL FROM:<%s>" % a.sender)
            for r in rcpts:
                cmd("RCPT", "RCPT TO:<%s>" % r)
            cmd("RSET", "RSET")
        for i, body in enumerate(a.body):
            last = i == len(a.body) - 1
            cmd("MAIL", "MAIL FROM:<%s>" % a.sender)
            ok = 0
            for r in rcpts:
                if cmd("RCPT", "RCPT TO:<%s>" % r).startswith("2"):
                    ok += 1
            if ok == 0:
                cmd("RSET", "RSET")
                continue
            with open(body, "rb") as bf:
                data = bf.read()
            if a.bdat:
                s.sendall(b"BDAT %d LAST\r\n" % len(data) + data)
                t0 = time.monotonic()
                r = read_reply(f)
                print("EOD %s (%d ms)" % (r, (time.monotonic() - t0) * 1000),
                      flush=True)
                continue
            if not cmd("DATA", "DATA").startswith("354"):
                cmd("RSET", "RSET")
                continue
            stage = "EOD"
            if a.cut is not None and last:
                s.sendall(data[:a.cut])
                time.sleep(0.5)
                s.close()
                print("CUT after %d bytes" % min(a.cut, len(data)), flush=True)
                return 0
            view = memoryview(data)
            for off in range(0, len(data), 1 << 16):
                s.sendall(view[off:off + (1 << 16)])
            s.sendall(b".\r\n")
            t0 = time.monotonic()
            r = read_reply(f)
            print("EOD %s (%d ms)" % (r, (time.monotonic() - t0) * 1000),
                  flush=True)
        cmd("QUIT", "QUIT")
        return 0
    except Eof:
        print("%s EOF" % stage, flush=True)
        return 0
    except OSError as e:
        print("smtpc: %s: %r" % (stage, e), file=sys.stderr)
        print("%s ERROR %s" % (stage, e), flush=True)
        return 2
    finally:
        if s is not None:
            try:
                s.close()
            except OSError:
                pass
        if sampler is not None:
            time.sleep(0.05)
            sampler.stop = True
            sampler.join(1)
            sampler.report()


if __name__ == "__main__":
    sys.exit(main())
