#!/bin/bash
# BPORT_* and BPID_* are set by start_backend (printf -v)
# shellcheck disable=SC2154
#
# tokend-engine.sh - the lookup engine in pfxhttp-tokend (issue 7): with
# server.tokend configured, pfxhttp-spawn hands each decoded request to
# tokend and gets the verdict back; tokend calls the backend.
#
#   1. single flight: 100 concurrent identical lookups against a backend
#      that answers after 5 s make one backend call (coalesced 99).
#   2. pool bound: max_connections_per_host = 4; 100 spawn connections x
#      20 distinct lookups; the backend sees at most 4 TCP connections.
#   3. idle peers: one peer that sends nothing, then 2000 idle peers; a
#      lookup is still answered through tokend within 2 s, and tokend's
#      CPU stays low (< 0.5 s over 2 s).
#   4. tokend killed (SIGKILL) and restarted under 50 long-lived spawn
#      connections doing 200 lookups each: every lookup answered, every
#      answer right (a TEMP is wrong: spawn must fall back to the direct
#      call), and spawn goes back to tokend after its back-off.
#   5. a definitive not-found replaces a cached positive (socketmap 404,
#      policy DUNNO): with the backend stopped, the old answer is not
#      served.  response_cache.negative_ttl = "5s": a not-found is served
#      fresh (the repeat does not reach the backend).
#   6. the deadline: entry timeout = "2s", a backend that accepts and
#      hangs, and an OIDC entry whose token endpoint hangs: a temporary
#      error in <= 2.5 s, answered by tokend.
#   7. an entry spawn's configuration has and tokend's does not (tokend
#      reloaded an older file, or spawn a newer one): socketmap TEMP, tcp
#      400, policy default_action, each in < 1 s, no direct call to the
#      backend; tokend stays up and serves the next known entry.
#   8. SIGHUP while a lookup waits for a 3 s backend: the lookup gets a
#      temporary error at once (engine_abort), tokend keeps serving.
#   9. LOOKUPs by hand (rawtok.py): a field count that is not 5 + 2n,
#      fewer than 5 fields, a bad deadline or flags, a wrong section
#      name: ANSWER temp and the connection stays usable; an unknown verb:
#      ERR, usable; 300 or 129 attribute pairs (over TOK_MAX_FIELDS) or a
#      wrong version: ERR malformed request, then tokend closes the
#      connection; 128 pairs (the limit) are answered.
#   (Not here: that a peer never chooses the URL, header or body; tokend
#   builds every request from its own configuration, by design.)
#
# Lookups are through tokend when tokend's per-entry counters (tokend -s,
# "socket_maps.NAME requests_found N") count them.  Every backend is a
# test/backend/backend.py of its own (/stats counts its paths, /peers its
# client connections, /set changes a key's answer).  The long-lived spawn
# connections are driven by drive-spawns.py.  Output is TAP.

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
tt_need python3 jq curl
tt_init tokend-engine

# 2000 idle peers need descriptors in the holder and in tokend (started
# below, so it inherits the limit)
[ "$(ulimit -n)" -ge 8192 ] || ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)

DRIVE=$TT_HERE/drive-spawns.py
SOCK=$T/tokend.sock
TC=$T/tokend.conf	# tokend's and spawn's (tokend.timeout 10s)
DC=$T/spawn-deadline.conf	# spawn with tokend.timeout 3s (check 6)
NC=$T/negative.conf	# negative_ttl = "5s" (check 5, second part)
DEFAULT_ACTION="DEFER_IF_PERMIT Service temporarily unavailable"

for b in sf pool main flip neg; do
	start_backend "$b"
done

# a backend that accepts and never answers (check 6)
python3 -c '
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])
' "$T/hang.port" &
tt_track $!
wait_for 50 test -s "$T/hang.port" || bail "hanging listener did not start"
HP=$(cat "$T/hang.port")

