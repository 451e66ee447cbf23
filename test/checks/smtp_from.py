#!/usr/bin/env python3
"""smtp_from.py PORT SOURCE SENDER RCPT - one SMTP session from SOURCE

Connects from the local address SOURCE (e.g. 127.0.0.2) to
127.0.0.1:PORT, sends EHLO, MAIL FROM:<SENDER>, RCPT TO:<RCPT> and
prints the RCPT reply as "CODE TEXT", then RSET and QUIT.  Nothing is
delivered.  Exit status 0 when a reply was read, 2 on a failure.
"""
import smtplib
import sys


def main():
    port, source, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example",
                         timeout=30, source_address=(source, 0))
        s.ehlo()
        code, msg = s.mail(sender)
        if code != 250:
            print("MAIL FROM failed: %d %s" % (code, msg.decode()), file=sys.stderr)
            return 2
        code, msg = s.rcpt(rcpt)
        print("%d %s" % (code, msg.decode("utf-8", "replace").replace("\n", " ")))
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
