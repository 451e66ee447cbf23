#!/bin/bash
#
# tokend-forge.sh - what a tokend peer may send must not change what
# others get, and a silent tokend must not cost a lookup (review of the
# engine):
#   1. a policy attribute value holding "\nname=value" cannot make a
#      request share another request's cache key: the forged answer is
#      not served to the request it imitates;
#   2. a LOOKUP asking for more time than the entry's timeout gets the
#      entry's timeout;
#   3. tokend stopped (SIGSTOP), an entry whose timeout is shorter than
#      server.tokend.timeout: spawn still calls the backend itself in
#      time (it waits for tokend only half of what is left).
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 curl
tt_init tokend-forge
start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
C=$T/pfxhttp.conf
cat >"$C" <<CONF
server = {
  logging = { level = "info"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; serve_fresh = true;
                     fresh_ttl = "60s"; };
};
socket_maps = {
  slow = { target = "http://127.0.0.1:$BP/slow?ms=3000"; timeout = "1s";
           value_field = "data.result"; cache = false; };
  quick = { target = "http://127.0.0.1:$BP/map"; timeout = "800ms";
            value_field = "data.result"; cache = false; };
};
policy_services = {
  p = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result"; };
};
CONF
tt_start_tokend "$C" || bail "tokend did not start"

# raw LOOKUPs: python3 lookup.py SOCK field... (fields as Python literals)
cat >"$T/raw.py" <<'PY'
import ast, socket, sys
def ns(b): return str(len(b)).encode() + b":" + b + b","
def split(p):
    out, i = [], 0
    while i < len(p):
        j = p.index(b":", i); n = int(p[i:j])
        out.append(p[j + 1:j + 1 + n]); i = j + 2 + n
    return out
fields = [b"PFXTOK2"] + [ast.literal_eval(a) for a in sys.argv[2:]]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(10)
s.sendall(ns(b"".join(ns(f) for f in fields)))
buf = b""
while True:
    d = s.recv(65536)
    if not d: break
    buf += d
    j = buf.index(b":") if b":" in buf else -1
    if j > 0 and len(buf) >= j + 2 + int(buf[:j]):
        f = split(buf[j + 1:j + 1 + int(buf[:j])])
        if f[1] == b"PENDING":
            buf = buf[j + 2 + int(buf[:j]):]
            continue
        print("|".join(x.decode("utf-8", "replace") for x in f[2:]))
        break
PY

# ------------------------------------------------- 1. forged cache keys

# the backend answers the forger's request (it has no recipient) with
# a REJECT, which tokend keeps (serve_fresh)
curl -s -X POST "http://127.0.0.1:$BP/set" -d '{"key": "", "result": "REJECT poisoned"}' >/dev/null
forged=$'RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.1\nsender=s@example.org\nrecipient=a@example.com'
out=$(python3 "$T/raw.py" "$SOCK" "b'LOOKUP'" "b'policy_services'" "b'p'" "b'5000'" "b''" \
    "b'request'" "b'smtpd_access_policy'" "b'protocol_state'" "$(python3 -c 'import sys; print(repr(sys.argv[1].encode()))' "$forged")")
is "forger: its own request is answered (and kept)" "$out" "found|REJECT poisoned|"
is "victim: the request the forger imitated gets its own answer" \
    "$(policy "$C" p a@example.com)" "action=DUNNO"

# ------------------------------------------- 2. the entry's timeout holds

t0=$(date +%s%N)
out=$(python3 "$T/raw.py" "$SOCK" "b'LOOKUP'" "b'socket_maps'" "b'slow'" "b'999999999'" "b''" \
    "b'name'" "b'slow'" "b'key'" "b'x@example.com'")
ms=$((($(date +%s%N) - t0) / 1000000))
like "a LOOKUP asking for 999999999 ms: timed out" "$out" '^(timeout|temp)\|'
num_cmp "... within the entry's timeout (1 s; took $ms ms)" "$ms" -le 1600

# ------------------------------------------------ 3. a silent tokend

kill -STOP "$TOKEND_PID"
t0=$(date +%s%N)
out=$(sm "$C" quick b@example.com)
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$TOKEND_PID"
is "tokend stopped, entry timeout 800 ms < tokend.timeout 1 s: found directly" \
    "$out" "OK found:b@example.com"
num_cmp "... within the entry's timeout plus start-up (took $ms ms)" "$ms" -le 1500

tt_done
