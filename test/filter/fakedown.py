#!/usr/bin/env python3
"""fakedown.py - a scripted after-filter SMTP server for the smtpfilter
tests: the downstream misbehaving on purpose, and a record of exactly what
the filter sent it.

  fakedown.py PORTFILE LOGDIR [--no-xforward]

Listens on a free 127.0.0.1 port (written to PORTFILE), one thread per
connection.  Greets 220, answers EHLO (with XFORWARD NAME ADDR PROTO HELO
unless --no-xforward), XFORWARD, MAIL, RCPT, DATA (354), and "." like an
smtpd, except as the MAIL FROM local part says:
  multiline     "." gets "250-fake: first line" + "250 2.0.0 Ok: queued as FAKEML"
  hangup-data   the connection closes at DATA, no reply
  hangup-content   closes at the first content line after the 354
  hangup-eod    reads the content and ".", closes without a reply
  eod-421       "." gets 421 4.3.2 and the connection closes
  rcpt451       every RCPT gets 451 4.2.0 fake: try again later
Any other sender: 250 2.0.0 Ok: queued as FAKEnnn.  Every connection's
input is logged, one Python repr per line, to LOGDIR/conn-N.log; a line
"#end" is added when the connection ends.  Runs until killed.
"""
import os
import socket
import sys
import threading

N = [0]
LOCK = threading.Lock()


def serve(c, log, xforward):
    f = c.makefile("rb")
    mode = ""
    data = False

    def say(b):
        c.sendall(b)

    try:
        say(b"220 fakedown ESMTP\r\n")
        while True:
            ln = f.readline(1 << 20)
            if not ln:
                break
            if not data or ln == b".\r\n":
                log.write(repr(ln) + "\n")
                log.flush()
            else:
                log.write("C " + repr(ln[:80]) + "\n")
                log.flush()
            if data:
                if mode == "hangup-content":
                    break
                if ln != b".\r\n":
                    continue
                data = False
                if mode == "multiline":
                    say(b"250-fake: first line\r\n250 2.0.0 Ok: queued as FAKEML\r\n")
                elif mode == "hangup-eod":
                    break
                elif mode == "eod-421":
                    say(b"421 4.3.2 fake: closing\r\n")
                    break
                else:
                    with LOCK:
                        N[0] += 1
                        q = N[0]
                    say(b"250 2.0.0 Ok: queued as FAKE%03d\r\n" % q)
                continue
            v = ln[:4].upper()
            if v == b"EHLO":
                say(b"250-fakedown\r\n" +
                    (b"250-XFORWARD NAME ADDR PROTO HELO\r\n" if xforward else b"") +
                    b"250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n")
            elif v == b"MAIL":
                a = ln.split(b"<", 1)[-1].split(b"@", 1)[0]
                mode = a.decode("latin-1")
                say(b"250 2.1.0 Ok\r\n")
            elif v == b"RCPT":
                if mode == "rcpt451":
                    say(b"451 4.2.0 fake: try again later\r\n")
                else:
                    say(b"250 2.1.5 Ok\r\n")
            elif v == b"DATA":
                if mode == "hangup-data":
                    break
                data = True
                say(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif v == b"QUIT":
                say(b"221 2.0.0 Bye\r\n")
                break
            elif v == b"RSET" or v == b"NOOP" or v == b"XFOR":
                say(b"250 2.0.0 Ok\r\n")
            else:
                say(b"502 5.5.2 fake: command not recognized\r\n")
    except OSError:
        pass
    finally:
        log.write("#end\n")
        log.close()
        c.close()


def main():
    portfile, logdir = sys.argv[1], sys.argv[2]
    xforward = "--no-xforward" not in sys.argv[3:]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(50)
    with open(portfile + ".tmp", "w") as pf:
        pf.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    k = 0
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        k += 1
        log = open(os.path.join(logdir, "conn-%d.log" % k), "w")
        threading.Thread(target=serve, args=(c, log, xforward), daemon=True).start()


if __name__ == "__main__":
    main()
