#!/bin/bash
#
# checks.sh - local programs as backends (command, command_mode) in both
# modes, in the direct path (pfxhttp-spawn alone) and through
# pfxhttp-tokend, with test/checks/prog.py as the program: found, not
# found, the error field, partial lines, a program that exits after each
# answer, one that writes two lines, one that floods stdout, crashes,
# timeouts (the coprocess killed and replaced; the exec process killed
# with its process group), programs that never start, the clean
# environment, stderr kept from Postfix and capped in the log; in tokend
# the cache, single flight and the pool bound (max_processes).  TAP.

. "$(dirname "$0")/../tokend/common.sh"
tt_init checks
tt_need python3

P=$T/prog.py
install -m 0755 "$SRCDIR/test/checks/prog.py" "$P"
install -m 0644 "$SRCDIR/test/checks/prog.py" "$T/noexec.py"
install -m 0755 "$SRCDIR/test/checks/login.sh" "$T/login.sh"
S=$T/state
mkdir -p "$S/p" "$S/x" "$S/cached" "$S/flight" "$S/pool"
SOCK=$T/tokend.sock

# write_conf FILE [tokend]
write_conf() {
	{
		if [ "${2:-}" = tokend ]; then
			cat <<EOF
server = {
  tokend = { socket = "$SOCK"; };
  response_cache = { enabled = true; ttl = "60s"; serve_fresh = true; };
};
EOF
		fi
		cat <<EOF
socket_maps = {
  defaults = { cache = false; timeout = "1s"; };
  p = { command = [ "$P", "persistent", "$S/p" ]; environment = [ "FOO=bar" ]; };
  j = { command = [ "$P", "json" ]; value_field = "value"; error_field = "error"; };
  x = { command = [ "$P", "exec", "$S/x" ]; command_mode = "exec"; };
  missing = { command = [ "$T/nonexistent", "persistent" ]; };
  noexec = { command = [ "$T/noexec.py", "persistent" ]; };
  xmissing = { command = [ "$T/nonexistent" ]; command_mode = "exec"; };
  cached = { command = [ "$P", "persistent", "$S/cached" ]; cache = true; };
  flight = { command = [ "$P", "persistent", "$S/flight" ]; timeout = "5s"; };
  pool = { command = [ "$P", "persistent", "$S/pool" ]; max_processes = 2;
    timeout = "20s"; };
};
dovecot_sasl = {
  smtp = { command = [ "$T/login.sh" ]; command_mode = "exec"; };
};
EOF
	} >"$1"
}

# q CONF "MAP KEY"... : one spawn connection, one reply a line
q() {
	local conf=$1
	shift
	for r in "$@"; do ns "$r"; done | timeout 60 "$SPAWN" -c "$conf" socketmap 2>"$T/spawn.err" |
	    python3 -c 'import sys
d = sys.stdin.buffer.read()
while d:
    n, _, d = d.partition(b":")
    n = int(n)
    print(d[:n].decode("utf-8", "replace"))
    d = d[n + 1:]'
}

# alive PID : running (a zombie waiting for init to reap it is not)
# login CONF USER PASSWORD : one AUTH PLAIN through spawn sasl smtp
login() {
	local resp
	resp=$(printf '\0%s\0%s' "$2" "$3" | base64 -w0)
	printf 'VERSION\t1\t2\nCPID\t1\nAUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.1\tresp=%s\n' \
	    "$resp" | timeout 30 "$SPAWN" -c "$1" sasl smtp 2>/dev/null | tail -1
}

alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
dead() { ! alive "$1"; }

