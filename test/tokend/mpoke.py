#!/usr/bin/env python3
"""mpoke.py - raw socket games against tokend's /metrics endpoint.

  mpoke.py ADDR send HEX      send bytes (hex), print the status line
                              of the answer (or "EOF" / "RESET")
  mpoke.py ADDR idle N SECS   open N connections that send nothing, hold
                              them SECS seconds; print how many the
                              server closed by then
  mpoke.py ADDR half SECS     send half a request line, then nothing;
                              print the seconds until the server closed
  mpoke.py ADDR stall AUTH SECS  GET /metrics with a tiny receive
                              buffer, read nothing for SECS seconds,
                              then read: "cut N" when the server closed
                              before the whole answer (N bytes came),
                              else "whole N"

ADDR is HOST:PORT or unix:/path.
"""
import socket, sys, time


def conn(addr, small=False):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        if small:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.connect((host.strip("[]"), int(port)))
    return s


def status(s, timeout=5):
    s.settimeout(timeout)
    data = b""
    try:
        while b"\n" not in data:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except ConnectionResetError:
        return "RESET"
    except socket.timeout:
        return "TIMEOUT"
    if not data:
        return "EOF"
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def closed(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def main():
    addr, what = sys.argv[1], sys.argv[2]
    if what == "send":
        s = conn(addr)
        try:
            s.sendall(bytes.fromhex(sys.argv[3]))
        except (BrokenPipeError, ConnectionResetError):
            pass
        print(status(s))
    elif what == "idle":
        n, secs = int(sys.argv[3]), float(sys.argv[4])
        ss = [conn(addr) for _ in range(n)]
        time.sleep(secs)
        print(sum(closed(s) for s in ss))
    elif what == "stall":
        import base64, re
        s = conn(addr, small=True)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                  + base64.b64encode(sys.argv[3].encode()) + b"\r\n\r\n")
        time.sleep(float(sys.argv[4]))
        data = b""
        s.settimeout(5)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        except (ConnectionResetError, socket.timeout):
            pass
        m = re.search(rb"Content-Length: (\d+)\r\n", data)
        head = data.find(b"\r\n\r\n")
        whole = m and head >= 0 and len(data) - head - 4 == int(m.group(1))
        print("%s %d" % ("whole" if whole else "cut", len(data)))
    elif what == "half":
        s = conn(addr)
        s.sendall(b"GET /metr")
        t0 = time.time()
        s.settimeout(float(sys.argv[3]))
        try:
            while s.recv(4096):
                pass
        except socket.timeout:
            print("open")
            return
        except ConnectionResetError:
            pass
        print("%.1f" % (time.time() - t0))


main()
