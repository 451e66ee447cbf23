#!/usr/bin/env python3
"""fmsg.py - messages for the smtpfilter tests: what a client sends, what
Postfix should store, and byte-exact comparisons.

  fmsg.py wire NAME TAG FILTER OUT
      OUT = the message NAME as an SMTP client sends it after DATA's 354:
      CRLF line ends, dot-stuffed, ending in CRLF, without the final ".".
      Every message has the headers From, To, Subject, Message-Id, Date
      (so cleanup adds none), X-Tag: TAG and X-Filter: FILTER (the test
      filter dispatch.sh runs filters/FILTER.sh).  NAME is one of
        plain       a few lines
        edge        dot-stuffed lines ("..x", "...x", ".."), 8-bit bytes, a
                    NUL byte, a 5000-byte line, a stray CR, a CR at byte
                    1021 of a 3000-byte line, ".\\rX", a bare LF, a body
                    line "QUIT" with more content after it
        env         dot-stuffed lines and a line "QUIT", no CR or LF oddities
        hugeline:N  one body line of N bytes
        big:BYTES   about BYTES bytes of 76-byte lines, every 1000th
                    starting with a (stuffed) dot
        smuggle:SEP a body holding SEP + "MAIL FROM:<smuggled@evil.example>"
                    + RCPT TO:<victim@example.com> + DATA + a second message;
                    SEP one of cr1 (\\r\\n.\\r), cr2 (\\r.\\r), cr3 (\\r.\\r\\n),
                    lf1 (\\n.\\n), lf2 (\\r\\n.\\n), lf3 (\\n.\\r\\n);
                    smuggle:SEP:WHO makes them smuggled-WHO@evil.example,
                    victim-WHO@example.com
  fmsg.py raw bdat TAG FILTER OUT
      OUT = the message "bdat" as literal content for BDAT (not
      dot-stuffed): lines ".", ".x", "..x", ".\\rX" and a CRLF.CRLF with
      "MAIL FROM:<smuggled@evil.example>" after it inside the body
  fmsg.py expect-raw RAW OUT
      like expect, for literal (BDAT) content: no dot removed
  fmsg.py expect WIRE OUT
      OUT = what a savemail delivery of WIRE must hold after the Received:
      headers, as Postfix 3.7 stores and pipe(8) delivers it: lines split
      at LF (a CR before the LF dropped), one leading dot removed from a
      line that starts with one, every other CR a space, LF line ends.
  fmsg.py email WIRE OUT
      OUT = the $EMAIL a filter must see, without the before-filter
      smtpd's Received: header: dot-unstuffed, LF line ends (a CR before
      LF dropped), every other byte as sent.
  fmsg.py strip FILE OUT
      OUT = FILE without its leading Received: headers (each with its
      continuation lines); prints how many it removed.
  fmsg.py cmp GOT WANT
      exit 0 when the files are equal; else 1, with the first difference
      (offset, line, both sides in Python notation) on stdout.
"""
import sys

HEAD = (b"From: Alice <alice@example.org>\r\n"
        b"To: Bob <bob@example.com>\r\n"
        b"Subject: %s\r\n"
        b"Message-Id: <%s@client.example>\r\n"
        b"Date: Wed, 02 Dec 2026 01:00:00 +0000\r\n"
        b"X-Tag: %s\r\n"
        b"X-Filter: %s\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n")

SEPS = {
    "cr1": b"\r\n.\r", "cr2": b"\r.\r", "cr3": b"\r.\r\n",
    "lf1": b"\n.\n", "lf2": b"\r\n.\n", "lf3": b"\n.\r\n",
}
SMUGGLED = (b"MAIL FROM:<smuggled%s@evil.example>\r\n"
            b"RCPT TO:<victim%s@example.com>\r\n"
            b"DATA\r\n"
            b"From: smuggled@evil.example\r\n"
            b"To: victim@example.com\r\n"
            b"Subject: smuggled message\r\n"
            b"\r\n"
            b"smuggled body\r\n")


