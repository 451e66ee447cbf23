#!/bin/bash
#
# tokend-cache.sh - the shared response cache in pfxhttp-tokend, seen
# through pfxhttp-spawn (socketmap, tcp_table, policy).  No OIDC.
#
#   1. backend up: answers are stored (found values, REJECT), not stored
#      (NOTFOUND, DUNNO); -s counts them.  serve_fresh: a repeated lookup
#      within fresh_ttl does not reach the backend, after it does.
#   2. backend killed: the same keys are answered from the cache
#      (cache_stale_serves grows); unseen keys and NOTFOUND keys get the
#      temporary error; a cached REJECT is served for a request with the
#      same cache_key_attributes but another queue_id/instance.
#      A not-found (404, or for policy an answer without an action) after
#      a cached positive deletes it: the outage then gets TEMP and
#      default_action, never the old positive.
#   3. SIGHUP: a broken config is refused (old limits kept, cache still
#      answers), a good one changing max_entries is applied; 500 keys
#      into max_entries = 50 evict.  An empty file is refused.  Names
#      gone from the configuration free their cache slots (130 + 130
#      names over a reload are all cached; 255 is the limit at a time).
#      A changed socket path is logged, the old socket kept and removed
#      at stop.
#   4. tokend down or silent: spawn still answers (TEMP / 400 /
#      default_action) within server.tokend.timeout (measured).
#
# Backends: two test/backend/backend.py instances ("main" is killed,
# "aux" stays up).  Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 jq curl
tt_init tokend-cache

start_backend main
start_backend aux
BP=$BPORT_main
AP=$BPORT_aux
SOCK=$T/tokend.sock
TC=$T/tokend.conf	# tokend's file (rewritten for the SIGHUP tests)
SC=$T/spawn.conf	# spawn's copy
FC=$T/spawn-fresh.conf	# spawn with serve_fresh = true
DEFAULT_ACTION="DEFER_IF_PERMIT Service temporarily unavailable"

# write_conf FILE MAX_ENTRIES SERVE_FRESH [EXTRA-SERVER-LINE]
write_conf() {
	cat >"$1" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; max_entries = $2;
                     serve_fresh = $3; fresh_ttl = "2s"; };
  ${4:-}
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
  flip = { target = "http://127.0.0.1:$BP${FLIP:-/map}"; value_field = "data.result"; };
  ${MAPS:-}
  aux = { target = "http://127.0.0.1:$AP/map"; value_field = "data.result"; };
  # a token is needed first (nothing listens on port 1); a 5 s entry
  # timeout, longer than server.tokend.timeout, and no cache
  oidc = { target = "http://127.0.0.1:$AP/map"; value_field = "data.result";
    timeout = "5s"; cache = false;
    backend_oidc_auth = { enabled = true; client_id = "x"; client_secret = "y";
      configuration_uri = "http://127.0.0.1:1/.well-known/openid-configuration"; }; };
};
tcp_tables = {
  demo = { target = "http://127.0.0.1:$BP/rest"; method = "GET"; };
};
policy_services = {
  demo = {
    target = "http://127.0.0.1:$BP/policy";
    value_field = "policy.result";
    default_action = "$DEFAULT_ACTION";
    cache_key_attributes = [ "recipient", "sender" ];
  };
  flip = {
    target = "http://127.0.0.1:$BP${PFLIP:-/policy}";
    value_field = "policy.result";
    default_action = "$DEFAULT_ACTION";
    cache_key_attributes = [ "recipient", "sender" ];
  };
};
EOF
}
write_conf "$TC" 1000 false
write_conf "$SC" 1000 false
write_conf "$FC" 1000 true

out=$("$TOKEND" -c "$TC" -t 2>&1)
check "tokend -t accepts the cache configuration" $? "$out"
tt_start_tokend "$TC" || bail "tokend did not start"
ok "tokend -f is listening on $SOCK"

map_count() { backend_stat "$1" '.paths["/map"] // 0'; }

