#!/usr/bin/env python3
"""proxy.py - a forward HTTP proxy for http-client.sh: it logs each
request line it is sent (absolute-form, "POST http://HOST:PORT/path
HTTP/1.1") to LOG, forwards the request to that origin and relays the
answer.  One request per connection: the request it forwards says
"Connection: close", and the answer runs to the close.

usage: proxy.py PORTFILE LOG
"""
import socket, sys, threading, urllib.parse

portfile, logpath = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def read_head(f):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        c = f.read(1)
        if not c:
            return None
        head += c
    return head


def serve(c):
    f = c.makefile("rb")
    try:
        head = read_head(f)
        if head is None:
            return
        lines = head.split(b"\r\n")
        method, target, _ = lines[0].split(b" ", 2)
        with lock, open(logpath, "ab") as log:
            log.write(lines[0] + b"\n")
        u = urllib.parse.urlsplit(target.decode())
        n = 0
        kept = []
        for line in lines[1:]:
            if not line:
                continue
            name = line.split(b":", 1)[0].strip().lower()
            if name == b"content-length":
                n = int(line.split(b":", 1)[1])
            if name in (b"proxy-connection", b"connection"):
                continue
            kept.append(line)
        body = f.read(n) if n else b""
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        up = socket.create_connection((u.hostname, u.port or 80), timeout=5)
        up.sendall(b"%s %s HTTP/1.1\r\n" % (method, path.encode())
                   + b"\r\n".join(kept) + b"\r\nConnection: close\r\n\r\n" + body)
        while True:
            d = up.recv(65536)
            if not d:
                break
            c.sendall(d)
        up.close()
    except OSError:
        pass
    finally:
        c.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as p:
    p.write(str(ls.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