def body(name):
    if name == "plain":
        return b"Hello Bob,\r\n\r\nthis is a plain test message.\r\n-- \r\nAlice\r\n"
    if name == "env":
        return (b"first line\r\n"
                b"..a dot-stuffed line (one dot after unstuffing)\r\n"
                b"...two dots after unstuffing\r\n"
                b"..\r\n"
                b"QUIT\r\n"
                b"line after QUIT\r\n"
                b"8bit: \xc3\xa9\xe2\x82\xac\r\n")
    if name == "edge":
        long_cr = bytearray(b"C" * 3000)
        long_cr[1021] = 0x0D
        return (b"plain line\r\n"
                b"..a dot-stuffed line\r\n"
                b"...two dots after unstuffing\r\n"
                b"..\r\n"
                b"....\r\n"
                b"8bit: \xc3\xa9\xe2\x82\xac \xff\xfe\x80\r\n"
                b"NUL: before\x00after\r\n"
                + b"L" * 5000 + b"\r\n"
                b"stray CR\rin the middle\r\n"
                + bytes(long_cr) + b"\r\n"
                b".\rX dot-CR-X line (not end of data for smtpd)\r\n"
                b"bare LF line follows\nafter the bare LF\r\n"
                b"QUIT\r\n"
                b"content after the QUIT line\r\n"
                b"\r\n"
                b"last line\r\n")
    if name == "bdat":
        return (b"BDAT content, literal\r\n"
                b".\r\n"
                b"MAIL FROM:<smuggled@evil.example>\r\n"
                b"RCPT TO:<victim@example.com>\r\n"
                b"DATA\r\n"
                b".a line starting with one dot\r\n"
                b"..a line starting with two dots\r\n"
                b".\rX dot-CR-X\r\n"
                b"\r\n.\r\n"
                b"last line\r\n")
    if name.startswith("hugeline:"):
        return b"before\r\n" + b"H" * int(name[9:]) + b"\r\nafter\r\n"
    if name.startswith("big:"):
        size = int(name[4:])
        out = bytearray()
        i = 0
        while len(out) < size:
            if i % 1000 == 999:
                ln = b"..%08d dot line " % i
            else:
                ln = b"%08d " % i
            ln += b"x" * (74 - len(ln))
            out += ln + b"\r\n"
            i += 1
        return bytes(out)
    if name.startswith("smuggle:"):
        sep, _, who = name[8:].partition(":")
        w = b"-" + who.encode() if who else b""
        return b"innocent line" + SEPS[sep] + SMUGGLED % (w, w)
    raise SystemExit("fmsg.py: no message %r" % name)


def wire(name, tag, filt):
    t = tag.encode()
    return HEAD % (("test " + name).encode(), t, t, filt.encode()) + body(name)


def lines(data):
    """Split as smtpd reads: at LF, one CR before the LF dropped."""
    if data.endswith(b"\n"):
        data = data[:-1]
    out = []
    for ln in data.split(b"\n"):
        if ln.endswith(b"\r"):
            ln = ln[:-1]
        out.append(ln)
    return out


def unstuff(ln):
    return ln[1:] if ln.startswith(b".") else ln


def expect(data, stuffed=True):
    return b"".join((unstuff(ln) if stuffed else ln).replace(b"\r", b" ") + b"\n"
                    for ln in lines(data))


def email(data):
    return b"".join(unstuff(ln) + b"\n" for ln in lines(data))


def strip(data):
    n = 0
    ls = data.split(b"\n")
    i = 0
    while i < len(ls) and ls[i].lower().startswith(b"received:"):
        n += 1
        i += 1
        while i < len(ls) and ls[i][:1] in (b" ", b"\t"):
            i += 1
    return n, b"\n".join(ls[i:])


def cmp(a, b):
    if a == b:
        return 0
    n = min(len(a), len(b))
    k = next((i for i in range(n) if a[i] != b[i]), n)
    line = a[:k].count(b"\n") + 1
    lo = max(0, k - 40)
    print("differ at byte %d (line %d; sizes %d and %d)" % (k, line, len(a), len(b)))
    print("  got:  %r" % a[lo:k + 40])
    print("  want: %r" % b[lo:k + 40])
    return 1


def main():
    a = sys.argv[1:]
    if not a:
        raise SystemExit(__doc__)
    if a[0] in ("wire", "raw"):
        open(a[4], "wb").write(wire(a[1], a[2], a[3]))
    elif a[0] == "expect-raw":
        open(a[2], "wb").write(expect(open(a[1], "rb").read(), False))
    elif a[0] == "expect":
        open(a[2], "wb").write(expect(open(a[1], "rb").read()))
    elif a[0] == "email":
        open(a[2], "wb").write(email(open(a[1], "rb").read()))
    elif a[0] == "strip":
        n, rest = strip(open(a[1], "rb").read())
        open(a[2], "wb").write(rest)
        print(n)
    elif a[0] == "cmp":
        return cmp(open(a[1], "rb").read(), open(a[2], "rb").read())
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
