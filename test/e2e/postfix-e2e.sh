#!/bin/bash
#
# postfix-e2e.sh - pfxhttp-spawn driven by a real, private Postfix instance
#
# Sets up a throwaway Postfix (postfix -c DIR start) in a temporary
# directory, with three spawn(8) services running pfxhttp-spawn as
# nobody (socketmap, tcp_table, policy) and an smtpd on a free loopback
# port that uses them.  Then checks what Postfix itself reports:
# postmap's output and exit status, and the SMTP reply to RCPT TO.
# The HTTP side is test/backend/backend.py, twice (the second for /access, whose
# values are access(5) actions).  Output is TAP.
#
# Two modes (issue 7: the suite runs once with tokend and once without):
#   direct  pfxhttp-spawn calls the backend itself (pfxhttp-direct.so);
#           the config has no server.tokend, no response cache, no OIDC,
#           no tokend runs for it, and the helpers map pfxhttp-direct.so.
#   tokend  pfxhttp-tokend runs as root (allowed_users = [ "nobody" ], a
#           0660 socket of group nogroup, as in test/tokend/tokend-postfix.sh)
#           and the config has server.tokend: every lookup goes through
#           tokend.  The same checks, then tokend's per-entry counters
#           (pfxhttp-tokend -s) must have counted every lookup the test
#           made, its backend_calls must match the backends' own request
#           counts, and no helper may have mapped pfxhttp-direct.so (the
#           fallback): a run that silently went direct fails.
# The mode is PFX_E2E_MODE (direct or tokend; default direct) or the first
# argument (meson passes it so: its environment objects are shared).
#
# Environment (set by meson): PFXHTTP_SPAWN, PFXHTTP_BACKEND, PFXHTTP_TOKEND,
# PFXHTTP_DIRECT_MODULE.
# Needs root (postfix start, spawn's setuid), Postfix, python3.
# Sanitizer reports from the helpers go to files (ASAN_OPTIONS and
# UBSAN_OPTIONS log_path, passed through spawn's export_environment);
# any such file fails the run.
#
# PFXHTTP_E2E_KEEP=1 keeps the temporary directory for inspection.

set -u
export LC_ALL=C.UTF-8

HERE=$(cd "$(dirname "$0")" && pwd)
SPAWN_BIN=${PFXHTTP_SPAWN:-}
BACKEND=${PFXHTTP_BACKEND:-$HERE/../backend/backend.py}
SMTP_RCPT=$HERE/smtp_rcpt.py
export PFXHTTP_BACKEND=$BACKEND

SRCDIR=${PFXHTTP_SRCDIR:-$HERE/../..}
MODE=${1:-${PFX_E2E_MODE:-direct}}
# common.sh (tokend's test helpers: tt_start_tokend, tt_stop_tokend,
# tcount) sources tap.sh; nothing of it runs until called
. "$SRCDIR/test/tokend/common.sh"
export LC_ALL=C.UTF-8
. "$SRCDIR/test/lib/postfix.sh"

case $MODE in
direct | tokend) ;;
*) echo "Bail out! PFX_E2E_MODE must be direct or tokend, not '$MODE'"; exit 1 ;;
esac
echo "# mode: $MODE"
pf_require
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x "$SPAWN_BIN" ] || { echo "Bail out! PFXHTTP_SPAWN is not executable: $SPAWN_BIN"; exit 1; }
[ -r "$BACKEND" ] || { echo "Bail out! backend not found: $BACKEND"; exit 1; }
if [ "$MODE" = tokend ]; then
	[ -x "$TOKEND" ] || { echo "Bail out! PFXHTTP_TOKEND is not executable: $TOKEND"; exit 1; }
	getent group nogroup >/dev/null || skip_all "no group nogroup (tokend's socket group)"
fi

T=$(mktemp -d /tmp/pfxhttp-e2e.XXXXXX) || exit 1
chmod 0755 "$T"
OUT=$T/out
pf_init
mkdir -p "$T/san" "$OUT" "$T/run"
chmod 0755 "$T/run"
chown nobody "$T/san"