# write_conf FILE TOKEND-TIMEOUT [EXTRA-RESPONSE_CACHE-SETTINGS]
write_conf() {
	cat >"$1" <<EOF
server = {
  logging = { level = "info"; };
  http_client = { timeout = "10s"; connect_timeout = "1s";
                  max_connections_per_host = 4; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "$2"; };
  response_cache = { enabled = true; ttl = "5m"; ${3:-} };
};
socket_maps = {
  sf = { target = "http://127.0.0.1:$BPORT_sf/slow?ms=5000"; value_field = "data.result"; };
  pool = { target = "http://127.0.0.1:$BPORT_pool/slow?ms=10"; value_field = "data.result"; };
  demo = { target = "http://127.0.0.1:$BPORT_main/map"; value_field = "data.result"; };
  flip = { target = "http://127.0.0.1:$BPORT_flip/map"; value_field = "data.result"; };
  neg = { target = "http://127.0.0.1:$BPORT_neg/map"; value_field = "data.result"; };
  hang = { target = "http://127.0.0.1:$HP/map"; value_field = "data.result";
           timeout = "2s"; cache = false; };
  slow3 = { target = "http://127.0.0.1:$BPORT_main/slow?ms=3000"; value_field = "data.result";
            cache = false; };
  oidchang = { target = "http://127.0.0.1:$BPORT_main/map"; value_field = "data.result";
    timeout = "2s"; cache = false;
    backend_oidc_auth = { enabled = true; client_id = "x"; client_secret = "y";
      configuration_uri = "http://127.0.0.1:$BPORT_main/discovery?token_endpoint=http://127.0.0.1:$HP/token"; }; };
};
policy_services = {
  flip = {
    target = "http://127.0.0.1:$BPORT_flip/policy";
    value_field = "policy.result";
    default_action = "$DEFAULT_ACTION";
    cache_key_attributes = [ "recipient", "sender" ];
  };
};
EOF
}
write_conf "$TC" 10s
write_conf "$DC" 3s
write_conf "$NC" 10s 'negative_ttl = "5s";'
# spawn's newer configuration (check 7): $TC plus an entry of each kind
# that tokend does not know, on the main backend's /echo, /rest and
# /policy (which nothing else here asks): a direct call would answer them
UC=$T/spawn-unknown.conf
write_conf "$UC" 10s
sed -i -e '/^socket_maps = {/a\
  extra = { target = "http://127.0.0.1:'"$BPORT_main"'/echo"; value_field = "data.result"; cache = false; };' \
    -e '/^policy_services = {/a\
  extra = { target = "http://127.0.0.1:'"$BPORT_main"'/policy"; value_field = "policy.result";\
    default_action = "'"$DEFAULT_ACTION"'"; cache = false; };' "$UC"
cat >>"$UC" <<EOF
tcp_tables = {
  extra = { target = "http://127.0.0.1:$BPORT_main/rest"; method = "GET"; cache = false; };
};
EOF
chmod 0600 "$TC" "$DC" "$NC" "$UC"	# they hold a client_secret

out=$("$TOKEND" -c "$TC" -t 2>&1)
check "tokend -t accepts the configuration (max_connections_per_host = 4)" $? "$out"
tt_start_tokend "$TC" || bail "tokend did not start"

# paths BACKEND PATH : how many requests backend.py BACKEND got on PATH
paths() {
	local p="BPORT_$1"
	backend_stat "${!p}" ".paths[\"$2\"] // 0"
}
# cnt CONF ENTRY COUNTER : a per-entry counter, 0 when absent
cnt() {
	local v
	v=$(tcount "$1" "$2" "$3")
	echo "${v:-0}"
}
# jf FILE FILTER : a field of drive-spawns.py's summary
jf() { jq -r "$2" "$1" 2>/dev/null; }
# drive OUT ARGS... : drive-spawns.py against $TC; summary in OUT
drive() {
	local out=$1
	shift
	python3 "$DRIVE" --spawn "$SPAWN" --conf "$TC" "$@" >"$out" 2>"$out.err"
}