# reload_tc : SIGHUP tokend and wait until it says it reloaded once more
# (lookups run in tokend: its configuration is the one that counts)
reloads() { grep -c 'configuration reloaded' "$T/tokend.log"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
reload_tc() {
	local n0
	n0=$(reloads)
	kill -HUP "$TOKEND_PID"
	wait_for 50 reloaded_since "$n0"
}

# --------------------------------------------------------- 1. backend up

is "socketmap found (backend up)" "$(sm "$SC" demo alice@example.com)" "OK found:alice@example.com"
is "socketmap found, second key" "$(sm "$SC" demo bob@example.com)" "OK found:bob@example.com"
like "tcp_table found (backend up)" "$(tcp "$SC" demo carol@example.com)" '^200 found:carol(@|%40)example\.com$'
is "socketmap NOTFOUND (no value)" "$(sm "$SC" demo x@elsewhere.org)" "NOTFOUND "
is "socketmap NOTFOUND (404)" "$(sm "$SC" demo missing@example.com)" "NOTFOUND "
is "policy REJECT (backend up)" \
    "$(policy "$SC" demo policy-reject@example.com $'queue_id=AAAA1\ninstance=i.1')" \
    "action=REJECT 5.7.1 rejected by the HTTP policy"
is "policy DUNNO (backend up)" "$(policy "$SC" demo dunno@example.com)" "action=DUNNO"
stores=$(tstat "$SC" cache_stores)
entries=$(tstat "$SC" cache_entries)
is "4 definitive answers stored (2 socketmap, 1 tcp, 1 REJECT; no NOTFOUND, no DUNNO)" \
    "$stores/$entries" "4/4" "cache_stores/cache_entries"

# a positive, then the backend says 404 (socketmap) or has no action
# (policy): the cached positive must go
is "flip: found (backend up)" "$(sm "$SC" flip gone@example.com)" "OK found:gone@example.com"
is "flip: policy REJECT (backend up)" "$(policy "$SC" flip policy-reject@example.com)" \
    "action=REJECT 5.7.1 rejected by the HTTP policy"
d0=$(tstat "$SC" cache_deletes)
FLIP=/nosuch PFLIP=/map write_conf "$TC" 1000 false
reload_tc
is "flip: now the backend answers 404: NOTFOUND" "$(sm "$SC" flip gone@example.com)" "NOTFOUND "
like "flip: policy answer without an action" "$(policy "$SC" flip policy-reject@example.com)" '^action=(DUNNO|DEFER)'
is "flip: both cached positives deleted (cache_deletes +2)" "$(($(tstat "$SC" cache_deletes) - d0))" 2
write_conf "$TC" 1000 false
reload_tc

# serve_fresh (tokend's setting: the lookups run there)
write_conf "$TC" 1000 true
reload_tc
b0=$(map_count "$BP")
is "serve_fresh: first lookup" "$(sm "$SC" demo fresh@example.com)" "OK found:fresh@example.com"
b1=$(map_count "$BP")
fs0=$(tstat "$SC" cache_fresh_serves)
is "serve_fresh: first lookup reached the backend" "$((b1 - b0))" 1
is "serve_fresh: repeated lookup" "$(sm "$SC" demo fresh@example.com)" "OK found:fresh@example.com"
b2=$(map_count "$BP")
is "serve_fresh: repeat within fresh_ttl did not reach the backend" "$((b2 - b1))" 0
is "serve_fresh: cache_fresh_serves +1" "$(($(tstat "$SC" cache_fresh_serves) - fs0))" 1
sleep 2.3
is "serve_fresh: lookup after fresh_ttl" "$(sm "$SC" demo fresh@example.com)" "OK found:fresh@example.com"
b3=$(map_count "$BP")
is "serve_fresh: after fresh_ttl (2s) the backend is asked again" "$((b3 - b2))" 1
write_conf "$TC" 1000 false
reload_tc
sm "$SC" demo fresh@example.com >/dev/null
b4=$(map_count "$BP")
is "serve_fresh = false: the same lookup does reach the backend" "$((b4 - b3))" 1

# ------------------------------------------------------- 2. backend down

kill "$BPID_main"
wait "$BPID_main" 2>/dev/null
! curl -s --max-time 2 "http://127.0.0.1:$BP/stats" >/dev/null
check "main backend is down" $?

ss0=$(tstat "$SC" cache_stale_serves)
is "backend down: cached socketmap key answered from cache" \
    "$(sm "$SC" demo alice@example.com)" "OK found:alice@example.com"
is "backend down: cache_stale_serves +1" "$(($(tstat "$SC" cache_stale_serves) - ss0))" 1
is "backend down: second cached key" "$(sm "$SC" demo bob@example.com)" "OK found:bob@example.com"
like "backend down: cached tcp_table key answered (200)" \
    "$(tcp "$SC" demo carol@example.com)" '^200 found:carol(@|%40)example\.com$'
like "backend down: unseen key gets TEMP" "$(sm "$SC" demo unseen@example.com)" '^TEMP '
like "backend down: NOTFOUND answer was not cached (TEMP, not NOTFOUND)" \
    "$(sm "$SC" demo missing@example.com)" '^TEMP '
like "backend down: no-value answer was not cached (TEMP)" \
    "$(sm "$SC" demo x@elsewhere.org)" '^TEMP '
like "backend down: tcp_table unseen key gets 400" "$(tcp "$SC" demo unseen@example.com)" '^400 '
is "backend down: cached REJECT served for another queue_id/instance" \
    "$(policy "$SC" demo policy-reject@example.com $'queue_id=BBBB2\ninstance=i.2')" \
    "action=REJECT 5.7.1 rejected by the HTTP policy"
is "backend down: REJECT not served when a key attribute (sender) differs" \
    "$(SENDER=other@example.org policy "$SC" demo policy-reject@example.com $'queue_id=BBBB3\ninstance=i.3')" \
    "action=$DEFAULT_ACTION"
is "backend down: DUNNO was not cached (default_action)" \
    "$(policy "$SC" demo dunno@example.com)" "action=$DEFAULT_ACTION"
ss=$(tstat "$SC" cache_stale_serves)
is "cache_stale_serves counts every answer served from the cache" "$((ss - ss0))" 4
like "backend down: a key the backend said 404 for gets TEMP, not the old positive" \
    "$(sm "$SC" flip gone@example.com)" '^TEMP '
is "backend down: a policy REJECT the backend withdrew is not served" \
    "$(policy "$SC" flip policy-reject@example.com)" "action=$DEFAULT_ACTION"

# ---------------------------------------------------------- 3. SIGHUP

# fill N PREFIX : N distinct found keys through the aux backend, by 4
# spawn processes in parallel (backend.py answers in two writes, so each
# request costs a delayed ACK, ~40 ms; and its listen backlog is 5, so
# more parallel connects lose SYNs); prints how many were found
fill() {
	local i j pids=()
	for ((j = 0; j < 4; j++)); do
		for ((i = j; i < $1; i += 4)); do
			ns "aux $2$i@example.com"
		done | timeout 60 "$SPAWN" -c "$SC" socketmap 2>/dev/null >"$T/fill.$j" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$T"/fill.* | grep -o 'OK found' | wc -l
	rm -f "$T"/fill.*
}
e0=$(tstat "$SC" cache_entries)
is "100 keys looked up through one spawn process" "$(fill 100 a)" 100
e1=$(tstat "$SC" cache_entries)
is "cache_entries grew by 100 (max_entries = 1000)" "$((e1 - e0))" 100

cp "$TC" "$T/tokend.good"
write_conf "$TC" 50 false
echo 'this is = = not libconfig' >>"$TC"
kill -HUP "$TOKEND_PID"
wait_for 50 grep -q 'reload refused' "$T/tokend.log"
check "SIGHUP with a broken config: reload refused (logged)" $? "$(tail -5 "$T/tokend.log")"
kill -0 "$TOKEND_PID" 2>/dev/null
check "SIGHUP with a broken config: tokend keeps running" $?
is "broken config: the cache still answers" "$(sm "$SC" demo alice@example.com)" "OK found:alice@example.com"
is "broken config: cache_entries unchanged (old max_entries kept)" "$(tstat "$SC" cache_entries)" "$e1"
fill 10 b >/dev/null
is "broken config: 10 more keys stored (limit still 1000, not 50)" "$(tstat "$SC" cache_entries)" "$((e1 + 10))"

ev0=$(tstat "$SC" cache_evictions)
write_conf "$TC" 50 false
reload_tc
check "SIGHUP with a good config: reloaded (logged)" $? "$(tail -5 "$T/tokend.log")"
is "good config: max_entries = 50 applied at once (cache_entries)" "$(tstat "$SC" cache_entries)" 50
is "500 distinct keys stored" "$(fill 500 c)" 500
entries=$(tstat "$SC" cache_entries)
ev=$(($(tstat "$SC" cache_evictions) - ev0))
num_cmp "max_entries = 50: cache_entries <= 50 after 500 keys" "$entries" -le 50
num_cmp "max_entries = 50: >= 450 evictions" "$ev" -ge 450 "evictions since reload: $ev"

# an empty file (caught while being rewritten) is refused
e0=$(tstat "$SC" cache_entries)
: >"$TC"
kill -HUP "$TOKEND_PID"
wait_for 50 grep -q 'reload refused.*is empty' "$T/tokend.log"
check "SIGHUP with an empty file: reload refused (logged)" $? "$(tail -3 "$T/tokend.log")"
s0=$(tstat "$SC" cache_stores)
sm "$SC" aux empty-reload@example.com >/dev/null
is "empty file: the cache is still on (one more store)" "$(($(tstat "$SC" cache_stores) - s0))" 1

# names gone from the configuration free their slots: 130 names, then
# 130 others (more than 255 in all) are all cached
names() { for ((i = 0; i < 130; i++)); do printf '%s%03d = { target = "http://127.0.0.1:%s/map"; value_field = "data.result"; };\n' "$1" "$i" "$AP"; done; }
lookups() {
	local j pids=()
	for ((j = 0; j < 4; j++)); do
		for ((i = j; i < 130; i += 4)); do ns "$(printf '%s%03d' "$1" "$i") k@example.com"; done |
		    timeout 60 "$SPAWN" -c "$SC" socketmap 2>/dev/null >"$T/names.$j" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$T"/names.* | grep -o 'OK found' | wc -l
	rm -f "$T"/names.*
}
for n in a b; do
	MAPS=$(names $n) write_conf "$TC" 1000 false
	MAPS=$(names $n) write_conf "$SC" 1000 false
	reload_tc
	s0=$(tstat "$SC" cache_stores)
	is "130 names ($n...): found" "$(lookups $n)" 130
	is "130 names ($n...): all 130 answers cached" "$(($(tstat "$SC" cache_stores) - s0))" 130
done
write_conf "$SC" 1000 false

# a changed socket path needs a restart: the old socket stays in use
SOCK=$T/other.sock write_conf "$TC" 1000 false
kill -HUP "$TOKEND_PID"
wait_for 50 grep -q 'still listening on' "$T/tokend.log"
check "SIGHUP with another socket path: logged, restart needed" $? "$(tail -3 "$T/tokend.log")"
is "... tokend still answers on the old socket" "$(tstat "$SC" connections_refused)" 0

# ------------------------------------------------ 4. tokend down or silent

tt_stop_tokend
is "tokend exits 0 on SIGTERM" "$?" 0
! grep -Ei 'fatal|crit|assert|sanitizer' "$T/tokend.log" >"$T/bad.log"
check "tokend log has no fatal errors" $? "$(cat "$T/bad.log")"
! test -e "$SOCK"
check "tokend removed its socket (the one it bound, not the reloaded path)" $?

# timed_check is|like NAME WANT TIME-NAME MAX-MS COMMAND... (test/lib/tap.sh)
timed_check like "tokend down, backend down: socketmap TEMP" '^TEMP ' \
    "tokend down: socketmap answered in < 3 s (@ms ms)" 3000 sm "$SC" demo alice@example.com
timed_check like "tokend down, backend down: tcp_table 400" '^400 ' \
    "tokend down: tcp_table answered in < 3 s (@ms ms)" 3000 tcp "$SC" demo alice@example.com
timed_check is "tokend down, backend down: policy default_action" "action=$DEFAULT_ACTION" \
    "tokend down: policy answered in < 3 s (@ms ms)" 3000 policy "$SC" demo policy-reject@example.com
timed_check like "tokend down, OIDC entry: no token, TEMP" '^TEMP ' \
    "tokend down, OIDC entry: answered in < 3 s (@ms ms)" 3000 sm "$SC" oidc alice@example.com
timed_check is "tokend down, backend up: found (serve_fresh spawn)" "OK found:alice@example.com" \
    "tokend down, backend up: answered in < 3 s (@ms ms)" 3000 sm "$FC" aux alice@example.com

# a "tokend" that accepts and reads but never answers
python3 -c '
import socket, sys, threading, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(16)
def sink(c):
    while c.recv(65536):
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=sink, args=(c,), daemon=True).start()
' "$SOCK" &
SILENT=$!
tt_track "$SILENT"
wait_for 50 test -S "$SOCK" || bail "silent listener did not start"

