#!/usr/bin/env python3
"""Compares auth_client.py dialogues of real Dovecot and pfxhttp-spawn sasl.

  compare.py DOVECOT.jsonl PFXHTTP.jsonl [PREFIX]

Prints one record a line, TAB-separated, for dovecot-ref.sh to turn into
TAP:  "PASS<TAB>name", "FAIL<TAB>name<TAB>diagnostic", "NOTE<TAB>text"
(a byte difference that is reported, not asserted).

What is asserted (protocols.md §5, §7), per dialogue:
  * no reply is missing and none is extra: the same number of reply lines
    (a closed connection where Dovecot closes too counts as equal);
  * the verbs (OK / FAIL / CONT) and the ids they carry are Dovecot's;
  * a CONT carries its TAB and Dovecot's challenge, byte for byte;
  * every OK has a non-empty user=, and no reply has a field that is not
    key=value or a known flag (what a TAB in a value would make).
Dialogues where the protocol allows either answer have their own rules
(RULES).  Every other byte difference (user=, reason=, code=, Dovecot's
original_user= and token=) becomes a NOTE.  The handshake must be
Dovecot's, except that pfxhttp lists only the mechanisms it serves: the
same lines in the same order once the MECH lines of mechanisms pfxhttp
does not offer are dropped.
"""
import json, re, sys

KNOWN_FLAGS = {"temp", "nologin", "authz", "secured", "pass", "user_disabled",
               "pass_expired", "proxy", "nodelay", "final-resp-ok"}


def load(path):
    out = {}
    order = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln:
                continue
            r = json.loads(ln)
            out[r["name"]] = r
            order.append(r["name"])
    return out, order


def verbs(norm):
    return [ln.split("\t")[:2] for ln in norm]


def fields_ok(ln):
    """'' when the line's fields are well formed, else why not"""
    f = ln.split("\t")
    if f[0] not in ("OK", "FAIL", "CONT"):
        return "unknown verb %r" % f[0]
    if f[0] == "CONT":
        return "" if len(f) == 3 else "CONT with %d fields" % len(f)
    if f[0] == "OK":
        us = [x for x in f[2:] if x.startswith("user=")]
        if len(us) != 1 or us[0] == "user=":
            return "OK without exactly one non-empty user="
    for x in f[2:]:
        if "=" not in x and x not in KNOWN_FLAGS:
            return "stray field %r (a TAB inside a value?)" % x
        if re.search(r"[\x00-\x1f\x7f]", x):
            return "control byte in field %r" % x
    return ""


def no_ok(d, p):
    if any(ln.startswith("OK\t") for ln in p["norm"]):
        return "pfxhttp answered OK"
    return ""


def fail_only(d, p):
    """pfxhttp answers FAIL for our id (or closes), never OK, never silent"""
    if any(ln.startswith("OK\t") for ln in p["norm"]):
        return "pfxhttp answered OK"
    if not p["norm"] and not p.get("eof"):
        return "pfxhttp said nothing and kept the connection"
    return ""


def new_auth_while_login(d, p):
    """the new AUTH gets its own OK; the stale CONT gets a CONT or FAIL for
    the old id (keeping both, as Dovecot does, or dropping the old one),
    never an OK, and nothing is missing"""
    n = p["norm"]
    if len(n) < 2 or n[0] != "CONT\t<id>\tVXNlcm5hbWU6" or n[1] != "OK\t<id+1>\tuser=alice":
        # OK carries pfxhttp's canonical name; accept it
        if not (len(n) >= 2 and n[0] == "CONT\t<id>\tVXNlcm5hbWU6" and
                n[1].startswith("OK\t<id+1>\tuser=")):
            return "want CONT Username:, OK <id+1>; got %r" % n
    if len(n) < 3:
        return "the stale CONT for <id> got no answer"
    if not (n[2].startswith("CONT\t<id>\t") or n[2].startswith("FAIL\t<id>")):
        return "the stale CONT got %r" % n[2]
    return ""


# name -> (rule, why)
RULES = {
    "unknown-mech": (fail_only, "Dovecot disconnects; Postfix never sends one (it checks the list)"),
    "cont-unknown-id": (fail_only, "FAIL or close"),
    "login-then-new-auth": (new_auth_while_login, "keep both or drop the old one (§5.3)"),
    "odd-long-user": (fail_only, "a 5000-byte login name: FAIL"),
}


