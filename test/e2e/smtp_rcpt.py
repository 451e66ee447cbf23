#!/usr/bin/env python3
"""smtp_rcpt.py PORT RCPT - one SMTP session up to RCPT TO, for the e2e test.

Connects to 127.0.0.1:PORT, sends EHLO, MAIL FROM and RCPT TO:<RCPT>,
prints the RCPT reply as one line "CODE TEXT" (continuation lines
joined with a space), then RSET and QUIT.  Nothing is ever delivered.
Exit status 0 when a reply was read, 2 on any connection or protocol
failure (the error is printed on stderr).  Every socket operation has
a timeout so a hung server cannot hang the test.
"""
import smtplib, sys


def main():
    port, rcpt = int(sys.argv[1]), sys.argv[2]
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example",
                         timeout=30)
        s.ehlo()
        code, msg = s.mail("sender@example.org")
        if code != 250:
            print("MAIL FROM failed: %d %s" % (code, msg.decode()),
                  file=sys.stderr)
            return 2
        code, msg = s.rcpt(rcpt)
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