# cases MODE CONF : the same expectations, direct or through tokend
cases() {
	local m=$1 conf=$2 out a b g t0 t1
	is "$m: persistent, found" "$(q "$conf" "p k1")" "OK value-k1"
	is "$m: persistent, an empty line is not found" "$(q "$conf" "p nf")" "NOTFOUND "
	is "$m: JSON reply, value_field" "$(q "$conf" "j k1")" "OK value-k1"
	is "$m: JSON reply, error_field is a temporary error" "$(q "$conf" "j err")" \
	    "TEMP backend reported an error: boom"
	is "$m: JSON reply, a null value is not found" "$(q "$conf" "j nf")" "NOTFOUND "
	is "$m: a reply in pieces is read to its newline" "$(q "$conf" "p partial")" \
	    "OK value-partial"
	is "$m: clean environment plus the entry's" "$(q "$conf" "p env")" \
	    "OK FOO=bar NAME=p HOME=unset"
	is "$m: a program that exits after each answer" \
	    "$(q "$conf" "p once" "p k2" "p once" "p k3" | tr '\n' '|')" \
	    "OK value-once|OK value-k2|OK value-once|OK value-k3|"
	is "$m: two lines for one request: the first, then a new process" \
	    "$(q "$conf" "p two" "p k3" | tr '\n' '|')" "OK a|OK value-k3|"
	is "$m: stdout flood: temporary, then a new process answers" \
	    "$(q "$conf" "p flood" "p k4" | tr '\n' '|')" \
	    "TEMP reply line longer than 64 KiB|OK value-k4|"
	is "$m: a crash is a temporary error" "$(q "$conf" "p crash")" \
	    "TEMP exited without a reply"
	out=$(q "$conf" "p pid" "p slow" "p pid" | tr '\n' '|')
	a=$(echo "$out" | cut -d'|' -f1 | sed 's/^OK //')
	b=$(echo "$out" | cut -d'|' -f3 | sed 's/^OK //')
	like "$m: a coprocess that misses the timeout: TIMEOUT" "$out" \
	    '^OK [0-9]+\|TIMEOUT no reply in time; killed\|OK [0-9]+\|$'
	check "$m: ... it is killed (pid $a) and replaced (pid $b)" \
	    "$([ "$a" != "$b" ] && ! alive "$a"; echo $?)"
	is "$m: exec, exit 0 and stdout" "$(q "$conf" "x k1")" "OK value-k1"
	is "$m: exec, exit 1 is not found" "$(q "$conf" "x nf")" "NOTFOUND "
	is "$m: exec, exit 75 is temporary" "$(q "$conf" "x temp")" \
	    "TEMP check failed temporarily (exit 75)"
	is "$m: exec, exit 2 is temporary" "$(q "$conf" "x err")" \
	    "TEMP check failed (exit status 2)"
	is "$m: exec, the environment" "$(q "$conf" "x env")" \
	    "OK FOO=- NAME=x HOME=unset"
	rm -f "$S/x/grandchild"
	t0=$(now_ms)
	is "$m: exec, a timeout" "$(q "$conf" "x slow")" "TIMEOUT no answer in time; killed"
	t1=$(now_ms)
	num_cmp "$m: ... at the entry's timeout (1s), not later" $((t1 - t0)) -lt 3000
	g=$(cat "$S/x/grandchild" 2>/dev/null)
	check "$m: ... its process group is gone, grandchild ${g:-?} too" \
	    "$([ -n "$g" ] && wait_for 20 dead "$g"; echo $?)"
	is "$m: a missing program: temporary" "$(q "$conf" "missing k")" \
	    "TEMP cannot run it: No such file or directory"
	is "$m: a program that is not executable: temporary" "$(q "$conf" "noexec k")" \
	    "TEMP cannot run it: Permission denied"
	is "$m: exec, a missing program: temporary" "$(q "$conf" "xmissing k")" \
	    "TEMP cannot run it: No such file or directory"
	is "$m: dovecot_sasl exec check in sh: a good login" \
	    "$(login "$conf" alice secret)" "$(printf 'OK\t1\tuser=alice')"
	is "$m: ... a bad password fails" "$(login "$conf" alice wrong)" \
	    "$(printf 'FAIL\t1\tuser=alice')"
	is "$m: stderr noise: the answer" "$(q "$conf" "p stderr")" "OK value-stderr"
	is "$m: ... and nothing on spawn's stderr (the Postfix socket)" \
	    "$(cat "$T/spawn.err")" ""
}

# -------------------------------------------------------------- the config
write_conf "$T/direct.conf"
out=$("$SPAWN" -c "$T/direct.conf" -t 2>&1)
check "a configuration with checks is accepted" "$?" "$out"
like "... with a warning for the missing program" "$out" \
    "socket_maps.missing: $T/nonexistent cannot be run: No such file"
like "... and for the one that is not executable" "$out" \
    "socket_maps.noexec: $T/noexec.py cannot be run: not an executable file"

