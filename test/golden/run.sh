#!/bin/bash
#
# run.sh - golden conversations through pfxhttp-spawn, as TAP
#
# usage: run.sh [-u] [CASE...]       (default: every cases/*.args)
#
# Starts test/backend/backend.py on a free loopback port, then for each
# case NAME in cases/:
#
#	NAME.args	pfxhttp-spawn arguments after "-c NAME.conf" (required)
#	NAME.conf.in	configuration, @PORT@ and @SRCDIR@ (the source tree)
#			replaced (else default.conf.in)
#	NAME.in		bytes for stdin (else nothing)
#	NAME.ref	expected stdout, byte for byte (else empty)
#	NAME.err.ref	expected stderr (else not checked; -t writes there)
#	NAME.status	expected exit status (else 0)
#	NAME.stats	how many backend requests the case must cause
#	NAME.drip	feed stdin one byte at a time instead of in one write
#	NAME.sed	a sed script for stdout before it is compared (for
#			what changes per run: a pid, a random cookie); else
#			FAMILY.sed, for every FAMILY-* case (explain.sed)
#
# The program runs in a scratch directory with a relative -c path, so
# "FILE:LINE:" messages are the same on every machine.  -u rewrites the
# .ref and .err.ref files from the actual output (check the diff!).
#
# Environment: PFXHTTP_SPAWN, PFXHTTP_BACKEND (set by meson test).
# Exits 77 (skip) when python3 is missing.

set -u
here=$(cd "$(dirname "$0")" && pwd)
cases=$here/cases
spawn=${PFXHTTP_SPAWN:-$here/../../build/pfxhttp-spawn/pfxhttp-spawn}
backend=${PFXHTTP_BACKEND:-$here/../backend/backend.py}
srcdir=$(cd "${PFXHTTP_SRCDIR:-$here/../..}" && pwd)
update=0
. "${PFXHTTP_SRCDIR:-$here/../..}/test/lib/tap.sh"	# ok, not_ok, run_backend_py
if [ "${1:-}" = "-u" ]; then
	update=1
	shift
fi

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 is needed for the sample backend"
	exit 77
fi
if [ ! -x "$spawn" ]; then
	echo "Bail out! pfxhttp-spawn not found at $spawn"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfxhttp-golden.XXXXXX") || exit 1
bpid=
cleanup() {
	if [ -n "$bpid" ]; then
		kill "$bpid" 2>/dev/null
		wait "$bpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

PFXHTTP_BACKEND=$backend run_backend_py "$tmp/port" "$tmp/backend.log"
st=$?
bpid=$BACKEND_PY_PID
if [ "$st" -ne 0 ]; then
	echo "Bail out! the sample backend did not start"
	sed 's/^/# /' "$tmp/backend.log"
	exit 1
fi
port=$BACKEND_PY_PORT

# requests - how many requests the backend has seen
requests() {
	python3 -c 'import json, sys, urllib.request
u = "http://127.0.0.1:%s/stats" % sys.argv[1]
print(json.load(urllib.request.urlopen(u, timeout=10))["requests"])' "$port"
}

# drip - copy stdin to stdout one byte at a time
drip() {
	python3 -c 'import os, sys, time
data = sys.stdin.buffer.read()
for i in range(len(data)):
    os.write(1, data[i:i + 1])
    time.sleep(0.002)'
}

# show - a file as TAP diagnostics, bytes made visible
show() {
	echo "#   $1:"
	cat -A "$2" | head -40 | sed 's/^/#     /'
}

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in "$cases"/*.args; do
		n=${f##*/}
		names+=("${n%.args}")
	done
fi

echo "1..${#names[@]}"
for name in "${names[@]}"; do
	c=$cases/$name
	why=
	conf_in=$c.conf.in
	[ -f "$conf_in" ] || conf_in=$cases/default.conf.in
	sed -e "s/@PORT@/$port/g" -e "s|@SRCDIR@|$srcdir|g" "$conf_in" >"$tmp/$name.conf"
	read -r -a args <"$c.args"
	input=$c.in
	[ -f "$input" ] || input=/dev/null
	before=$(requests)
	if [ -f "$c.drip" ]; then
		drip <"$input" | (cd "$tmp" && exec timeout 60 "$spawn" \
		    -c "$name.conf" "${args[@]}" >"$name.out" 2>"$name.err")
		status=${PIPESTATUS[1]}
	else
		(cd "$tmp" && exec timeout 60 "$spawn" -c "$name.conf" \
		    "${args[@]}" <"$input" >"$name.out" 2>"$name.err")
		status=$?
	fi
	sedf=
	if [ -f "$c.sed" ]; then
		sedf=$c.sed
	elif [ "$name" != "${name%%-*}" ] && [ -f "$cases/${name%%-*}.sed" ]; then
		sedf=$cases/${name%%-*}.sed
	fi
	if [ -n "$sedf" ]; then
		sed -f "$sedf" "$tmp/$name.out" >"$tmp/$name.out.sed" &&
			mv "$tmp/$name.out.sed" "$tmp/$name.out"
	fi
	# a request the helper gave up on (a timeout) may reach the backend
	# after it exited: read the count until it holds still for 0.1 s
	# (up to 4 s)
	sleep 0.1
	after=$(requests)
	for _ in $(seq 40); do
		sleep 0.1
		n=$(requests)
		[ "$n" = "$after" ] && break
		after=$n
	done

	ref=$c.ref
	[ -f "$ref" ] || ref=/dev/null
	if [ $update = 1 ]; then
		if [ -s "$tmp/$name.out" ] || [ -f "$c.ref" ]; then
			cp "$tmp/$name.out" "$c.ref"
		fi
		if [ -s "$tmp/$name.err" ] || [ -f "$c.err.ref" ]; then
			cp "$tmp/$name.err" "$c.err.ref"
		fi
		ref=$c.ref
		[ -f "$ref" ] || ref=/dev/null
	fi
	want_status=0
	[ -f "$c.status" ] && want_status=$(cat "$c.status")
	if ! cmp -s "$ref" "$tmp/$name.out"; then
		why="stdout differs"
	elif [ -f "$c.err.ref" ] && ! cmp -s "$c.err.ref" "$tmp/$name.err"; then
		why="stderr differs"
	elif [ "$status" != "$want_status" ]; then
		why="exit status $status, want $want_status"
	elif [ -f "$c.stats" ] && [ $((after - before)) != "$(cat "$c.stats")" ]; then
		why="$((after - before)) backend requests, want $(cat "$c.stats")"
	fi
	if [ -z "$why" ]; then
		ok "$name"
	else
		not_ok "$name: $why"
		case $why in
		stdout*)
			show want "$ref"
			show got "$tmp/$name.out"
			;;
		stderr*)
			show want "$c.err.ref"
			show got "$tmp/$name.err"
			;;
		esac
	fi
done
[ "$tap_failed" -eq 0 ]
