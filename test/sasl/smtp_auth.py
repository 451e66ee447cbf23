#!/usr/bin/env python3
"""A raw SMTP client for the SASL tests: EHLO, then the given lines.

  smtp_auth.py PORT LINE...

Reads the greeting, sends EHLO, then sends each LINE and reads one reply
(multi-line replies whole).  A LINE "b64:TEXT" sends base64 of TEXT after
Python escape decoding ("b64:\\0alice\\0secret"); "raw:TEXT" sends TEXT
escape-decoded; "STARTTLS" starts TLS (no certificate check) and sends
EHLO again; anything else is sent as it is.  Prints the EHLO reply's
AUTH line ("AUTH ..." or "AUTH -" when there is none), then one line per
reply: "<code> <text> (<ms> ms)" of its last line.  Stops at EOF
("EOF (<ms> ms)").  Each read waits
at most 30 s.
"""
import base64, socket, ssl, sys, time


def main():
    port = int(sys.argv[1])
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rb")

    def reply():
        lines = []
        while True:
            ln = f.readline()
            if not ln:
                return lines, True
            ln = ln.decode("latin-1").rstrip("\r\n")
            lines.append(ln)
            if len(ln) < 4 or ln[3] != "-":
                return lines, False

    def esc(t):
        return t.encode("latin-1").decode("unicode_escape").encode("latin-1")

    lines, eof = reply()
    if eof:
        print("EOF (greeting)")
        return 1
    s.sendall(b"EHLO client.pfxhttp.test\r\n")
    lines, eof = reply()
    auth = [ln[4:] for ln in lines if ln[4:].upper().startswith("AUTH ")]
    print(auth[0] if auth else "AUTH -", flush=True)
    for arg in sys.argv[2:]:
        if arg == "STARTTLS":
            s.sendall(b"STARTTLS\r\n")
            lines, eof = reply()
            print("%s (STARTTLS)" % (lines[-1] if lines else "EOF"), flush=True)
            if eof or not lines[-1].startswith("220"):
                return 1
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
            f = s.makefile("rb")
            s.sendall(b"EHLO client.pfxhttp.test\r\n")
            lines, eof = reply()
            continue
        if arg.startswith("b64:"):
            data = base64.b64encode(esc(arg[4:]))
        elif arg.startswith("raw:"):
            data = esc(arg[4:])
        else:
            data = arg.encode()
        t0 = time.monotonic()
        try:
            s.sendall(data + b"\r\n")
            lines, eof = reply()
        except OSError as e:
            lines, eof = [], True
        ms = int((time.monotonic() - t0) * 1000)
        if eof and not lines:
            print("EOF (%d ms)" % ms, flush=True)
            return 0
        print("%s (%d ms)" % (lines[-1], ms), flush=True)
    try:
        s.sendall(b"QUIT\r\n")
        reply()
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
