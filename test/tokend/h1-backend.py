#!/usr/bin/env python3
"""h1-backend.py - an HTTP/1.1 backend that frames its answers in every
way a server may, and breaks them in the ways tokend's own client must
refuse (tokend-h1.sh).

usage: h1-backend.py PORTFILE LOGDIR

Each connection is served in its own thread; each request's path says how:
  /chunked  200, the body in two chunks and a trailer (keep-alive)
  /close    200 with Content-Length and "Connection: close", then closes
  /http10   an HTTP/1.0 200 without a length: the body runs to the close
  /drop     answered on a new connection; a later request on the same
            connection is read and the connection closed unanswered (a
            keep-alive timeout that strikes as the request arrives)
  /dropall  every request is read and the connection closed unanswered
  /smuggle  both Content-Length and Transfer-Encoding
  /cut      Content-Length 100, 10 bytes, then the close
  /slow     answers after 3 s
The value is always {"data":{"result":"<PATH IN CAPITALS>"}}.  LOGDIR/conns
holds the number of connections accepted so far; LOGDIR/head the first
request head received, as sent.
"""
import os, socket, sys, threading, time

portfile, logdir = sys.argv[1], sys.argv[2]
lock = threading.Lock()
conns = 0
first_head = None


def body_of(path):
    return ('{"data":{"result":"%s"}}' % path.strip("/").upper()).encode()


def read_request(f):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        c = f.read(1)
        if not c:
            return None, None
        head += c
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":", 1)[1])
    return head, f.read(n)


def serve(s):
    global first_head
    f = s.makefile("rb")
    served = 0
    try:
        while True:
            head, _ = read_request(f)
            if head is None:
                return
            with lock:
                if first_head is None:
                    first_head = head
                    with open(os.path.join(logdir, "head"), "wb") as h:
                        h.write(head)
            path = head.split(b" ")[1].decode()
            b = body_of(path)
            if path == "/chunked":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n"
                          + b"%x\r\n%s\r\n" % (5, b[:5])
                          + b"%x;ext=1\r\n%s\r\n" % (len(b) - 5, b[5:])
                          + b"0\r\nX-Trailer: 1\r\n\r\n")
            elif path == "/close":
                s.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(b), b))
                return
            elif path == "/http10":
                s.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + b)
                return
            elif path == "/drop" and served > 0:
                return
            elif path == "/dropall":
                return
            elif path == "/smuggle":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n%s" % (len(b), b))
            elif path == "/cut":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b[:10])
                return
            else:
                if path == "/slow":
                    time.sleep(3)
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(b), b))
            served += 1
    except OSError:
        pass
    finally:
        s.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(portfile + ".tmp", "w") as p:
    p.write(str(ls.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
while True:
    s, _ = ls.accept()
    with lock:
        conns += 1
        with open(os.path.join(logdir, "conns.tmp"), "w") as c:
            c.write(str(conns))
        os.rename(os.path.join(logdir, "conns.tmp"), os.path.join(logdir, "conns"))
    threading.Thread(target=serve, args=(s,), daemon=True).start()