# ------------------------------------------------------------------ direct
cases direct "$T/direct.conf"

# ------------------------------------------------------------------ tokend
write_conf "$T/tokend.conf" tokend
tt_start_tokend "$T/tokend.conf" || bail "tokend did not start"
cases tokend "$T/tokend.conf"

n=$(grep -c 'check stderr: noise' "$T/tokend.log")
num_cmp "tokend: stderr lines reach the log" "$n" -ge 1
num_cmp "... at most 20 a minute per process" "$n" -le 20
check "... control bytes made safe" "$(grep 'check stderr: noise' "$T/tokend.log" |
    LC_ALL=C grep -c $'\x1b' | grep -qx 0; echo $?)"

: >"$S/cached/requests"
is "tokend: cached entry, first lookup" "$(q "$T/tokend.conf" "cached k9")" "OK value-k9"
is "tokend: ... second lookup" "$(q "$T/tokend.conf" "cached k9")" "OK value-k9"
is "tokend: ... the program was asked once (the cache answered)" \
    "$(grep -c '^k9$' "$S/cached/requests")" 1

: >"$S/flight/requests"
qp=()
for i in 1 2 3 4 5 6 7 8; do
	q "$T/tokend.conf" "flight nap" >"$T/flight.$i" &
	qp+=($!)
done
wait "${qp[@]}"
is "tokend: 8 concurrent lookups of one key all answered" \
    "$(cat "$T"/flight.? | sort | uniq -c | sed 's/^ *//')" "8 OK value-nap"
num_cmp "tokend: ... sharing one check call (single flight)" \
    "$(grep -c '^nap$' "$S/flight/requests")" -le 2

# the pool bound: 20 connections, 300ms each, at most 2 processes
: >"$S/pool/started"
qp=()
for i in $(seq 1 20); do
	q "$T/tokend.conf" "pool nap$i" >"$T/pool.$i" &
	qp+=($!)
done
peak=0
for k in $(seq 1 30); do
	c=$(pgrep -f -P "$TOKEND_PID" "prog.py persistent $S/pool" | wc -l)
	[ "$c" -gt "$peak" ] && peak=$c
	sleep 0.1
done
wait "${qp[@]}"
okn=$(cat "$T"/pool.* | grep -c '^OK value-nap')
is "tokend: 20 concurrent connections to a pool of 2: all answered" "$okn" 20
num_cmp "tokend: ... by at most max_processes (2) processes at once" "$peak" -le 2
num_cmp "tokend: ... (seen running: $peak)" "$peak" -ge 1
num_cmp "tokend: ... started at most twice" "$(wc -l <"$S/pool/started")" -le 2

# a reload answers what is under way and ends the old processes
q "$T/tokend.conf" "pool slow" >"$T/reload.out" &
qp=$!
sleep 0.5
old=$(pgrep -f -P "$TOKEND_PID" "prog.py persistent $S/pool" | tr '\n' ' ')
kill -HUP "$TOKEND_PID"
wait "$qp"
is "tokend: SIGHUP answers a check under way" "$(cat "$T/reload.out")" \
    "TEMP configuration reloaded"
gone=0
for p in $old; do wait_for 20 dead "$p" && gone=$((gone + 1)); done
check "tokend: ... and ends the old processes (${old:-none seen})" \
    "$([ -n "$old" ] && [ "$gone" -eq "$(echo $old | wc -w)" ]; echo $?)"
is "tokend: ... the reloaded entry starts a new one" "$(q "$T/tokend.conf" "pool k5")" \
    "OK value-k5"
# -s counts the check processes tokend runs (persistent ones stay)
nproc_s=$(tstat "$T/tokend.conf" check_processes)
nproc_ps=$(pgrep -f -P "$TOKEND_PID" "prog.py" | wc -l)
num_cmp "tokend -s: check_processes counts the running programs ($nproc_s)" "${nproc_s:-none}" -ge 1
is "... as many as run under tokend" "$nproc_s" "$nproc_ps"

# stopping tokend ends every check process it started
pids=$(pgrep -f "$P" | tr '\n' ' ')
tt_stop_tokend
sleep 0.3
left=""
for p in $pids; do alive "$p" && left="$left $p"; done
is "tokend stopped: no check process left" "$left" ""
tt_done