BACKEND_PID=
ACCESS_PID=

print_diagnostics() {
	local f
	pf_print_maillog 200
	for f in "$T"/postfix-start.log "$T"/backend.log "$T"/access.log "$T"/tokend.log; do
		[ -s "$f" ] || continue
		echo "----- $f -----" >&2
		tail -n 50 "$f" >&2
	done
	for f in "$T"/san/*; do
		[ -f "$f" ] || continue
		echo "----- $f -----" >&2
		cat "$f" >&2
	done
}

cleanup() {
	pf_cleanup
	tt_stop_tokend >/dev/null 2>&1
	[ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
	[ -n "$ACCESS_PID" ] && kill "$ACCESS_PID" 2>/dev/null
	if [ "$tap_failed" -ne 0 ]; then
		print_diagnostics
	fi
	if [ "${PFXHTTP_E2E_KEEP:-0}" = 1 ] || { [ "$tap_failed" -ne 0 ] && [ "${PFXHTTP_E2E_KEEP:-}" != 0 ]; }; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'tap_failed=$((tap_failed + 1)); exit 1' INT TERM

# Every client call has its own timeout, and no call starts after the
# deadline, so a helper that never answers fails the run well inside
# meson's timeout and the trap still gets to stop Postfix.
DEADLINE=$((SECONDS + 120))

past_deadline() {
	[ "$SECONDS" -ge "$DEADLINE" ]
}

# ---------------------------------------------------------------- backends

run_backend_py "$T/backend.port" "$T/backend.log"
st=$?
BACKEND_PID=$BACKEND_PY_PID
BPORT=$BACKEND_PY_PORT
[ "$st" -eq 0 ] || bail "backend did not start"
run_backend_py "$T/access.port" "$T/access.log"
st=$?
ACCESS_PID=$BACKEND_PY_PID
APORT=$BACKEND_PY_PORT
[ "$st" -eq 0 ] || bail "access backend did not start"

# backend_count PATH : requests the sample backend has seen on PATH
backend_count() {
	timeout 10 python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
print(s["paths"].get(sys.argv[2], 0))' "$BPORT" "$1"
}

# access_keys : the keys the access backend was asked, one a line
access_keys() {
	timeout 10 python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
print("\n".join(s["access_keys"]))' "$APORT"
}

# ----------------------------------------------------------------- ports

read -r SMTP_PORT TCP_PORT < <(free_ports 2)
[ -n "${TCP_PORT:-}" ] || bail "could not pick free ports"

# ------------------------------------------------------- helper and config

pf_install_helper "$SPAWN_BIN"
HCONF=$T/pfxhttp.conf
TSOCK=$T/run/tokend.sock
TOKEND_BLOCK=
# tokend mode: spawn (as nobody) asks tokend for every lookup.  The
# timeout is generous so that a loaded machine does not make spawn fall
# back to the direct call (which the end of the test would catch); a slow
# backend is still answered by the entry's deadline (http_client.timeout).
[ "$MODE" = tokend ] &&
    TOKEND_BLOCK="tokend = { socket = \"$TSOCK\"; mode = \"0660\"; group = \"nogroup\";
             allowed_users = [ \"nobody\" ]; timeout = \"5s\"; };"
cat >"$HCONF" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  $TOKEND_BLOCK
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BPORT/map"; value_field = "data.result"; };
  access = { target = "http://127.0.0.1:$APORT/access"; value_field = "data.result"; };
};
tcp_tables = {
  demo = { target = "http://127.0.0.1:$BPORT/rest"; method = "GET"; };
};
policy_services = {
  demo = {
    target = "http://127.0.0.1:$BPORT/policy";
    value_field = "policy.result";
    default_action = "DEFER_IF_PERMIT Service temporarily unavailable";
  };
};
EOF
chmod 0644 "$HCONF"

out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$HCONF" -t 2>&1)
check "nobody can run the helper and read its config (-t)" $? "$out"

# ------------------------------------------------------------- the mode

if [ "$MODE" = tokend ]; then
	out=$(timeout 10 "$TOKEND" -c "$HCONF" -t 2>&1)
	check "tokend: pfxhttp-tokend -t accepts the configuration" $? "$out"
	# sanitizer reports from tokend go to $T/san too
	ASAN_OPTIONS="log_path=$T/san/tokend-asan:detect_leaks=1" \
	UBSAN_OPTIONS="log_path=$T/san/tokend-ubsan:print_stacktrace=1" \
	    tt_start_tokend "$HCONF" "$T/tokend.log"
	check "tokend: pfxhttp-tokend runs and listens on $TSOCK" $? "$(tail -5 "$T/tokend.log")"
	[ -n "$TOKEND_PID" ] || bail "tokend did not start"
	is "tokend: socket mode 0660, group nogroup (nobody reaches it)" \
	    "$(stat -c '%a %G' "$TSOCK")" "660 nogroup"
else
	# spawn also asks tokend when the response cache or OIDC is on
	! grep -Eq 'tokend|response_cache|backend_oidc_auth' "$HCONF"
	check "direct: the config has no server.tokend, response_cache or OIDC" $? \
	    "$(grep -En 'tokend|response_cache|backend_oidc_auth' "$HCONF")"
	tpids=$(pgrep -f "pfxhttp-tokend.* $HCONF" 2>/dev/null)
	[ -z "$tpids" ]
	check "direct: no pfxhttp-tokend runs with this config" $? "pids: $tpids"
fi

# Lookups the test makes, by tokend entry; tokend mode compares them with
# tokend's own counters at the end.
declare -A MADE=([socket_maps.demo]=0 [tcp_tables.demo]=0 [policy_services.demo]=0)

# ------------------------------------------------------------ Postfix

# intercept_tls_get_addr=0: under spawn(8), gcc 12's LeakSanitizer
# records a bogus dynamic TLS range for pfxhttp-direct.so's libraries and
# its tracer crashes at exit ("DTLS ... at 0x108"); leaks are still checked
SAN_ENV="ASAN_OPTIONS=log_path=$T/san/asan:detect_leaks=1:intercept_tls_get_addr=0"
SAN_ENV="$SAN_ENV UBSAN_OPTIONS=log_path=$T/san/ubsan:print_stacktrace=1"

PF_IMPORT_EXTRA=$SAN_ENV PF_EXPORT_EXTRA="ASAN_OPTIONS UBSAN_OPTIONS" \
    pf_write_main_cf e2e <<EOF

sockmap_time_limit = 3600s
policy_time_limit = 3600s
127.0.0.1:${TCP_PORT}_time_limit = 3600s

# Postfix's own fallback when the policy helper fails; it must never be
# what the client sees, because the helper answers every request itself.
smtpd_policy_service_timeout = 5s
smtpd_policy_service_default_action = 451 4.3.5 e2e Postfix policy default_action
smtpd_relay_restrictions = permit_mynetworks, reject
# In order: the HTTP policy, the HTTP access map, then a canary that
# rejects sm-ok@ if the access map's OK did not end the evaluation.
smtpd_recipient_restrictions =
    check_policy_service unix:private/policy,
    check_recipient_access socketmap:unix:private/sockmap:access,
    check_recipient_access inline:{ { sm-ok@example.com = 550 5.7.1 e2e canary: socketmap OK was not applied } },
    permit_mynetworks,
    reject
EOF

{
	pf_spawn_unix sockmap socketmap
	pf_spawn_unix policy policy demo
	pf_spawn_inet "127.0.0.1:$TCP_PORT" tcp demo
} | pf_write_master_cf "$SMTP_PORT"

pf_start
st=$?
check "private Postfix starts (postfix -c DIR start)" $st "$(cat "$T/postfix-start.log")"
[ "$st" -eq 0 ] || bail "Postfix did not start"

pf_wait_private sockmap &&
pf_wait_private policy &&
wait_for_named "tcp_table port $TCP_PORT" 100 port_open "$TCP_PORT" &&
wait_for_named "smtpd port $SMTP_PORT" 100 port_open "$SMTP_PORT"
check "spawn and smtpd services are listening" $?
SOCKMAP="socketmap:unix:$SPOOL/private/sockmap"
TCPMAP="tcp:127.0.0.1:$TCP_PORT"

# made_lookup TABLE [N] : N (1) lookups were made on TABLE
made_lookup() {
	local e
	case $1 in
	"$SOCKMAP:demo") e=socket_maps.demo ;;
	"$TCPMAP") e=tcp_tables.demo ;;
	policy) e=policy_services.demo ;;
	*) return 0 ;;
	esac
	MADE[$e]=$((MADE[$e] + ${2:-1}))
}

# q TABLE KEY... : postmap -q; sets rc, and fills $OUT/q.out, $OUT/q.err
q() {
	local table=$1
	shift
	if past_deadline; then
		rc=125
		echo "not run: the test's deadline has passed" >"$OUT/q.err"
		: >"$OUT/q.out"
	else
		timeout 15 postmap -c "$CONF_DIR" -q "$@" "$table" \
		    >"$OUT/q.out" 2>"$OUT/q.err"
		rc=$?
		made_lookup "$table"
	fi
	qout=$(cat "$OUT/q.out")
	qerr=$(cat "$OUT/q.err")
}

# q_found NAME TABLE KEY WANT : found, with exactly that value
q_found() {
	q "$2" "$3"
	[ "$rc" -eq 0 ] && [ "$qout" = "$4" ] && [ -z "$qerr" ]
	check "$1" $? "key: $3" "want: rc=0 '$4'" "got:  rc=$rc '$qout'" "stderr: $qerr"
}

# q_notfound NAME TABLE KEY : exit 1, no output, no error message
q_notfound() {
	q "$2" "$3"
	[ "$rc" -eq 1 ] && [ -z "$qout" ] && [ -z "$qerr" ]
	check "$1" $? "key: $3" "want: rc=1, no output" "got:  rc=$rc '$qout'" "stderr: $qerr"
}

# q_error NAME TABLE KEY REGEX : a lookup error (not "not found") whose
# message on stderr matches REGEX
q_error() {
	q "$2" "$3"
	[ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && [ -z "$qout" ] &&
	    grep -Eq "$4" <<<"$qerr" && grep -q 'query error' <<<"$qerr"
	check "$1" $? "key: $3" "want: rc!=0, stderr ~ /$4/ and 'query error'" \
	    "got:  rc=$rc '$qout'" "stderr: $qerr"
}

# ----------------------------------------------- 1. socketmap via postmap

q_found "socketmap: found key prints the backend's value" \
    "$SOCKMAP:demo" alice@example.com "found:alice@example.com"
q_notfound "socketmap: unknown key is not found (exit 1, silent)" \
    "$SOCKMAP:demo" alice@elsewhere.org
q_notfound "socketmap: backend 404 is not found" \
    "$SOCKMAP:demo" missing@example.com
q_error "socketmap: backend 503 is a temporary error" \
    "$SOCKMAP:demo" temp@example.com 'socketmap server temporary error'
q_error "socketmap: backend 403 is a permanent error" \
    "$SOCKMAP:demo" perm@example.com 'socketmap server permanent error'
q_error "socketmap: unparseable body is a temporary error" \
    "$SOCKMAP:demo" garbage@example.com 'socketmap server temporary error'
q_error "socketmap: slow backend is a timeout error" \
    "$SOCKMAP:demo" slow@example.com 'socketmap server timeout error'
q_found "socketmap: key with spaces" \
    "$SOCKMAP:demo" 'a b@example.com' "found:a b@example.com"
q_found "socketmap: key with %, tab and UTF-8" \
    "$SOCKMAP:demo" "$(printf '50%%\tcaf\xc3\xa9@example.com')" \
    "$(printf 'found:50%%\tcaf\xc3\xa9@example.com')"
q_found "socketmap: numeric JSON value" "$SOCKMAP:demo" num@example.com 42

# ------------------------------------- 2. several lookups on one connection

before=$(backend_count /map)
printf 'alice@example.com\nnobody@elsewhere.org\nbob@example.com\n' |
    timeout 15 postmap -c "$CONF_DIR" -q - "$SOCKMAP:demo" >"$OUT/multi.out" 2>"$OUT/multi.err"
rc=$?
made_lookup "$SOCKMAP:demo" 3
after=$(backend_count /map)
want=$(printf 'alice@example.com\tfound:alice@example.com\nbob@example.com\tfound:bob@example.com')
got=$(cat "$OUT/multi.out")
[ "$rc" -eq 0 ] && [ "$got" = "$want" ] && [ ! -s "$OUT/multi.err" ]
check "socketmap: three lookups with postmap -q - give three answers" $? \
    "rc=$rc" "want: $want" "got:  $got" "stderr: $(cat "$OUT/multi.err")"
# the same in both modes: no response cache, so tokend calls the backend
# for each lookup as spawn would
[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -eq 3 ]
check "socketmap: three lookups made three backend requests" $? \
    "/map requests before=$before after=$after"

# ------------------------------------------------ 3. tcp_table via postmap

q_found "tcp_table: list value is joined" "$TCPMAP" list@example.com "a@x,b@x"
q_found "tcp_table: found key" "$TCPMAP" bob@example.com "found:bob@example.com"
q_notfound "tcp_table: unknown key is not found" "$TCPMAP" bob@elsewhere.org
q_found "tcp_table: key needing %XX (space, %, UTF-8) round-trips" \
    "$TCPMAP" "$(printf 'a b%%c\xc3\xa9@example.com')" \
    "$(printf 'found:a b%%c\xc3\xa9@example.com')"
q_error "tcp_table: backend 503 is a lookup error, not 'not found'" \
    "$TCPMAP" temp@example.com '.'

# ----------------------------------------------------- SMTP RCPT helpers

# rcpt NAME RCPT CODE-REGEX TEXT-REGEX [NOT-REGEX]
rcpt() {
	local name=$1 to=$2 code_re=$3 text_re=$4 not_re=${5:-}
	local reply code
	if past_deadline; then
		reply=
		rc=125
		echo "not run: the test's deadline has passed" >"$OUT/smtp.err"
	else
		reply=$(timeout 25 python3 "$SMTP_RCPT" "$SMTP_PORT" "$to" 2>"$OUT/smtp.err")
		rc=$?
		# smtpd asks the policy service once per RCPT (it comes first)
		made_lookup policy
	fi
	code=${reply%% *}
	[ "$rc" -eq 0 ] && [[ $code =~ ^($code_re)$ ]] &&
	    grep -Eq -- "$text_re" <<<"$reply" &&
	    { [ -z "$not_re" ] || ! grep -Eq -- "$not_re" <<<"$reply"; }
	check "$name" $? "RCPT TO:<$to>" "want: code ~ /$code_re/, text ~ /$text_re/${not_re:+, not /$not_re/}" \
	    "got:  rc=$rc '$reply'" "stderr: $(cat "$OUT/smtp.err")"
}

# ------------------------------------------------------ 4. policy via smtpd

before=$(backend_count /policy)
rcpt "policy: REJECT from the backend gives 5xx with its text" \
    policy-reject@example.com '5[0-9][0-9]' 'rejected by the HTTP policy'
rcpt "policy: DUNNO lets a normal recipient through (250)" \
    alice@example.com 250 '.'
after=$(backend_count /policy)
[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -ge 2 ]
check "policy: smtpd asked the HTTP backend" $? "/policy requests before=$before after=$after"
# The default policy payload is every attribute smtpd sent, as JSON.
timeout 10 python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
req = json.loads(s["last_body"])
want = {"request": "smtpd_access_policy", "protocol_state": "RCPT",
        "recipient": "alice@example.com", "sender": "sender@example.org",
        "client_address": "127.0.0.1", "helo_name": "client.example",
        "server_port": sys.argv[2]}
bad = {k: req.get(k) for k in want if req.get(k) != want[k]}
if bad:
    sys.exit("unexpected attributes: %r in %r" % (bad, req))' "$BPORT" "$SMTP_PORT" >"$OUT/attrs.err" 2>&1
check "policy: the backend got smtpd's attributes as JSON" $? "$(cat "$OUT/attrs.err")"
# Each request carries its id (X-Request-ID; smtpd sends no queue_id
# before the queue file exists, so it is 16 hex digits)
rid=$(timeout 10 python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
print(s["request_ids"][-1])' "$BPORT" 2>&1)
[[ $rid =~ ^([0-9A-Za-z]{1,32}\.)?[0-9a-f]{16}$ ]]
check "policy: smtpd's request reached the backend with a request id" $? "X-Request-ID: '$rid'"
pids=$(helper_pids)
users=$(for p in $pids; do ps -o user= -p "$p"; done | sort -u)
[ -n "$pids" ] && [ "$users" = nobody ]
check "helpers run as nobody" $? "pids: $pids" "users: $users"
# Every helper alive now (smtpd's policy and access connections) has made
# lookups.  pfxhttp-direct.so is loaded by the first lookup spawn makes
# itself: in direct mode by all of them, through tokend by none (loading
# it there would mean spawn fell back to the direct call).
plist=$(tr '\n' ' ' <<<"$pids")
direct_maps=$(for p in $pids; do
	grep -q 'pfxhttp-direct' "/proc/$p/maps" 2>/dev/null && echo "$p"
done | tr '\n' ' ')
if [ "$MODE" = tokend ]; then
	[ -n "$pids" ] && [ -z "$direct_maps" ]
	check "tokend: no helper loaded pfxhttp-direct.so (none fell back)" $? \
	    "helpers: $plist" "with pfxhttp-direct.so mapped: $direct_maps"
else
	[ -n "$pids" ] && [ "$direct_maps" = "$plist" ]
	check "direct: every helper loaded pfxhttp-direct.so" $? \
	    "helpers: $plist" "with pfxhttp-direct.so mapped: $direct_maps"
fi
rcpt "policy: DEFER_IF_PERMIT from the backend gives 450" \
    policy-defer@example.com 450 'try later'
rcpt "policy: backend 503 gives the helper's default_action (450)" \
    temp@example.com '45[01]' 'Service temporarily unavailable' 'Postfix policy default_action'
rcpt "policy: backend 403 gives the helper's default_action" \
    perm@example.com '45[01]' 'Service temporarily unavailable' 'Postfix policy default_action'
rcpt "policy: CR/LF injected in the action is refused (default_action)" \
    inject@example.com '45[01]' 'Service temporarily unavailable' '(^250 )|Postfix policy default_action'

# --------------------------------------------- 5. socketmap access in smtpd

rcpt "access socketmap: REJECT value rejects the recipient" \
    sm-reject@example.com '5[0-9][0-9]' 'rejected by the HTTP socketmap'
rcpt "access socketmap: OK value accepts (the canary is not reached)" \
    sm-ok@example.com 250 '.' 'canary'
keys=$(access_keys)
grep -qx 'sm-reject@example.com' <<<"$keys" && grep -qx 'sm-ok@example.com' <<<"$keys"
check "access socketmap: smtpd asked the access backend" $? "keys: $keys"

# tcount_sum ENTRY... COUNTER : a per-entry tokend counter, summed
tcount_sum() {
	local c=${!#} e v sum=0 out
	out=$(timeout 10 "$TOKEND" -c "$HCONF" -s 2>/dev/null)
	for e in "${@:1:$#-1}"; do
		v=$(awk -v e="$e" -v k="$c" '$1 == e && $2 ~ "^" k "$" { s += $3 } END { print s + 0 }' <<<"$out")
		sum=$((sum + v))
	done
	echo "$sum"
}
backend_total() {
	timeout 10 python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1], timeout=5))
print(s["requests"])' "$1"
}

if [ "$MODE" = tokend ]; then
	# before the backend goes down: every request it saw was tokend's
	calls=$(tcount_sum socket_maps.demo tcp_tables.demo policy_services.demo backend_calls)
	seen=$(backend_total "$BPORT")
	[ "$seen" -gt 0 ] 2>/dev/null && [ "$calls" = "$seen" ]
	check "tokend: backend_calls of the demo entries = the backend's requests ($seen)" $? \
	    "tokend backend_calls (socketmap + tcp_table + policy): $calls" "backend requests: $seen"
fi

# -------------------------------------------------------- 6. backend down

kill "$BACKEND_PID" 2>/dev/null
wait "$BACKEND_PID" 2>/dev/null
BACKEND_PID=
! port_open "$BPORT"
check "backend is down" $?
q_error "backend down: socketmap lookup is a temporary error, not 'not found'" \
    "$SOCKMAP:demo" alice@example.com 'socketmap server temporary error'
q_error "backend down: tcp_table lookup is an error, not 'not found'" \
    "$TCPMAP" alice@example.com '.'
rcpt "backend down: policy gives the helper's default_action" \
    alice@example.com '45[01]' 'Service temporarily unavailable' 'Postfix policy default_action'

# ------------------------------------------------------- Postfix's view

pf_stop
pf_spawn_warnings "$OUT/spawn.warn"
check "no helper exited abnormally (spawn's log)" $? "$(cat "$OUT/spawn.warn")"
# (postmap's "socketmap server ... error" warnings are expected above)
grep -Ei 'warning: .*(malformed|unexpected disconnect|missing attribute|protocol error|input format error|problem talking|timed out|timeout|read .* error)' "$MAILLOG" |
    grep -v 'socketmap server [a-z]* error' >"$OUT/proto.warn"
[ ! -s "$OUT/proto.warn" ]
check "no protocol warnings in Postfix's log" $? "$(cat "$OUT/proto.warn")"
[ -z "$(helper_pids)" ]
check "every helper exited after Postfix stopped" $? "still running: $(helper_pids | tr '\n' ' ')"

# ------------------------------------------------------- tokend's view

if [ "$MODE" = tokend ]; then
	# Postfix is stopped: no lookup is under way.  Each entry counted one
	# request (requests_found/notfound/temp/timeout/perm) per lookup made.
	for e in socket_maps.demo tcp_tables.demo policy_services.demo; do
		is "tokend: $e counted every lookup (${MADE[$e]})" \
		    "$(tcount_sum "$e" 'requests_[a-z]+')" "${MADE[$e]}"
	done
	# smtpd's access lookups (address, domain, ...) are Postfix's to
	# choose: the access backend's own count is the reference
	seen=$(backend_total "$APORT")
	is "tokend: socket_maps.access counted every access lookup ($seen)" \
	    "$(tcount_sum socket_maps.access 'requests_[a-z]+')" "$seen"
	is "tokend: socket_maps.access backend_calls = the access backend's requests" \
	    "$(tcount_sum socket_maps.access backend_calls)" "$seen"
	tt_stop_tokend
	is "tokend: exits 0 on SIGTERM" "$?" 0
	! grep -Ei 'fatal|crit|sanitizer' "$T/tokend.log" >"$OUT/tokend.bad"
	check "tokend: no fatal errors in its log" $? "$(cat "$OUT/tokend.bad")"
fi

sans=$(ls "$T/san")
who="the helpers"
[ "$MODE" = tokend ] && who="the helpers or tokend"
[ -z "$sans" ]
check "no sanitizer reports from $who" $? "$sans"

tap_done
