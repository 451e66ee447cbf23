#!/usr/bin/env python3
"""smtp_rcpt.py [--source ADDR] [--sender ADDR] PORT RCPT - one SMTP
session up to RCPT TO

Connects to 127.0.0.1:PORT (from the local address ADDR with --source,
e.g. 127.0.0.2, to play another client), sends EHLO, MAIL FROM:<SENDER>
(default sender@example.org) and RCPT TO:<RCPT>, prints the RCPT reply as
one line "CODE TEXT" (continuation lines joined with a space), then RSET
and QUIT.  Nothing is ever delivered.  Exit status 0 when a reply was
read, 2 on any connection or protocol failure (the error is printed on
stderr).  Every socket operation has a timeout so a hung server cannot
hang the test.
"""
import argparse
import smtplib
import sys


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--source")
    ap.add_argument("--sender", default="sender@example.org")
    ap.add_argument("port", type=int)
    ap.add_argument("rcpt")
    a = ap.parse_args()
    try:
        s = smtplib.SMTP("127.0.0.1", a.port, local_hostname="client.example",
                         timeout=30,
                         source_address=(a.source, 0) if a.source else None)
        s.ehlo()
        code, msg = s.mail(a.sender)
        if code != 250:
            print("MAIL FROM failed: %d %s" % (code, msg.decode()),
                  file=sys.stderr)
            return 2
        code, msg = s.rcpt(a.rcpt)
        text = msg.decode("utf-8", "replace").replace("\n", " ")
        print("%d %s" % (code, text))
        try:
            s.rset()
            s.quit()
        except (smtplib.SMTPException, OSError):
            pass
        return 0
    except (smtplib.SMTPException, OSError) as e:
        print("smtp error: %r" % (e,), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
