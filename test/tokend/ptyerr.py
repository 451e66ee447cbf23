#!/usr/bin/env python3
"""ptyerr.py LOGFILE COMMAND [ARG...]

Runs COMMAND with stdin and stdout inherited and stderr on a fresh
pseudo-terminal, and copies what it writes there to LOGFILE: pfxhttp-spawn
logs to stderr only when stderr is a terminal, and the tests have no
syslog.  Exits with the command's exit status.
"""
import os
import pty
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 64
    logfile, cmd = sys.argv[1], sys.argv[2:]
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stderr=slave, close_fds=True)
    os.close(slave)
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