# --------------------------------------------------- 1. single flight

drive "$T/c1.json" --map sf --conns 100 --count 1 --key 'single@example.com' --timeout 20
is "single flight: all 100 identical lookups answered OK found:single@example.com" \
    "$(jf "$T/c1.json" .correct)" 100 "$(cat "$T/c1.json" "$T/c1.json.err")"
is "single flight: the 5 s backend saw exactly 1 call for 100 concurrent lookups" \
    "$(paths sf /slow)" 1
is "single flight: socket_maps.sf backend_calls 1" "$(tcount "$TC" socket_maps.sf backend_calls)" 1
is "single flight: socket_maps.sf coalesced 99" "$(tcount "$TC" socket_maps.sf coalesced)" 99
is "single flight: socket_maps.sf requests_found 100" "$(tcount "$TC" socket_maps.sf requests_found)" 100

# ------------------------------------------------------ 2. pool bound

drive "$T/c2.json" --map pool --conns 100 --count 20 --key 'p{c}-{i}@example.com' --timeout 20
is "pool: 100 connections x 20 distinct lookups all answered correctly" \
    "$(jf "$T/c2.json" .correct)" 2000 "$(cat "$T/c2.json" "$T/c2.json.err")"
is "pool: the backend got all 2000 requests" "$(paths pool /slow)" 2000
peers=$(curl -sS --max-time 5 "http://127.0.0.1:$BPORT_pool/peers")
num_cmp "pool: distinct backend TCP connections <= max_connections_per_host (4)" \
    "$(jq -r .distinct <<<"$peers")" -le 4 "backend /peers: $peers"
num_cmp "pool: backend connections open at once <= 4" \
    "$(jq -r .open_max <<<"$peers")" -le 4 "backend /peers: $peers"
num_cmp "pool: socket_maps.pool queue_waits > 0 (requests waited for a connection)" \
    "$(cnt "$TC" socket_maps.pool queue_waits)" -gt 0

# ------------------------------------------------------ 3. idle peers

# hold N FILE : N connections to tokend's socket that never send;
# writes how many connected to FILE, then holds them until killed
hold() {
	python3 -c '
import os, socket, sys, time
held, deadline = [], time.monotonic() + 20
while len(held) < int(sys.argv[2]) and time.monotonic() < deadline:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:    # the listen backlog is full: again
        s.close()
        time.sleep(0.005)
        continue
    except OSError as e:
        print("connect: %s" % e, file=sys.stderr)
        break
    held.append(s)
open(sys.argv[3] + ".tmp", "w").write(str(len(held)))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
while True:
    time.sleep(60)
' "$SOCK" "$1" "$2" 2>"$2.err" &
	HOLD_PID=$!
	tt_track "$HOLD_PID"
}
cpu_ms() {	# utime + stime of PID in ms
	local t
	t=$(sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }')
	echo $((t * 1000 / $(getconf CLK_TCK)))
}

hold 1 "$T/hold1"
wait_for 50 test -s "$T/hold1"
is "a peer connected to tokend and sends nothing" "$(cat "$T/hold1" 2>/dev/null)" 1
f0=$(cnt "$TC" socket_maps.demo requests_found)
timed_check is "silent peer: a lookup is answered" "OK found:idle1@example.com" \
    "silent peer: answered in < 2 s (@ms ms)" 2000 sm "$TC" demo idle1@example.com
is "silent peer: the lookup went through tokend (socket_maps.demo requests_found +1)" \
    "$(($(cnt "$TC" socket_maps.demo requests_found) - f0))" 1

