#!/usr/bin/env python3
"""ttylog.py PIDFILE LOGFILE COMMAND [ARG...]

Runs COMMAND with stdout and stderr on a fresh pseudo-terminal and copies
everything it prints to LOGFILE (pfxhttp-tokend -f logs to stderr only
when stderr is a terminal; the tests have no syslog).  Writes the child's
pid to PIDFILE, so the test signals the daemon itself, and exits with the
child's exit status (128 + N when killed by signal N).
"""
import os
import pty
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 64
    pidfile, logfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave, close_fds=True)
    os.close(slave)
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % p.pid)
    os.rename(tmp, pidfile)
    with open(logfile, "ab", buffering=0) as log:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            log.write(data)
    rc = p.wait()
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
