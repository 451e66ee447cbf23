#!/usr/bin/env python3
"""A Dovecot auth-client (the side Postfix smtpd plays) for the SASL tests.

It connects to a Dovecot-protocol auth server and runs scripted dialogues,
writing what it sent and got, one JSON object per dialogue, so that two
servers (real Dovecot 2.3 and pfxhttp-spawn sasl) can be compared.

  auth_client.py --unix PATH dialogues [--only NAME,...]
      one connection to a listening socket (Dovecot's auth-client
      listener); every dialogue on it, in order, ids counting up as
      smtpd's do
  auth_client.py --exec "CMD ..." dialogues
      the same, with CMD started on one end of a socketpair (its stdin
      and stdout, as spawn(8) runs pfxhttp-spawn) and this client on the
      other
  auth_client.py ... bench N [--conns C] [--user U --password P]
      N sequential AUTH PLAIN lines per connection, on C connections at
      once (each a thread); prints JSON: rate and latency figures
  auth_client.py --list      the dialogue names

Output of "dialogues": one JSON line per dialogue:
  {"name":..., "sent":[lines], "got":[lines], "ms":[delay per reply],
   "norm":[normalised reply lines], "eof": bool}
and first a "handshake" object with the server's greeting lines.
Normalisation: request ids become "<id>", SPID/CUID/COOKIE values become
"<pid>", "<n>", "<cookie>" (checked for their shape first: a cookie that is
not 32 lowercase hex digits stays as it is, so the comparison sees it).

Every read has a deadline (--timeout, default 5 s): a server that stays
silent gives a dialogue whose "got" ends early with "timeout": true, never
a hang.  A dialogue that expects no reply (CONT for an unknown id waits
only --quiet seconds) says so.
"""
import argparse, base64, json, os, re, select, socket, subprocess, sys
import threading, time


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