if [ "$NOFILE" -ge 4200 ]; then
	hold 2000 "$T/hold2000"
	HOLD2=$HOLD_PID
	wait_for 250 test -s "$T/hold2000"
	is "2000 idle peers connected to tokend (fd limit $NOFILE)" \
	    "$(cat "$T/hold2000" 2>/dev/null)" 2000 "$(cat "$T/hold2000.err")"
	c0=$(cpu_ms "$TOKEND_PID")
	t0=$(now_ms)
	f0=$(cnt "$TC" socket_maps.demo requests_found)
	timed_check is "2000 idle peers: a lookup is answered" "OK found:idle2@example.com" \
	    "2000 idle peers: answered in < 2 s (@ms ms)" 2000 sm "$TC" demo idle2@example.com
	is "2000 idle peers: the lookup went through tokend (requests_found +1)" \
	    "$(($(cnt "$TC" socket_maps.demo requests_found) - f0))" 1
	left=$((2000 - ($(now_ms) - t0)))
	[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
	c1=$(cpu_ms "$TOKEND_PID")
	num_cmp "2000 idle peers: tokend CPU over 2 s < 500 ms (used $((c1 - c0)) ms)" \
	    "$((c1 - c0))" -lt 500
	kill "$HOLD2" 2>/dev/null
else
	for n in connected answered "answered in < 2 s" "through tokend" "CPU < 500 ms"; do
		ok "2000 idle peers: $n # SKIP fd limit $NOFILE < 4200"
	done
fi
kill "$HOLD_PID" 2>/dev/null
kill -0 "$TOKEND_PID" 2>/dev/null
check "tokend still runs after the idle peers left" $?

# ------------------------------------------ 4. SIGKILL and restart

rm -f "$T/c4.ready"
drive "$T/c4.json" --map demo --conns 50 --count 200 --key 'k{c}-{k}@example.com' \
    --cycle 40 --notfound-every 7 --pace-ms 25 --ready "$T/c4.ready" --timeout 15 &
DRIVE_PID=$!
tt_track "$DRIVE_PID"
wait_for 100 test -e "$T/c4.ready"
sleep 1
kill -0 "$DRIVE_PID" 2>/dev/null
check "restart: 50 spawn connections are doing lookups" $?
kill -KILL "$TOKEND_PID"
wait "$TOKEND_WRAP" 2>/dev/null
TOKEND_WRAP='' TOKEND_PID=''
sleep 0.5
tt_start_tokend "$TC" "$T/tokend-2.log" &&
    wait_for 50 grep -q 'listening on' "$T/tokend-2.log"
check "restart: tokend started again on the old socket" $? "$(tail -5 "$T/tokend-2.log")"
kill -0 "$DRIVE_PID" 2>/dev/null
check "restart: the lookups were still running when tokend came back" $?
wait "$DRIVE_PID"
c4=$(cat "$T/c4.json" "$T/c4.json.err")
is "restart: every lookup got a reply (replies = sent = 10000)" \
    "$(jf "$T/c4.json" '"\(.replies) \(.sent)"')" "10000 10000" "$c4"
is "restart: every answer right (10000 correct)" "$(jf "$T/c4.json" .correct)" 10000 "$c4"
is "restart: no wrong answer" "$(jf "$T/c4.json" .wrong)" 0 "$c4"
is "restart: no temporary error (spawn falls back to the direct call)" \
    "$(jf "$T/c4.json" .temp)" 0 "$c4"
is "restart: every spawn exited 0 at the end" "$(jf "$T/c4.json" .exit_bad)" 0 "$c4"
n=$(($(cnt "$TC" socket_maps.demo requests_found) + $(cnt "$TC" socket_maps.demo requests_notfound)))
num_cmp "restart: spawn went back to tokend after its back-off (restarted tokend answered lookups)" \
    "$n" -gt 0

# ------------------------------------- 5. not-found replaces a positive

setkey() {	# setkey BACKEND KEY STATUS RESULT-JSON
	local p="BPORT_$1"
	curl -sS --max-time 5 -o /dev/null -X POST "http://127.0.0.1:${!p}/set" \
	    -d "{\"key\":\"$2\",\"status\":$3,\"result\":$4}"
}
setkey flip flip-p@example.com 200 '"REJECT 5.7.1 flip"'
is "not-found: socketmap found (cached)" "$(sm "$TC" flip flip@example.com)" "OK found:flip@example.com"
is "not-found: a second socketmap key found (cached)" "$(sm "$TC" flip keep@example.com)" "OK found:keep@example.com"
is "not-found: policy REJECT (cached)" "$(policy "$TC" flip flip-p@example.com)" "action=REJECT 5.7.1 flip"
is "not-found: a second policy REJECT (cached)" \
    "$(policy "$TC" flip policy-reject@example.com)" "action=REJECT 5.7.1 rejected by the HTTP policy"
setkey flip flip@example.com 404 null
setkey flip flip-p@example.com 200 '"DUNNO"'
is "not-found: the backend now answers 404: NOTFOUND" "$(sm "$TC" flip flip@example.com)" "NOTFOUND "
is "not-found: the policy backend now answers DUNNO" "$(policy "$TC" flip flip-p@example.com)" "action=DUNNO"
kill "$BPID_flip"
wait "$BPID_flip" 2>/dev/null
is "backend stopped: the untouched socketmap key is served from the cache" \
    "$(sm "$TC" flip keep@example.com)" "OK found:keep@example.com"
is "backend stopped: the untouched policy REJECT is served from the cache" \
    "$(policy "$TC" flip policy-reject@example.com)" "action=REJECT 5.7.1 rejected by the HTTP policy"
like "backend stopped: the 404 replaced the cached found (TEMP, not OK found)" \
    "$(sm "$TC" flip flip@example.com)" '^(TEMP|TIMEOUT) '
is "backend stopped: the DUNNO replaced the cached REJECT (default_action)" \
    "$(policy "$TC" flip flip-p@example.com)" "action=$DEFAULT_ACTION"

# ----------------------------------------------------- 6. the deadline

t0=$(cnt "$TC" socket_maps.hang requests_temp)
o0=$(cnt "$TC" socket_maps.hang requests_timeout)
timed_check like "deadline: hanging backend, timeout = 2s: TEMP or TIMEOUT" '^(TEMP|TIMEOUT) ' \
    "deadline: hanging backend answered in <= 2.5 s (@ms ms)" 2501 sm "$DC" hang h@example.com
is "deadline: tokend answered it (socket_maps.hang requests_temp + requests_timeout +1)" \
    "$(($(cnt "$TC" socket_maps.hang requests_temp) + $(cnt "$TC" socket_maps.hang requests_timeout) - t0 - o0))" 1
timed_check like "deadline: OIDC token endpoint hangs, timeout = 2s: TEMP or TIMEOUT" '^(TEMP|TIMEOUT) ' \
    "deadline: hanging token endpoint answered in <= 2.5 s (@ms ms)" 2501 sm "$DC" oidchang h@example.com
is "deadline: the discovery was fetched (the token request is what hangs)" \
    "$(paths main /discovery)" 1

# ------------------------------------- 7. an entry tokend does not know

# spawn's configuration has extra entries, tokend's loaded one does not:
# tokend answers "entry unknown" (ANSWER temp), and spawn must not go to
# the backend itself (the backend would answer found)
out=$("$SPAWN" -c "$UC" -t 2>&1)
check "unknown entry: spawn -t accepts its newer configuration" $? "$out"
r0=$(tstat "$TC" requests)
timed got sm "$UC" extra u@example.com
like "unknown entry: socketmap answers TEMP" "$got" '^TEMP '
num_cmp "unknown entry: socketmap answered in < 1 s (${ELAPSED} ms)" "$ELAPSED" -lt 1000
timed got tcp "$UC" extra u@example.com
like "unknown entry: tcp_table answers 400" "$got" '^400 '
num_cmp "unknown entry: tcp_table answered in < 1 s (${ELAPSED} ms)" "$ELAPSED" -lt 1000
timed got policy "$UC" extra u@example.com
is "unknown entry: policy answers its default_action" "$got" "action=$DEFAULT_ACTION"
num_cmp "unknown entry: policy answered in < 1 s (${ELAPSED} ms)" "$ELAPSED" -lt 1000
# requests counts each message tokend read: the 3 LOOKUPs and the STATS
# that reads it (the one that read r0 counted itself)
is "unknown entry: tokend was asked (requests +3 LOOKUPs +1 STATS)" \
    "$(($(tstat "$TC" requests) - r0))" 4
is "unknown entry: no direct call to the backend (/echo, /rest, /policy: 0 0 0)" \
    "$(paths main /echo) $(paths main /rest) $(paths main /policy)" "0 0 0"
kill -0 "$TOKEND_PID" 2>/dev/null
check "unknown entry: tokend still runs" $?
f0=$(cnt "$TC" socket_maps.demo requests_found)
is "unknown entry: the next lookup of a known entry is answered" \
    "$(sm "$UC" demo known@example.com)" "OK found:known@example.com"
is "unknown entry: ... by tokend (socket_maps.demo requests_found +1)" \
    "$(($(cnt "$TC" socket_maps.demo requests_found) - f0))" 1

# ------------------------------------------- 8. SIGHUP during a lookup

slow_started() { [ "$(paths main /slow)" -ge 1 ]; }
hup_lookup() { sm "$TC" slow3 hup@example.com >"$T/hup.out"; now_ms >"$T/hup.t"; }
rm -f "$T/hup.out" "$T/hup.t"
ts=$(now_ms)
hup_lookup &
HUP_PID=$!
tt_track "$HUP_PID"
wait_for 50 slow_started
check "reload: the 3 s backend call is under way" $?
th=$(now_ms)
kill -HUP "$TOKEND_PID"
wait "$HUP_PID"
tend=$(cat "$T/hup.t" 2>/dev/null || echo 0)
like "reload: the lookup under way gets a temporary error" "$(cat "$T/hup.out")" '^TEMP .*reload'
num_cmp "reload: ... within 1 s of SIGHUP ($((tend - th)) ms)" "$((tend - th))" -lt 1000
num_cmp "reload: ... well before the backend answers (3 s; took $((tend - ts)) ms)" \
    "$((tend - ts))" -lt 2500
wait_for 30 grep -q 'configuration reloaded' "$T/tokend-2.log"
check "reload: tokend logged the reload" $? "$(tail -3 "$T/tokend-2.log")"
kill -0 "$TOKEND_PID" 2>/dev/null
check "reload: tokend still runs" $?
f0=$(cnt "$TC" socket_maps.demo requests_found)
timed_check is "reload: tokend keeps serving (a known entry)" "OK found:hup2@example.com" \
    "reload: ... answered in < 1 s (@ms ms)" 1000 sm "$TC" demo hup2@example.com
is "reload: ... by tokend (socket_maps.demo requests_found +1)" \
    "$(($(cnt "$TC" socket_maps.demo requests_found) - f0))" 1

# ----------------------------------------------- 9. LOOKUPs by hand

# rawtok.py SOCKET : runs the cases below, one "LABEL<TAB>RESULT" line
# each; RESULT is the reply's fields joined by "|" (version dropped),
# EOF, TIMEOUT or BAD (not a frame), or for "*.after" steps whether
# tokend closed the connection within 1 s ("closed") or kept it ("open")
cat >"$T/rawtok.py" <<'EOF'
import socket, sys

def ns(b):
    return str(len(b)).encode() + b":" + b + b","

def frame(fields, version=b"PFXTOK2"):
    return ns(b"".join(ns(f) for f in [version] + fields))

def split(p):
    out, i = [], 0
    while i < len(p):
        j = p.index(b":", i)
        n = int(p[i:j])
        out.append(p[j + 1:j + 1 + n])
        if p[j + 1 + n:j + 2 + n] != b",":
            raise ValueError
        i = j + 2 + n
    return out

class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sys.argv[1])
        self.buf = b""

    def ask(self, fields, **kw):
        self.s.sendall(frame(fields, **kw))
        self.s.settimeout(5)
        try:
            while True:
                if b":" in self.buf:
                    j = self.buf.index(b":")
                    n = int(self.buf[:j])
                    if len(self.buf) >= j + 2 + n:
                        p, self.buf = self.buf[j + 1:j + 1 + n], self.buf[j + 2 + n:]
                        f = split(p)
                        if f[0] != b"PFXTOK2":
                            return "BAD"
                        return "|".join(x.decode("utf-8", "replace") for x in f[1:])
                d = self.s.recv(65536)
                if not d:
                    return "EOF"
                self.buf += d
        except socket.timeout:
            return "TIMEOUT"
        except (ValueError, OSError):
            return "BAD"

    def after(self):
        self.s.settimeout(1)
        try:
            return "closed" if self.s.recv(1) == b"" else "data"
        except socket.timeout:
            return "open"
        except OSError:
            return "closed"

