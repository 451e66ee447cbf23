#!/usr/bin/python3
"""standin.py - a stand-in for "pfxhttp-spawn smtpfilter NAME", to prove the
test rig (filter-postfix.sh, bench/filter) without pfxhttp; not a filter
for real use.

  standin.py DOWNSTREAM TEMPDIR TIMEOUT ON_FAILURE MAX_SIZE COMMAND [ARG...]

Run by spawn(8): stdin/stdout are the before-filter smtpd's connection.
DOWNSTREAM is host:port.  Relays lock-step; spools DATA content (as sent,
dot-stuffed) to TEMPDIR, gives COMMAND postprox's contract ($EMAIL
dot-unstuffed with LF, $OUTFILE, SENDER, RECIPIENTS, RECIPIENTCOUNT,
CLIENT_ADDRESS, CLIENT_NAME, HELO; exit 0 accept, 1 reject with the last
stderr line, else failure), then sends the spool (or OUTFILE, CRLF and
stuffed) and "." downstream, or drops the downstream without ".".  One
transaction per connection.  The test suite selects it with
PFX_FILTER_IMPL=standin.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def main():
    down, tempdir, timeout, on_failure, maxsize = sys.argv[1:6]
    cmd = sys.argv[6:]
    timeout, maxsize = float(timeout), int(maxsize)
    up_in = os.fdopen(0, "rb", buffering=65536)
    up_out = os.fdopen(1, "wb", buffering=0)
    host, port = down.rsplit(":", 1)
    try:
        d = socket.create_connection((host, int(port)), timeout=60)
    except OSError:
        up_out.write(b"421 4.3.0 standin: downstream unavailable\r\n")
        return
    d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    df = d.makefile("rb")

    def dreply():
        r = b""
        while True:
            ln = df.readline(4096)
            if not ln:
                raise EOFError
            r += ln
            if len(ln) < 4 or ln[3:4] != b"-":
                return r

    env = {"SENDER": "", "RECIPIENTS": [], "CLIENT_ADDRESS": "",
           "CLIENT_NAME": "", "HELO": ""}
    up_out.write(dreply())
    done = False
    while True:
        ln = up_in.readline(65536)
        if not ln:
            return
        verb = ln[:4].upper()
        if verb == b"QUIT":
            try:
                d.sendall(ln)
            except OSError:
                pass
            up_out.write(b"221 2.0.0 Bye\r\n")
            return
        if done and verb in (b"MAIL", b"RCPT", b"DATA"):
            up_out.write(b"503 5.5.1 standin: one transaction per connection\r\n")
            continue
        if verb == b"XFOR":
            for k, v in re.findall(rb"([A-Z]+)=(\S+)", ln):
                if k == b"ADDR":
                    env["CLIENT_ADDRESS"] = v.decode("latin-1")
                elif k == b"NAME":
                    env["CLIENT_NAME"] = v.decode("latin-1")
                elif k == b"HELO":
                    env["HELO"] = v.decode("latin-1")
        d.sendall(ln)
        r = dreply()
        if verb == b"MAIL" and r[:1] == b"2":
            m = re.search(rb"<([^>]*)>", ln)
            env["SENDER"] = m.group(1).decode("latin-1") if m else ""
        if verb == b"RCPT" and r[:1] == b"2":
            m = re.search(rb"<([^>]*)>", ln)
            env["RECIPIENTS"].append(m.group(1).decode("latin-1") if m else "")
        if verb != b"DATA" or r[:3] != b"354":
            up_out.write(r)
            continue
        up_out.write(r)
        done = True
        fd, spool = tempfile.mkstemp(dir=tempdir, prefix="sp")
        sf = os.fdopen(fd, "w+b")
        size = 0
        while True:
            ln = up_in.readline(1 << 20)
            if not ln:                      # abort: no "." downstream
                sf.close()
                os.unlink(spool)
                return
            if ln == b".\r\n":
                break
            size += len(ln)
            if size <= maxsize:
                sf.write(ln)
        if size > maxsize:
            sf.close()
            os.unlink(spool)
            d.close()
            up_out.write(b"552 5.3.4 standin: message too big\r\n")
            continue
        sf.flush()
        sf.seek(0)
        fd, email = tempfile.mkstemp(dir=tempdir, prefix="em")
        ef = os.fdopen(fd, "wb")
        pending = b""
        for chunk in iter(lambda: sf.read(1 << 16), b""):
            pending += chunk
            *full, pending = pending.split(b"\n")
            for x in full:
                x = x[:-1] if x.endswith(b"\r") else x
                ef.write((x[1:] if x.startswith(b".") else x) + b"\n")
        ef.write(pending)
        ef.close()
        fd, outfile = tempfile.mkstemp(dir=tempdir, prefix="out")
        os.close(fd)
        e = dict(os.environ)
        e.update(EMAIL=email, OUTFILE=outfile, SENDER=env["SENDER"],
                 RECIPIENTS=",".join(env["RECIPIENTS"]),
                 RECIPIENTCOUNT=str(len(env["RECIPIENTS"])),
                 CLIENT_ADDRESS=env["CLIENT_ADDRESS"],
                 CLIENT_NAME=env["CLIENT_NAME"], HELO=env["HELO"])
        errf = tempfile.TemporaryFile(dir=tempdir)
        try:
            p = subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=errf,
                                 start_new_session=True)
            try:
                st = p.wait(timeout)
            except subprocess.TimeoutExpired:
                st = -1
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            if st == -1:
                p.wait()
        except OSError:
            st = 127
        errf.seek(0)
        errl = [x for x in errf.read().split(b"\n") if x.strip()]
        last = errl[-1].strip() if errl else b""
        reply = None
        if st == 1:
            if re.match(rb"[45]\d\d ", last):
                reply = last + b"\r\n"
            else:
                reply = b"554 5.7.1 " + (last or b"rejected") + b"\r\n"
        elif st != 0 and on_failure != "accept":
            reply = b"451 4.7.1 standin: filter failure\r\n"
        if reply is None:
            src = sf
            if os.path.getsize(outfile) > 0:
                src = open(outfile, "rb")
                stuffed = True
            else:
                stuffed = False
            src.seek(0)
            pending = b""
            for chunk in iter(lambda: src.read(1 << 16), b""):
                if not stuffed:
                    d.sendall(chunk)
                    continue
                pending += chunk
                *full, pending = pending.split(b"\n")
                for x in full:
                    x = x[:-1] if x.endswith(b"\r") else x
                    d.sendall((b"." if x.startswith(b".") else b"") + x + b"\r\n")
            if pending:
                d.sendall((b"." if pending.startswith(b".") else b"") + pending + b"\r\n")
            d.sendall(b".\r\n")
            reply = dreply()
        else:
            d.close()
        for f in (spool, email, outfile):
            os.unlink(f)
        sf.close()
        up_out.write(reply)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, OSError):
        pass
