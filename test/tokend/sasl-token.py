#!/usr/bin/env python3
"""sasl-token.py -- one XOAUTH2 or OAUTHBEARER login through pfxhttp-spawn sasl.

    sasl-token.py SPAWN CONF NAME MECH USER TOKEN-FILE [LOGINS]

Starts "SPAWN -c CONF sasl NAME" on pipes, reads the Dovecot handshake,
sends VERSION and CPID, then LOGINS (default 1) AUTH exchanges on the one
connection, each with the initial response the mechanism wants (the token
is read from TOKEN-FILE, so it never shows in ps).  For each it prints one
line:
    OK user=NAME          the login succeeded as NAME
    FAIL challenge=JSON   the token was refused: the RFC 7628 error
                          challenge, answered as a client does, then FAIL
    FAIL reason=...       a FAIL without an error challenge
    CLOSED                the helper closed the connection (Postfix: 454)
    TIMEOUT               no answer in 15 s
USER "-" claims no user (OAUTHBEARER without a=).
"""
import base64
import os
import select
import subprocess
import sys
import time


def main():
    spawn, conf, name, mech, user, tokfile = sys.argv[1:7]
    logins = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    with open(tokfile, encoding='ascii') as f:
        token = f.read().strip()
    if mech == 'XOAUTH2':
        ir = f'user={"" if user == "-" else user}\x01auth=Bearer {token}\x01\x01'
    else:
        gs2 = 'n,,' if user == '-' else f'n,a={user},'
        ir = f'{gs2}\x01auth=Bearer {token}\x01\x01'
    resp = base64.b64encode(ir.encode()).decode()
    p = subprocess.Popen([spawn, '-c', conf, 'sasl', name], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buf = b''

    def line(deadline):
        nonlocal buf
        while b'\n' not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return 'TIMEOUT'
            r, _, _ = select.select([p.stdout], [], [], left)
            if not r:
                return 'TIMEOUT'
            d = os.read(p.stdout.fileno(), 65536)
            if not d:
                return None
            buf += d
        ln, buf = buf.split(b'\n', 1)
        return ln.decode('utf-8', 'replace')

    def send(s):
        try:
            p.stdin.write(s.encode())
            p.stdin.flush()
        except BrokenPipeError:
            pass

    dl = time.monotonic() + 15
    while True:
        ln = line(dl)
        if ln in (None, 'TIMEOUT'):
            print('CLOSED' if ln is None else 'TIMEOUT')
            return
        if ln == 'DONE':
            break
    send(f'VERSION\t1\t2\nCPID\t{os.getpid()}\n')
    for i in range(1, logins + 1):
        send(f'AUTH\t{i}\t{mech}\tservice=smtp\tnologin\tlip=127.0.0.1\t'
             f'rip=192.0.2.7\tsecured\tresp={resp}\n')
        dl = time.monotonic() + 15
        ln = line(dl)
        if ln is None:
            print('CLOSED')
            break
        if ln == 'TIMEOUT':
            print('TIMEOUT')
            break
        f = ln.split('\t')
        if f[0] == 'OK':
            user_f = [x for x in f[2:] if x.startswith('user=')]
            print('OK ' + (user_f[0] if user_f else '(no user)'))
        elif f[0] == 'CONT':
            challenge = base64.b64decode(f[2]).decode('utf-8', 'replace')
            send(f'CONT\t{i}\t{"AQ==" if mech == "OAUTHBEARER" else ""}\n')
            ln = line(time.monotonic() + 15)
            if ln is None or ln == 'TIMEOUT' or not ln.startswith('FAIL'):
                print(f'BAD after challenge: {ln}')
            else:
                print(f'FAIL challenge={challenge}')
        elif f[0] == 'FAIL':
            reason = [x for x in f[2:] if x.startswith('reason=')]
            print('FAIL ' + (reason[0] if reason else ''))
        else:
            print(f'BAD {ln}')
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


if __name__ == '__main__':
    main()