def lookup(key, section=b"socket_maps", name=b"demo", left=b"5000", flags=b"", extra=()):
    f = [b"LOOKUP", section, name, left, flags, b"name", name, b"key", key]
    for a in extra:
        f += a
    return f

def say(label, result):
    print("%s\t%s" % (label, result), flush=True)

c = Conn()
say("odd", c.ask([b"LOOKUP", b"socket_maps", b"demo", b"5000", b"", b"key"]))
say("odd.next", c.ask(lookup(b"raw1@example.com")))
c = Conn()
say("short", c.ask([b"LOOKUP", b"socket_maps", b"demo", b"5000"]))
say("left", c.ask(lookup(b"raw@example.com", left=b"soon")))
say("flags", c.ask(lookup(b"raw@example.com", flags=b"loud")))
say("short.next", c.ask(lookup(b"raw2@example.com")))
c = Conn()
say("section", c.ask(lookup(b"raw@example.com", section=b"socket_map")))
say("kind", c.ask(lookup(b"raw@example.com", section=b"policy_services")))
say("section.next", c.ask(lookup(b"raw3@example.com")))
c = Conn()
say("verb", c.ask([b"HELLO", b"x"]))
say("verb.next", c.ask(lookup(b"raw4@example.com")))
c = Conn()
say("a128", c.ask(lookup(b"raw5@example.com",
    extra=[(b"a%d" % i, b"v") for i in range(126)])))
