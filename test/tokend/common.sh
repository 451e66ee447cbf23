# common.sh -- shared helpers for the tokend test scripts (bash; source it).
#
#   . "$(dirname "$0")/common.sh"
#   tt_init NAME              # temp dir $T, TAP counters, EXIT trap
#   tt_start_tokend CONF      # pfxhttp-tokend -f on a pty (log: $T/tokend.log)
#   sm CONF MAP KEY           # one socketmap lookup through pfxhttp-spawn
#   ...
#   tt_done                   # prints the plan, exits 0/1
#
# Every process a test starts is remembered (tt_track PID) and killed by
# its pid on exit; nothing is killed by name.  Output is TAP.
#
# pfxhttp-tokend logs to syslog, and also to stderr when stderr is a
# terminal; there is no syslog in the test environment, so tokend runs on
# a pseudo-terminal (ttylog.py) that copies everything to $T/tokend.log.
#
# Environment (meson test_env): PFXHTTP_SPAWN, PFXHTTP_TOKEND,
# PFXHTTP_SRCDIR, PFXHTTP_BACKEND.  PFXHTTP_TT_KEEP=1 keeps $T.

set -u
export LC_ALL=C

TT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SPAWN=${PFXHTTP_SPAWN:-}
TOKEND=${PFXHTTP_TOKEND:-}
SRCDIR=${PFXHTTP_SRCDIR:-$(cd "$TT_HERE/../.." && pwd)}
BACKEND_PY=${PFXHTTP_BACKEND:-$SRCDIR/test/backend/backend.py}