def odd(d, p):
    """Postfix never sends these: pfxhttp may answer where Dovecot
    disconnects, but never OK an id Dovecot refused, never leave an
    expected reply missing while keeping the connection silent"""
    dok = {ln.split("\t")[1] for ln in d["norm"] if ln.startswith("OK\t")}
    pok = {ln.split("\t")[1] for ln in p["norm"] if ln.startswith("OK\t")}
    dfail = {ln.split("\t")[1] for ln in d["norm"] if ln.startswith("FAIL\t")}
    bad = pok & dfail
    if bad:
        return "OK for %s, which Dovecot FAILed" % sorted(bad)
    return ""


def main():
    dv, order = load(sys.argv[1])
    px, _ = load(sys.argv[2])
    prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    out = []

    def rec(kind, name, diag=""):
        if len(diag) > 600:
            diag = diag[:300] + " ... " + diag[-200:]
        out.append("\t".join([kind, prefix + name, diag.replace("\t", "\\t").replace("\n", "\\n")]).rstrip("\t"))

    # handshake
    dh, ph = dv["handshake"]["norm"], px.get("handshake", {}).get("norm", [])
    pm = {ln.split("\t")[1] for ln in ph if ln.startswith("MECH\t")}
    dh_f = [ln for ln in dh if not ln.startswith("MECH\t") or ln.split("\t")[1] in pm]
    if ph == dh_f and px["handshake"].get("done"):
        rec("PASS", "handshake: Dovecot's lines and order (MECH %s)" % " ".join(sorted(pm)))
    else:
        rec("FAIL", "handshake: Dovecot's lines and order", "pfxhttp %r / dovecot %r" % (ph, dh))
    if ph != dh:
        rec("NOTE", "handshake", "dovecot: %r  pfxhttp: %r" % (dh, ph))
    mi = [i for i, ln in enumerate(ph) if ln.startswith("MECH\t")]
    si = [i for i, ln in enumerate(ph) if ln.startswith(("SPID\t", "CUID\t", "COOKIE\t"))]
    ok = bool(ph) and ph[0] == "VERSION\t1\t2" and mi and ph[-1] == "DONE" and \
        (not si or max(mi) < min(si))
    rec("PASS" if ok else "FAIL", "handshake: VERSION first, MECH before SPID/CUID/COOKIE, DONE last",
        "" if ok else repr(ph))
    raw = px.get("handshake", {}).get("got", [])
    ck = [ln for ln in raw if ln.startswith("COOKIE\t")]
    ok = len(ck) == 1 and re.fullmatch(r"COOKIE\t[0-9a-f]{32}", ck[0]) is not None
    rec("PASS" if ok else "FAIL", "handshake: COOKIE is 32 lowercase hex digits", "" if ok else repr(ck))
    sp = [ln for ln in raw if ln.startswith("SPID\t")]
    ok = len(sp) == 1 and re.fullmatch(r"SPID\t[1-9][0-9]*", sp[0]) is not None
    rec("PASS" if ok else "FAIL", "handshake: SPID is a pid", "" if ok else repr(sp))

    for name in order:
        if name == "handshake":
            continue
        d = dv[name]
        p = px.get(name)
        if p is None:
            continue    # not run against pfxhttp (e.g. token dialogues)
        dn, pn = d["norm"], p["norm"]
        if dn != pn:
            rec("NOTE", name, "dovecot: %r  pfxhttp: %r" % (dn, pn))
        bad = [fields_ok(ln) for ln in pn]
        bad = [b for b in bad if b]
        rec("FAIL" if bad else "PASS", "%s: every reply line well formed" % name, "; ".join(bad))
        rule = RULES.get(name)
        if rule is None and name.startswith("odd-"):
            rule = (odd, "never an OK where Dovecot says FAIL (Postfix never sends this)")
        if rule is not None:
            if rule[0] is None:
                continue
            why = rule[0](d, p)
            rec("FAIL" if why else "PASS", "%s: %s" % (name, rule[1]), why)
            continue
        diag = ""
        if len(pn) != len(dn):
            diag = "%d reply lines, Dovecot %d: %r vs %r" % (len(pn), len(dn), pn, dn)
        elif verbs(pn) != verbs(dn):
            diag = "verbs/ids %r, Dovecot %r" % (verbs(pn), verbs(dn))
        else:
            for a, b in zip(pn, dn):
                if a.startswith("CONT\t") and a != b:
                    diag = "challenge %r, Dovecot %r" % (a, b)
        if d.get("eof") != p.get("eof"):
            diag += "%sconnection closed: pfxhttp %s, Dovecot %s" % (
                "; " if diag else "", p.get("eof"), d.get("eof"))
        if p.get("timeout"):
            diag += "; pfxhttp timed out (a reply missing)"
        rec("FAIL" if diag else "PASS", "%s: %s like Dovecot" % (
            name, " ".join(v[0] for v in verbs(dn)) or "no reply"), diag)
    print("\n".join(out))


if __name__ == "__main__":
    main()