say("a128.after", c.after())
c = Conn()
say("a129", c.ask(lookup(b"raw@example.com",
    extra=[(b"a%d" % i, b"v") for i in range(127)])))
say("a129.after", c.after())
c = Conn()
say("a300", c.ask(lookup(b"raw@example.com",
    extra=[(b"a%d" % i, b"v") for i in range(298)])))
say("a300.after", c.after())
c = Conn()
say("version", c.ask(lookup(b"raw@example.com"), version=b"PFXTOK1"))
say("version.after", c.after())
EOF
declare -A RAW=()
while IFS=$'\t' read -r k v; do
	RAW[$k]=$v
done < <(timeout 60 python3 "$T/rawtok.py" "$SOCK" 2>"$T/rawtok.err")
raw() { echo "${RAW[$1]-(no answer: $(tail -1 "$T/rawtok.err"))}"; }
found() { echo "ANSWER|found|found:$1|"; }
is "raw: LOOKUP with 6 fields (not 5 + 2n): ANSWER temp malformed LOOKUP" \
    "$(raw odd)" "ANSWER|temp||malformed LOOKUP"
is "raw: ... the connection stays usable (the next LOOKUP is answered)" \
    "$(raw odd.next)" "$(found raw1@example.com)"
is "raw: LOOKUP with 4 fields: ANSWER temp malformed LOOKUP" \
    "$(raw short)" "ANSWER|temp||malformed LOOKUP"