n=0
failed=0
TT_PIDS=()
TOKEND_PID=
TOKEND_WRAP=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	local name=$1 line
	shift
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $name"
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}
# check NAME STATUS DIAG... : ok when STATUS is 0
check() {
	local name=$1 st=$2
	shift 2
	if [ "$st" -eq 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}
# is NAME GOT WANT [DIAG...]
is() {
	local name=$1 got=$2 want=$3
	shift 3
	if [ "$got" = "$want" ]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: '$want'" "$@"
	fi
}
# like NAME GOT ERE [DIAG...]
like() {
	local name=$1 got=$2 re=$3
	shift 3
	if [[ $got =~ $re ]]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: /$re/" "$@"
	fi
}
# num_cmp NAME GOT OP WANT [DIAG...] : integer comparison (-eq -ge -le ...)
num_cmp() {
	local name=$1 got=$2 op=$3 want=$4
	shift 4
	if [[ $got =~ ^[0-9]+$ ]] && [ "$got" "$op" "$want" ]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: $op $want" "$@"
	fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
bail() {
	failed=$((failed + 1))
	echo "Bail out! $1"
	exit 1
}

tt_track() { TT_PIDS+=("$1"); }

tt_cleanup() {
	local p
	declare -F tt_local_cleanup >/dev/null && tt_local_cleanup
	tt_stop_tokend >/dev/null 2>&1
	for p in "${TT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${TT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$failed" -ne 0 ]; then
		for f in "$T"/tokend*.log "$T"/backend*.log "$T"/oidc/*.log; do
			[ -s "$f" ] || continue
			echo "----- $f (tail) -----" >&2
			tail -n 40 "$f" >&2
		done
	fi
	if [ "${PFXHTTP_TT_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}

tt_init() {
	[ -x "$SPAWN" ] || { echo "Bail out! PFXHTTP_SPAWN is not executable: '$SPAWN'"; exit 1; }
	[ -x "$TOKEND" ] || { echo "Bail out! PFXHTTP_TOKEND is not executable: '$TOKEND'"; exit 1; }
	T=$(mktemp -d "/tmp/pfxhttp-$1.XXXXXX") || exit 1
	chmod 0755 "$T"
	trap tt_cleanup EXIT
	trap 'exit 1' INT TERM
}

tt_done() {
	echo "1..$n"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for TENTHS COMMAND... : poll until the command succeeds
wait_for() {
	local tries=$1
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -le 0 ] && return 1
		sleep 0.1
	done
}

# start_backend NAME : backend.py on a free port; sets BPORT_<NAME>, BPID_<NAME>
start_backend() {
	local name=$1 pid
	rm -f "$T/backend-$name.port"
	python3 "$BACKEND_PY" --port-file "$T/backend-$name.port" >"$T/backend-$name.log" 2>&1 &
	pid=$!
	tt_track "$pid"
	wait_for 100 test -s "$T/backend-$name.port" || bail "backend.py did not start"
	printf -v "BPORT_$name" '%s' "$(cat "$T/backend-$name.port")"
	printf -v "BPID_$name" '%s' "$pid"
}

# backend_stat PORT JQ-FILTER
backend_stat() {
	curl -sS --max-time 5 "http://127.0.0.1:$1/stats" | jq -r "$2"
}

# ----------------------------------------------------------------- tokend

# tt_start_tokend CONF [LOG] : start tokend -f; waits for its socket
tt_start_tokend() {
	local conf=$1 log=${2:-$T/tokend.log} sock
	sock=$(conf_socket "$conf")
	rm -f "$T/tokend.pid"
	python3 "$TT_HERE/ttylog.py" "$T/tokend.pid" "$log" "$TOKEND" -f -c "$conf" &
	TOKEND_WRAP=$!
	if ! wait_for 100 test -s "$T/tokend.pid"; then
		echo "# tokend did not start" >&2
		return 1
	fi
	TOKEND_PID=$(cat "$T/tokend.pid")
	if ! wait_for 100 test -S "$sock"; then
		echo "# tokend socket $sock did not appear" >&2
		cat "$log" >&2
		return 1
	fi
	return 0
}

# tt_stop_tokend : SIGTERM, wait; returns tokend's exit status
tt_stop_tokend() {
	local rc
	[ -n "$TOKEND_WRAP" ] || return 0
	[ -n "$TOKEND_PID" ] && kill -TERM "$TOKEND_PID" 2>/dev/null
	wait "$TOKEND_WRAP"
	rc=$?
	TOKEND_WRAP= TOKEND_PID=
	return $rc
}

# conf_socket CONF : the server.tokend.socket of a config we wrote
conf_socket() {
	sed -n 's/.*socket = "\([^"]*\)".*/\1/p' "$1" | head -1
}

# tstat CONF NAME : one counter from pfxhttp-tokend -s
tstat() {
	timeout 10 "$TOKEND" -c "$1" -s 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# ------------------------------------------------------ spawn conversations

# sm CONF MAP KEY [RUNAS...] : socketmap lookup in a new pfxhttp-spawn;
# prints the reply payload ("OK found:..", "TEMP ...") or "EOF"
sm() {
	local conf=$1 map=$2 key=$3 req out
	shift 3
	req="$map $key"
	out=$(printf '%d:%s,' "${#req}" "$req" |
	    timeout 30 "$@" "$SPAWN" -c "$conf" socketmap 2>/dev/null)
	if [[ $out =~ ^[0-9]+:(.*),$ ]]; then
		printf '%s\n' "${BASH_REMATCH[1]}"
	else
		echo "EOF${out:+ (raw: $out)}"
	fi
}

# tcp CONF NAME KEY : one tcp_table "get" in a new pfxhttp-spawn
tcp() {
	printf 'get %s\n' "$3" | timeout 30 "$SPAWN" -c "$1" tcp "$2" 2>/dev/null | head -1
}

# policy CONF NAME RECIPIENT [EXTRA-ATTR-LINES] : prints the action line
# (sender: $SENDER, default s@example.org)
policy() {
	{
		printf 'request=smtpd_access_policy\nprotocol_state=RCPT\n'
		printf 'protocol_name=ESMTP\nclient_address=192.0.2.1\n'
		printf 'sender=%s\nrecipient=%s\n' "${SENDER:-s@example.org}" "$3"
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		printf '\n'
	} | timeout 30 "$SPAWN" -c "$1" policy "$2" 2>/dev/null | head -1
}

# timed VAR COMMAND... : run, store its stdout in VAR and the ms in ELAPSED
timed() {
	local var=$1 t0 t1 out
	shift
	t0=$(now_ms)
	out=$("$@")
	t1=$(now_ms)
	ELAPSED=$((t1 - t0))
	printf -v "$var" '%s' "$out"
}
