# common.sh -- shared helpers for the tokend test scripts (bash; source it).
#
#   . "$(dirname "$0")/common.sh"
#   tt_init NAME              # temp dir $T, TAP counters, EXIT trap
#   tt_start_tokend CONF      # pfxhttp-tokend -f on a pty (log: $T/tokend.log)
#   sm CONF MAP KEY           # one socketmap lookup through pfxhttp-spawn
#   ...
#   tt_done                   # prints the plan, exits 0/1
#
# The TAP functions (ok, is, like, num_cmp, check, skip_all, bail, ...),
# wait_for, timed and the other generic helpers come from test/lib/tap.sh,
# which this file sources.
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

. "$SRCDIR/test/lib/tap.sh"

TT_PIDS=()
TOKEND_PID=
TOKEND_WRAP=

tt_track() { TT_PIDS+=("$1"); }

# tt_need CMD... : skip the whole script when a command is missing
tt_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "$c not installed"
	done
}

tt_cleanup() {
	local p
	declare -F tt_local_cleanup >/dev/null && tt_local_cleanup
	tt_stop_tokend >/dev/null 2>&1
	declare -F oidc_fixture_stop >/dev/null && oidc_fixture_stop >/dev/null 2>&1
	for p in "${TT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${TT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$tap_failed" -ne 0 ]; then
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

tt_done() { tap_done; }

# start_backend NAME : backend.py on a free port; sets BPORT_<NAME>, BPID_<NAME>
start_backend() {
	local name=$1 st
	PFXHTTP_BACKEND=$BACKEND_PY run_backend_py "$T/backend-$name.port" "$T/backend-$name.log"
	st=$?
	tt_track "$BACKEND_PY_PID"
	[ "$st" -eq 0 ] || bail "backend.py did not start"
	printf -v "BPORT_$name" '%s' "$BACKEND_PY_PORT"
	printf -v "BPID_$name" '%s' "$BACKEND_PY_PID"
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
	python3 "$TT_HERE/ttylog.py" --pidfile "$T/tokend.pid" "$log" "$TOKEND" -f -c "$conf" &
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

# tcount CONF SECTION.NAME COUNTER : one per-entry counter from -s
# ("socket_maps.demo backend_calls 1"); empty when there is none
tcount() {
	timeout 10 "$TOKEND" -c "$1" -s 2>/dev/null |
	    awk -v e="$2" -v k="$3" '$1 == e && $2 == k { print $3 }'
}

# ------------------------------------------------------ process memory

# memhas PID STRING : 1 when STRING is in the process's readable memory
# (as root: /proc/PID/mem), for the "no secret is left" checks
memhas() {
	python3 - "$1" "$2" <<'EOF'
import re, sys
pid, needle, found = sys.argv[1], sys.argv[2].encode(), 0
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        if b - a > 1 << 28:
            continue        # ASan's shadow and reserved arenas
        try:
            mem.seek(a)
            if needle in mem.read(b - a):
                found = 1
        except OSError:
            pass
print(found)
EOF
}

# ------------------------------------------------------ spawn conversations

# sm CONF MAP KEY [RUNAS...] : socketmap lookup in a new pfxhttp-spawn;
# prints the reply payload ("OK found:..", "TEMP ...") or "EOF"
sm() {
	local conf=$1 map=$2 key=$3 out
	shift 3
	out=$(ns "$map $key" |
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

# ------------------------------------------------------------ OIDC fixture

# tt_start_oidc : test/oidc/fixture.sh in $T/oidc (skips the test when it
# is unavailable, stops it on exit); sets PKI and BE (the protected
# backend's URL) and defines idp PATH (GET from the IdP's test API),
# count WHAT (/test/count/WHAT) and bstat JQ-FILTER (the backend's /stats)
tt_start_oidc() {
	local rc
	. "$SRCDIR/test/oidc/fixture.sh"
	oidc_fixture_start "$T/oidc"
	rc=$?
	[ $rc -eq 77 ] && skip_all "OIDC fixture unavailable (node deps, openssl)"
	[ $rc -eq 0 ] || bail "OIDC fixture did not start"
	PKI=$OIDC_PKI
	BE=$OIDC_BACKEND_URL
}
idp() { curl -sS --max-time 10 --cacert "$PKI/ca.crt" "$OIDC_IDP_URL$1"; }
count() { idp "/test/count/$1" | tr -d '\n'; }
bstat() { curl -sS --max-time 5 "$BE/stats" | jq -r "$1"; }
