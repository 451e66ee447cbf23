#!/usr/bin/env python3
"""ttylog.py [--pidfile PIDFILE] [--stderr-only] LOGFILE COMMAND [ARG...]

Runs COMMAND with stderr (and stdout, unless --stderr-only) on a fresh
pseudo-terminal and copies everything it prints there to LOGFILE: the
pfxhttp programs log to stderr only when it is a terminal, and the tests
have no syslog.  Without --stderr-only stdin is /dev/null; with it stdin
and stdout are inherited (pfxhttp-spawn answering a request).  With
--pidfile the child's pid is written there, so a test signals the daemon
itself.  Exits with the child's exit status (128 + N when killed by
signal N).
"""
import os
import pty
import subprocess
import sys


def main(argv):
    pidfile, stderr_only = None, False
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--pidfile" and argv:
            pidfile = argv.pop(0)
        elif opt == "--stderr-only":
            stderr_only = True
        else:
            argv = []
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 64
    logfile, cmd = argv[0], argv[1:]
    master, slave = pty.openpty()
    if stderr_only:
        p = subprocess.Popen(cmd, stderr=slave, close_fds=True)
    else:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=slave, close_fds=True)
    os.close(slave)
    if pidfile is not None:
        with open(pidfile + ".tmp", "w") as f:
            f.write("%d\n" % p.pid)
        os.rename(pidfile + ".tmp", pidfile)
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
    sys.exit(main(sys.argv[1:]))