is "raw: a deadline that is not a number: ANSWER temp malformed LOOKUP" \
    "$(raw left)" "ANSWER|temp||malformed LOOKUP"
is "raw: flags other than \"\" or secret: ANSWER temp malformed LOOKUP flags" \
    "$(raw flags)" "ANSWER|temp||malformed LOOKUP flags"
is "raw: ... the connection stays usable" \
    "$(raw short.next)" "$(found raw2@example.com)"
is "raw: wrong section name (socket_map): ANSWER temp entry unknown" \
    "$(raw section)" "ANSWER|temp||entry unknown to pfxhttp-tokend"
is "raw: an entry name of another section (policy_services.demo): entry unknown" \
    "$(raw kind)" "ANSWER|temp||entry unknown to pfxhttp-tokend"
is "raw: ... the connection stays usable" \
    "$(raw section.next)" "$(found raw3@example.com)"
is "raw: unknown verb: ERR unknown request" "$(raw verb)" "ERR|unknown request"
is "raw: ... the connection stays usable" \
    "$(raw verb.next)" "$(found raw4@example.com)"
is "raw: 128 attribute pairs (the limit) are answered" \
    "$(raw a128)" "$(found raw5@example.com)"
is "raw: ... the connection stays open" "$(raw a128.after)" open
is "raw: 129 attribute pairs: ERR malformed request" "$(raw a129)" "ERR|malformed request"
is "raw: ... then tokend closes the connection" "$(raw a129.after)" closed
is "raw: 300 attribute pairs: ERR malformed request" "$(raw a300)" "ERR|malformed request"
is "raw: ... then tokend closes the connection" "$(raw a300.after)" closed
is "raw: protocol version PFXTOK1: ERR malformed request" "$(raw version)" "ERR|malformed request"
is "raw: ... then tokend closes the connection" "$(raw version.after)" closed
kill -0 "$TOKEND_PID" 2>/dev/null
check "raw: tokend still runs" $?
is "raw: a spawn lookup is still answered" \
    "$(sm "$TC" demo raw6@example.com)" "OK found:raw6@example.com"