class Conn:
    def __init__(self, sock, timeout):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.sock.sendall(data)
        except OSError:
            self.eof = True

    def line(self, timeout=None):
        """One LF-terminated line (without the LF), or None on timeout/EOF."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            try:
                d = self.sock.recv(65536)
            except OSError:
                d = b""
            if not d:
                self.eof = True
                continue
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode("utf-8", "backslashreplace")


def connect(args):
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(args.unix)
        return s, None
    a, b = socket.socketpair()
    p = subprocess.Popen(args.exec, shell=True, stdin=b, stdout=b,
                         stderr=subprocess.DEVNULL, close_fds=True)
    b.close()
    return a, p


def handshake(c):
    """Send what smtpd sends, read the greeting up to DONE."""
    c.send("VERSION\t1\t0\nCPID\t%d\n" % os.getpid())
    lines = []
    while True:
        ln = c.line()
        if ln is None:
            return lines, False
        lines.append(ln)
        if ln == "DONE":
            return lines, True


def norm_handshake(lines):
    out = []
    for ln in lines:
        f = ln.split("\t")
        if f[0] == "SPID" and len(f) == 2 and f[1].isdigit():
            ln = "SPID\t<pid>"
        elif f[0] == "CUID" and len(f) == 2 and f[1].isdigit():
            ln = "CUID\t<n>"
        elif f[0] == "COOKIE" and len(f) == 2 and re.fullmatch(r"[0-9a-f]{32}", f[1]):
            ln = "COOKIE\t<cookie>"
        out.append(ln)
    return out


AUTHP = "service=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.1"

# A dialogue is a list of steps: ("auth", MECH, resp-or-None),
# ("cont", b64), ("cont_id", ID-OFFSET, b64) for a CONT with another id,
# ("raw", LINE), then ("expect", N) replies to wait for, or ("quiet", S):
# expect nothing for S seconds (whatever comes is recorded).  "<id>" in a
# raw line is the dialogue's first id, "<id+1>" the next.
DIALOGUES = [
    ("plain-ok", [("auth", "PLAIN", b64("\0alice\0secret")), ("expect", 1)]),
    ("plain-ok-bob", [("auth", "PLAIN", b64("\0bob\0hunter2")), ("expect", 1)]),
    ("plain-wrong", [("auth", "PLAIN", b64("\0alice\0wrong")), ("expect", 1)]),
    ("plain-lowercase-mech", [("auth", "plain", b64("\0alice\0secret")), ("expect", 1)]),
    ("plain-empty-resp", [("auth", "PLAIN", ""), ("expect", 1)]),
    ("plain-resp-equals", [("auth", "PLAIN", "="), ("expect", 1)]),
    ("plain-no-resp-then-cont", [("auth", "PLAIN", None), ("expect", 1),
                                 ("cont", b64("\0alice\0secret")), ("expect", 1)]),
    ("plain-no-resp-then-wrong", [("auth", "PLAIN", None), ("expect", 1),
                                  ("cont", b64("\0alice\0nope")), ("expect", 1)]),
    ("plain-authzid-same", [("auth", "PLAIN", b64("alice\0alice\0secret")), ("expect", 1)]),
    ("plain-authzid-other", [("auth", "PLAIN", b64("bob\0alice\0secret")), ("expect", 1)]),
    ("plain-one-nul", [("auth", "PLAIN", b64("alice\0secret")), ("expect", 1)]),
    ("plain-three-nuls", [("auth", "PLAIN", b64("\0alice\0secret\0x")), ("expect", 1)]),
    ("plain-empty-user", [("auth", "PLAIN", b64("\0\0secret")), ("expect", 1)]),
    ("plain-empty-password", [("auth", "PLAIN", b64("\0alice\0")), ("expect", 1)]),
    ("plain-bad-base64", [("auth", "PLAIN", "AGFsaWNlAHNlY3JldA="), ("expect", 1)]),
    ("plain-bad-base64-chars", [("auth", "PLAIN", "!!!!"), ("expect", 1)]),
    ("plain-user-with-tab", [("auth", "PLAIN", b64("\0ali\tce\0secret")), ("expect", 1)]),
    ("plain-user-with-lf-ok", [("auth", "PLAIN", b64("\0\nOK\t2\tuser=victim\0secret")), ("expect", 1)]),
    ("login-ok", [("auth", "LOGIN", None), ("expect", 1), ("cont", b64("alice")), ("expect", 1),
                  ("cont", b64("secret")), ("expect", 1)]),
    ("login-wrong", [("auth", "LOGIN", None), ("expect", 1), ("cont", b64("alice")), ("expect", 1),
                     ("cont", b64("nope")), ("expect", 1)]),
    ("login-initial-resp", [("auth", "LOGIN", b64("alice")), ("expect", 1),
                            ("cont", b64("secret")), ("expect", 1)]),
    ("login-empty-resp", [("auth", "LOGIN", ""), ("expect", 1), ("cont", b64("alice")), ("expect", 1),
                          ("cont", b64("secret")), ("expect", 1)]),
    ("login-cont-bad-base64", [("auth", "LOGIN", None), ("expect", 1), ("cont", "@@@"), ("expect", 1)]),
    ("login-empty-user", [("auth", "LOGIN", None), ("expect", 1), ("cont", ""), ("expect", 1)]),
    ("cont-unknown-id", [("raw", "CONT\t<id>\t" + b64("x") + "\n"), ("quiet", 1.0)]),
    ("login-then-new-auth", [("auth", "LOGIN", None), ("expect", 1),
                             ("raw", "AUTH\t<id+1>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0alice\0secret") + "\n"),
                             ("expect", 1),
                             ("raw", "CONT\t<id>\t" + b64("alice") + "\n"), ("quiet", 1.0)]),
    ("unknown-mech", [("auth", "CRAM-MD5", None), ("quiet", 1.0)]),
    ("xoauth2-bad-token", [("auth", "XOAUTH2", b64("user=alice\x01auth=Bearer bad-token\x01\x01")),
                           ("expect", 1), ("cont", ""), ("expect", 1)]),
    ("xoauth2-malformed", [("auth", "XOAUTH2", b64("garbage")), ("expect", 1)]),
    ("oauthbearer-bad-token", [("auth", "OAUTHBEARER", b64("n,a=alice,\x01auth=Bearer bad-token\x01\x01")),
                               ("expect", 1), ("cont", "AQ=="), ("expect", 1)]),
    ("oauthbearer-malformed", [("auth", "OAUTHBEARER", b64("garbage")), ("expect", 1)]),
    ("plain-after-all", [("auth", "PLAIN", b64("\0alice\0secret")), ("expect", 1)]),
    # protocol oddities Postfix never sends (each on its own connection:
    # Dovecot treats most as a client bug and disconnects)
    ("odd-dup-id-pending", [("auth", "LOGIN", None), ("expect", 1),
                            ("raw", "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0bob\0hunter2") + "\n"),
                            ("quiet", 1.0)]),
    ("odd-cancel-then-cont", [("auth", "LOGIN", None), ("expect", 1), ("raw", "CANCEL\t<id>\n"),
                              ("cont", b64("bob")), ("quiet", 1.0)]),
    ("odd-unknown-command", [("raw", "FOO\tbar\n"),
                             ("raw", "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0bob\0hunter2") + "\n"),
                             ("quiet", 1.0)]),
    ("odd-empty-line", [("raw", "\nAUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0bob\0hunter2") + "\n"),
                        ("quiet", 1.0)]),
    ("odd-resp-not-last", [("raw", "AUTH\t<id>\tPLAIN\tresp=" + b64("\0bob\0hunter2") + "\t" + AUTHP + "\n"),
                           ("quiet", 1.0)]),
    ("odd-no-service", [("raw", "AUTH\t<id>\tPLAIN\tresp=" + b64("\0bob\0hunter2") + "\n"), ("quiet", 1.0)]),
    ("odd-no-mech", [("raw", "AUTH\t<id>\n"), ("quiet", 1.0)]),
    ("odd-id-0", [("raw", "AUTH\t0\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0bob\0hunter2") + "\n"), ("quiet", 1.0)]),
    ("odd-crlf", [("raw", "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0bob\0hunter2") + "\r\n"),
                  ("quiet", 1.0)]),
    ("odd-cont-equals", [("auth", "PLAIN", None), ("expect", 1), ("cont", "="), ("expect", 1)]),
    ("odd-mech-trailing-space", [("auth", "PLAIN ", b64("\0bob\0hunter2")), ("quiet", 1.0)]),
    ("odd-user-01-escape", [("auth", "PLAIN", b64("\0bob\x01t\0hunter2")), ("expect", 1)]),
    ("odd-long-user", [("auth", "PLAIN", b64("\0" + "u" * 5000 + "\0pw")), ("expect", 1)]),
]
# pfxhttp-only dialogues (backend.py's special users; --set pfx)
AUTHS = "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tsecured\tresp="
DIALOGUES_PFX = [
    ("x-nostatus", [("auth", "PLAIN", b64("\0nostatus\0x")), ("expect", 1)]),
    ("x-leak", [("auth", "PLAIN", b64("\0leak\0x")), ("expect", 1)]),
    ("x-inject", [("auth", "PLAIN", b64("\0inject\0x")), ("expect", 1)]),
    ("x-login-bob", [("auth", "LOGIN", None), ("expect", 1), ("cont", b64("bob")), ("expect", 1),
                     ("cont", b64("hunter2")), ("expect", 1)]),
    ("x-secured", [("raw", AUTHS + b64("\0bob\0hunter2") + "\n"), ("expect", 1)]),
    ("x-pipelined", [("raw", "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0alice\0secret") + "\n"
                      "AUTH\t<id+1>\tPLAIN\t" + AUTHP + "\tresp=" + b64("\0alice\0wrong") + "\n"),
                     ("expect", 2)]),
    ("x-ok-after", [("auth", "PLAIN", b64("\0bob\0hunter2")), ("expect", 1)]),
] + [("x-odd-" + u, [("auth", "PLAIN", b64("\0%s\0x" % u)), ("expect", 1)])
     for u in ("emptyuser", "utf8user", "longuser", "ctluser", "spaceuser", "s401", "s404",
               "longstatus", "ctlstatus", "utf8status")] + [
    ("x-temp", [("auth", "PLAIN", b64("\0temp\0x")), ("expect", 1)]),
    ("x-odd-s201", [("auth", "PLAIN", b64("\0s201\0x")), ("expect", 1)]),
    ("x-odd-s302", [("auth", "PLAIN", b64("\0s302\0x")), ("expect", 1)]),
    ("x-slow", [("auth", "PLAIN", b64("\0slow\0x")), ("expect", 1)]),
    ("x-long-line", [("raw", "AUTH\t<id>\tPLAIN\t" + AUTHP + "\tresp=" + "A" * 20000 + "\n"), ("expect", 1)]),
]
# dialogues after which the connection may be gone (Dovecot disconnects
# on a protocol error, pfxhttp closes on a backend failure): each runs on
# its own connection
FINAL = {"cont-unknown-id", "login-then-new-auth", "unknown-mech",
         "x-temp", "x-slow", "x-long-line", "x-odd-s201", "x-odd-s302"} | {
         n for n, _ in DIALOGUES if n.startswith("odd-")}


def run_dialogue(c, name, steps, first_id, quiet_default):
    """Returns (record, next free id)."""
    rec = {"name": name, "sent": [], "got": [], "ms": []}
    nid = first_id
    cur = first_id
    last = time.monotonic()

    def subst(s):
        return s.replace("<id+1>", str(cur + 1)).replace("<id>", str(cur))

    for st in steps:
        if st[0] == "auth":
            cur = nid
            nid += 1
            ln = "AUTH\t%d\t%s\t%s" % (cur, st[1], AUTHP)
            if st[2] is not None:
                ln += "\tresp=" + st[2]
            ln += "\n"
        elif st[0] == "cont":
            ln = "CONT\t%d\t%s\n" % (cur, st[1])
        elif st[0] == "raw":
            ln = subst(st[1])
            nid = max(nid, cur + 2)
        if st[0] in ("auth", "cont", "raw"):
            rec["sent"].append(ln.rstrip("\n"))
            c.send(ln)
            last = time.monotonic()
            continue
        if st[0] == "expect":
            for _ in range(st[1]):
                got = c.line()
                if got is None:
                    rec["timeout" if not c.eof else "eof_early"] = True
                    if c.eof:
                        rec["eof_ms"] = int((time.monotonic() - last) * 1000)
                    break
                now = time.monotonic()
                rec["got"].append(got)
                rec["ms"].append(int((now - last) * 1000))
                last = now
        elif st[0] == "quiet":
            end = time.monotonic() + (st[1] if quiet_default is None else quiet_default)
            while True:
                got = c.line(max(0.0, end - time.monotonic()))
                if got is None:
                    break
                rec["got"].append(got)
                rec["ms"].append(int((time.monotonic() - last) * 1000))
    rec["eof"] = c.eof
    # normalise: our ids become <id>, <id+1>
    ids = {}
    for ln in "\n".join(rec["sent"]).split("\n"):
        f = ln.split("\t")
        if len(f) > 1 and f[1].isdigit() and f[1] not in ids:
            ids[f[1]] = "<id>" if not ids else "<id+%d>" % len(ids)
    norm = []
    for ln in rec["got"]:
        f = ln.split("\t")
        if len(f) > 1 and f[1] in ids:
            f[1] = ids[f[1]]
        norm.append("\t".join(f))
    rec["norm"] = norm
    return rec, nid


def cmd_dialogues(args):
    only = set(args.only.split(",")) if args.only else None
    extra = []
    if args.token:
        u, t = args.token_user, args.token
        extra = [("xoauth2-good-token", [("auth", "XOAUTH2", b64("user=%s\x01auth=Bearer %s\x01\x01" % (u, t))),
                                         ("expect", 1)]),
                 ("oauthbearer-good-token", [("auth", "OAUTHBEARER",
                                              b64("n,a=%s,\x01host=127.0.0.1\x01port=25\x01auth=Bearer %s\x01\x01" % (u, t))),
                                             ("expect", 1)]),
                 ("xoauth2-other-user", [("auth", "XOAUTH2", b64("user=mallory\x01auth=Bearer %s\x01\x01" % t)),
                                         ("expect", 1), ("cont", ""), ("expect", 1)])]
    pool = {"dovecot": DIALOGUES + extra, "pfx": DIALOGUES_PFX, "all": DIALOGUES + extra + DIALOGUES_PFX}[args.set]
    todo = [(n, s) for n, s in pool if only is None or n in only]
    # ordinary dialogues share one connection; each FINAL one gets its own
    groups = [[d for d in todo if d[0] not in FINAL]] + [[d] for d in todo if d[0] in FINAL]
    first = True
    for grp in groups:
        if not grp:
            continue
        sock, proc = connect(args)
        c = Conn(sock, args.timeout)
        lines, done = handshake(c)
        if first:
            print(json.dumps({"name": "handshake", "got": lines, "norm": norm_handshake(lines),
                              "done": done}), flush=True)
            first = False
        nid = args.first_id
        for name, steps in grp:
            if c.eof:
                print(json.dumps({"name": name, "sent": [], "got": [], "norm": [],
                                  "eof": True, "skipped": "connection closed"}), flush=True)
                continue
            rec, nid = run_dialogue(c, name, steps, nid, None)
            print(json.dumps(rec), flush=True)
        sock.close()
        if proc:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cmd_bench(args):
    n, conns = args.n, args.conns
    resp = b64("\0%s\0%s" % (args.user, args.password))
    lat = []
    errors = []
    lock = threading.Lock()
    ready = threading.Barrier(conns + 1)

    def worker(k):
        mine = []
        try:
            sock, proc = connect(args)
            c = Conn(sock, args.timeout)
            _, done = handshake(c)
            if not done:
                raise RuntimeError("no handshake")
        except Exception as e:
            with lock:
                errors.append(str(e))
            ready.wait()
            return
        ready.wait()
        for i in range(1, n + 1):
            t0 = time.perf_counter()
            c.send("AUTH\t%d\tPLAIN\t%s\tresp=%s\n" % (i, AUTHP, resp))
            ln = c.line()
            mine.append(time.perf_counter() - t0)
            if ln is None or not ln.startswith("OK\t%d\t" % i):
                with lock:
                    errors.append("conn %d req %d: %r" % (k, i, ln))
                break
        sock.close()
        if proc:
            proc.wait()
        with lock:
            lat.extend(mine)

    th = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in th:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    for t in th:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    med = lat[len(lat) // 2] if lat else 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0
    print(json.dumps({"auths": len(lat), "conns": conns, "wall_s": round(wall, 4),
                      "per_s": round(len(lat) / wall, 1) if wall else 0,
                      "median_us": round(med * 1e6, 1), "p99_us": round(p99 * 1e6, 1),
                      "errors": errors[:5], "n_errors": len(errors)}))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unix")
    ap.add_argument("--exec")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--first-id", type=int, default=1)
    ap.add_argument("--list", action="store_true")
    sub = ap.add_subparsers(dest="cmd")
    d = sub.add_parser("dialogues")
    d.add_argument("--only")
    d.add_argument("--set", default="dovecot", choices=("dovecot", "pfx", "all"))
    d.add_argument("--token", help="a valid bearer token: adds the good-token dialogues")
    d.add_argument("--token-user", default="alice", help="the user the token belongs to")
    b = sub.add_parser("bench")
    b.add_argument("n", type=int)
    b.add_argument("--conns", type=int, default=1)
    b.add_argument("--user", default="alice")
    b.add_argument("--password", default="secret")
    a = ap.parse_args()
    if a.list:
        for n, _ in DIALOGUES + DIALOGUES_PFX:
            print(n)
        return 0
    if not (a.unix or a.exec):
        ap.error("--unix or --exec")
    if a.cmd == "dialogues":
        return cmd_dialogues(a)
    if a.cmd == "bench":
        return cmd_bench(a)
    ap.error("dialogues or bench")


if __name__ == "__main__":
    sys.exit(main() or 0)
