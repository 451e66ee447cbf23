# tap.sh -- TAP output and small helpers shared by the shell tests (bash;
# source it, do not run it).
#
#   . "$PFXHTTP_SRCDIR/test/lib/tap.sh"
#
# TAP (tap_n counts the checks, tap_failed the failed ones):
#   ok NAME                       a passing check
#   not_ok NAME [DIAG...]         a failing one, DIAG lines as "#   ..."
#   check NAME STATUS [DIAG...]   ok when STATUS is 0
#   is NAME GOT WANT [DIAG...]    string equality
#   like NAME GOT ERE [DIAG...]   bash =~ match
#   num_cmp NAME GOT OP WANT [DIAG...]   integer test (-eq -ge -lt ...)
#   skip_all REASON               "1..0 # SKIP REASON", exit 0
#   bail REASON                   "Bail out! REASON", exit 1
#   tap_done                      prints the plan "1..N", exits 0 or 1
#
# Helpers:
#   now_ms                        wall clock in milliseconds
#   timed VAR COMMAND...          stdout into VAR, milliseconds into ELAPSED
#   timed_check is|like NAME WANT TIME-NAME MAX-MS COMMAND...
#                                 timed, then is/like on the output and
#                                 num_cmp ELAPSED -lt MAX-MS ("@ms" in
#                                 TIME-NAME becomes the measured time)
#   wait_for TENTHS COMMAND...    poll every 0.1 s until COMMAND succeeds
#   wait_for_named WHAT TENTHS COMMAND...   the same, says what timed out
#   port_open PORT                something accepts on 127.0.0.1:PORT
#   free_ports N                  N free loopback ports on one line
#   ns STRING                     STRING as a netstring (length in bytes)
#   run_backend_py PORTFILE LOG [ARGS...]
#                                 test/backend/backend.py in the background;
#                                 waits for its port file; sets
#                                 BACKEND_PY_PID and BACKEND_PY_PORT
#
# Environment: PFXHTTP_BACKEND (backend.py; set by meson's test_env;
# default: test/backend/backend.py next to this file).

TAP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() {
	local name=$1 line
	shift
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $name"
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}
check() {
	local name=$1 st=$2
	shift 2
	if [ "$st" -eq 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}
is() {
	local name=$1 got=$2 want=$3
	shift 3
	if [ "$got" = "$want" ]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: '$want'" "$@"
	fi
}
like() {
	local name=$1 got=$2 re=$3
	shift 3
	if [[ $got =~ $re ]]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: /$re/" "$@"
	fi
}
num_cmp() {
	local name=$1 got=$2 op=$3 want=$4
	shift 4
	if [[ $got =~ ^[0-9]+$ ]] && [ "$got" "$op" "$want" ]; then ok "$name"; else
		not_ok "$name" "got:  '$got'" "want: $op $want" "$@"
	fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
bail() {
	tap_failed=$((tap_failed + 1))
	echo "Bail out! $1"
	exit 1
}
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] && exit 0
	exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

timed() {
	local var=$1 t0 t1 out
	shift
	t0=$(now_ms)
	out=$("$@")
	t1=$(now_ms)
	ELAPSED=$((t1 - t0))
	printf -v "$var" '%s' "$out"
}

timed_check() {
	local how=$1 name=$2 want=$3 tname=$4 max=$5 got
	shift 5
	timed got "$@"
	"$how" "$name" "$got" "$want"
	num_cmp "${tname//@ms/$ELAPSED}" "$ELAPSED" -lt "$max"
}

wait_for() {
	local tries=$1
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -le 0 ] && return 1
		sleep 0.1
	done
}

wait_for_named() {
	local what=$1
	shift
	wait_for "$@" && return 0
	echo "# timed out waiting for $what" >&2
	return 1
}

port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])' "$1"
}

ns() {
	local LC_ALL=C
	printf '%d:%s,' "${#1}" "$1"
}

run_backend_py() {
	local portfile=$1 log=$2
	shift 2
	rm -f "$portfile"
	python3 "${PFXHTTP_BACKEND:-$TAP_LIB_DIR/../backend/backend.py}" --port-file "$portfile" "$@" >"$log" 2>&1 &
	BACKEND_PY_PID=$!
	BACKEND_PY_PORT=
	wait_for 100 test -s "$portfile" || return 1
	BACKEND_PY_PORT=$(cat "$portfile")
}