# ---------------------------------------------- 5b. negative_ttl

out=$("$TOKEND" -c "$NC" -t 2>&1)
st=$?
check "negative_ttl: tokend -t accepts response_cache.negative_ttl = \"5s\"" $st "$out"
tt_stop_tokend
is "tokend exits 0 on SIGTERM" "$?" 0
if [ $st -eq 0 ] && tt_start_tokend "$NC" "$T/tokend-3.log"; then
	setkey neg neg@example.com 404 null
	is "negative_ttl: a 404 is NOTFOUND" "$(sm "$NC" neg neg@example.com)" "NOTFOUND "
	b1=$(paths neg /map)
	is "negative_ttl: repeated within 5 s: NOTFOUND" "$(sm "$NC" neg neg@example.com)" "NOTFOUND "
	is "negative_ttl: the repeat did not reach the backend" "$(($(paths neg /map) - b1))" 0
	num_cmp "negative_ttl: socket_maps.neg cache_hits >= 1" "$(cnt "$NC" socket_maps.neg cache_hits)" -ge 1
	tt_stop_tokend
else
	for n in "a 404 is NOTFOUND" "repeated within 5 s: NOTFOUND" \
	    "the repeat did not reach the backend" "cache_hits >= 1"; do
		not_ok "negative_ttl: $n" "tokend does not run with negative_ttl (see above)"
	done
fi

! grep -Ei 'fatal|crit|assert|sanitizer' "$T"/tokend*.log >"$T/bad.log"
check "tokend logs have no fatal errors" $? "$(cat "$T/bad.log")"

tt_done