timed_check like "silent tokend, backend down: socketmap TEMP" '^TEMP ' \
    "silent tokend: socketmap answered in < 3 s (@ms ms)" 3000 sm "$SC" demo alice@example.com
num_cmp "silent tokend: spawn waited for tokend.timeout (>= 900 ms; ${ELAPSED} ms)" "$ELAPSED" -ge 900
timed_check like "silent tokend, backend down: tcp_table 400" '^400 ' \
    "silent tokend: tcp_table answered in < 3 s (@ms ms)" 3000 tcp "$SC" demo alice@example.com
timed_check is "silent tokend, backend down: policy default_action" "action=$DEFAULT_ACTION" \
    "silent tokend: policy answered in < 3 s (@ms ms)" 3000 policy "$SC" demo policy-reject@example.com
timed_check is "silent tokend, backend up: found" "OK found:alice@example.com" \
    "silent tokend, backend up: answered in < 3 s (@ms ms)" 3000 sm "$SC" aux alice@example.com
# README: "If tokend is down or slow, spawn answers with the protocol's
# temporary error within server.tokend.timeout" -- also when it waits for
# a token (not the entry's HTTP timeout, 5 s here)
timed_check like "silent tokend, OIDC entry: TEMP" '^TEMP ' \
    "silent tokend, OIDC entry: TEMP within server.tokend.timeout (1 s; took @ms ms)" 1500 \
    sm "$SC" oidc alice@example.com
timed_check is "silent tokend, backend up, serve_fresh: found" "OK found:alice@example.com" \
    "silent tokend, serve_fresh: answered in < 3 s (@ms ms)" 3000 sm "$FC" aux alice@example.com

tt_done
