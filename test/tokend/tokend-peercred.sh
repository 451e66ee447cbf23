#!/bin/bash
#
# tokend-peercred.sh - pfxhttp-tokend's SO_PEERCRED check and socket mode.
#
# tokend runs as root with allowed_users = [ "nobody" ] on a socket with
# mode 0666, so only the peer check stands between other users and it.
# pfxhttp-spawn run as nobody (setpriv) uses the shared cache; run as
# daemon (uid 1, not allowed) its connection is refused: with the backend
# down its lookup gets TEMP instead of the cached answer, and -s counts
# connections_refused.  A reload adding allowed_groups = [ "daemon" ] lets
# daemon in.  Finally a 0660 socket with group nogroup: mode and group are
# applied (stat), nobody (gid nogroup) gets in, daemon cannot connect.
# allowed_groups also matches supplementary groups: daemon with the
# supplementary group mail (setpriv --groups) gets in, and so does a user
# who is a member of an allowed group in /etc/group only (if the system
# has one).  A refused spawn is told "refused" and logs it (once).  A
# reload while the user directory fails (nssfail.c: getpwnam and getgrnam
# fail) is refused and keeps the old list: nobody is still let in.
# Needs root.  Output is TAP.

. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (setpriv to other users)"
tt_need setpriv python3 jq curl stat
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
id daemon >/dev/null 2>&1 || skip_all "no user daemon"
getent group nogroup >/dev/null || skip_all "no group nogroup"
tt_init tokend-peercred

NOBODY=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
DAEMON=(setpriv --reuid="$(id -u daemon)" --regid="$(id -g daemon)" --clear-groups)

start_backend main
BP=$BPORT_main
mkdir "$T/run"
chmod 0755 "$T/run"
SOCK=$T/run/tokend.sock
C=$T/pfxhttp.conf

# write_conf MODE EXTRA-TOKEND-SETTINGS
write_conf() {
	cat >"$C" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "$1"; timeout = "1s";
             allowed_users = [ "nobody" ]; $2 };
  response_cache = { enabled = true; ttl = "5m"; max_entries = 100; };
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
};
EOF
	chmod 0644 "$C"
}
write_conf 0666 ""

tt_start_tokend "$C" || bail "tokend did not start"
is "socket file mode equals server.tokend.mode (0666)" "$(stat -c %a "$SOCK")" 666
is "socket is owned by tokend's user (root)" "$(stat -c %U "$SOCK")" root

is "(setpriv really runs as nobody)" "$("${NOBODY[@]}" id -un)" nobody
is "(setpriv really runs as daemon)" "$("${DAEMON[@]}" id -un)" daemon

s0=$(tstat "$C" cache_stores)
is "nobody: lookup with the backend up" "$(sm "$C" demo alice@example.com "${NOBODY[@]}")" "OK found:alice@example.com"
is "nobody: its answer went into tokend's cache" "$(($(tstat "$C" cache_stores) - s0))" 1
is "daemon: lookup with the backend up still works" "$(sm "$C" demo bob@example.com "${DAEMON[@]}")" "OK found:bob@example.com"
is "daemon: ... but nothing reached tokend's cache" "$(($(tstat "$C" cache_stores) - s0))" 1
num_cmp "daemon: connections_refused >= 1" "$(tstat "$C" connections_refused)" -ge 1

# explain shows what the configuration sends: tokend explains to root only
# (and to its own user); an allowed helper's explain runs directly
# exj KEY [RUNAS...] : "via verdict" of an explain --json
exj() {
	local key=$1
	shift
	"$@" "$SPAWN" -c "$C" explain socketmap demo "$key" --json 2>"$T/explain.err" |
	    jq -r '.via + " " + .verdict'
}
is "root: explain goes through tokend" "$(exj erin@example.com)" "tokend found"
is "nobody (an allowed peer): tokend will not explain, the lookup runs directly" \
    "$(exj frank@example.com "${NOBODY[@]}")" "direct found"
grep -q "says: explain is for root and pfxhttp-tokend's own user" "$T/explain.err"
check "... and explain says why" $? "$(cat "$T/explain.err")"

kill "$BPID_main"
wait "$BPID_main" 2>/dev/null
ss0=$(tstat "$C" cache_stale_serves)
r0=$(tstat "$C" connections_refused)
is "backend down, nobody: answered from tokend's cache" \
    "$(sm "$C" demo alice@example.com "${NOBODY[@]}")" "OK found:alice@example.com"
is "nobody: cache_stale_serves +1" "$(($(tstat "$C" cache_stale_serves) - ss0))" 1
like "backend down, daemon (not allowed): TEMP, not the cached answer" \
    "$(sm "$C" demo alice@example.com "${DAEMON[@]}")" '^TEMP '
num_cmp "daemon: connections_refused grew" "$(($(tstat "$C" connections_refused) - r0))" -ge 1
grep -q "refused a connection from uid $(id -u daemon)" "$T/tokend.log"
check "tokend logged the refused uid $(id -u daemon)" $? "$(tail -5 "$T/tokend.log")"
is "backend down, root: answered from the cache (root always passes)" \
    "$(sm "$C" demo alice@example.com)" "OK found:alice@example.com"
is "cache_stale_serves: nobody and root, not daemon" "$(($(tstat "$C" cache_stale_serves) - ss0))" 2

# allowed_groups, applied by SIGHUP
write_conf 0666 'allowed_groups = [ "daemon" ];'
kill -HUP "$TOKEND_PID"
wait_for 50 grep -q 'configuration reloaded' "$T/tokend.log"
check "SIGHUP: allowed_groups = [ daemon ] reloaded" $? "$(tail -3 "$T/tokend.log")"
r0=$(tstat "$C" connections_refused)
is "daemon via allowed_groups: answered from the cache" \
    "$(sm "$C" demo alice@example.com "${DAEMON[@]}")" "OK found:alice@example.com"
is "daemon via allowed_groups: no new refusal" "$(($(tstat "$C" connections_refused) - r0))" 0

# supplementary groups
MAILGID=$(getent group mail | cut -d: -f3)
write_conf 0666 'allowed_groups = [ "mail" ];'
kill -HUP "$TOKEND_PID"
wait_for 50 test "$(grep -c 'configuration reloaded' "$T/tokend.log")" -ge 2
DAEMON_MAIL=(setpriv --reuid="$(id -u daemon)" --regid="$(id -g daemon)" --groups="$MAILGID")
is "(setpriv: daemon with the supplementary group mail)" "$("${DAEMON_MAIL[@]}" id -G)" "$(id -g daemon) $MAILGID"
is "daemon, supplementary group mail allowed: answered from the cache" \
    "$(sm "$C" demo alice@example.com "${DAEMON_MAIL[@]}")" "OK found:alice@example.com"
# a user whose allowed group comes from the group database only
read -r dbgroup dbuser < <(awk -F: '$4 != "" { split($4, m, ","); print $1, m[1] }' /etc/group |
    while read -r g u; do id "$u" >/dev/null 2>&1 && [ "$(id -gn "$u")" != "$g" ] && { echo "$g $u"; break; }; done)
if [ -n "${dbuser:-}" ]; then
	write_conf 0666 "allowed_groups = [ \"$dbgroup\" ];"
	kill -HUP "$TOKEND_PID"
	wait_for 50 test "$(grep -c 'configuration reloaded' "$T/tokend.log")" -ge 3
	is "$dbuser, member of $dbgroup in /etc/group only (no supplementary groups): answered from the cache" \
	    "$(sm "$C" demo alice@example.com setpriv --reuid="$(id -u "$dbuser")" --regid="$(id -g "$dbuser")" --clear-groups)" \
	    "OK found:alice@example.com"
else
	ok "# SKIP no user is a supplementary member of a group in /etc/group"
fi

# refused: told so, and spawn logs it once (spawn logs to stderr on a tty)
cat >"$T/ttyerr.py" <<'EOF'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=s)
os.close(s)
out, _ = p.communicate(sys.stdin.buffer.read(), timeout=30)
err = b""
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    err += d
open(sys.argv[1], "wb").write(err)
sys.stdout.buffer.write(out)
EOF
out=$({ ns "demo alice@example.com"; ns "demo bob@example.com"; } |
    python3 "$T/ttyerr.py" "$T/spawn-err.log" "${DAEMON[@]}" "$SPAWN" -c "$C" socketmap)
like "refused spawn (daemon, no allowed group): TEMP with the backend down" "$out" '^[0-9]+:TEMP '
is "... spawn logged the refusal once for two lookups" "$(grep -c 'refused this process' "$T/spawn-err.log")" 1 \
    "$(cat "$T/spawn-err.log")"
grep -q "refused a connection from uid $(id -u daemon) .*allowed_groups" "$T/tokend.log"
check "... tokend logged it, naming the setting" $? "$(grep refused "$T/tokend.log" | tail -2)"

tt_stop_tokend
is "tokend exits 0" "$?" 0

# mode 0660 with a group
write_conf 0660 'group = "nogroup";'
# the lookups run in tokend: it must know the backend that is up
start_backend second
sed -i "s/127.0.0.1:$BP/127.0.0.1:$BPORT_second/" "$C"
tt_start_tokend "$C" || bail "tokend did not restart"
is "socket mode 0660 and group nogroup applied" "$(stat -c '%a %G' "$SOCK")" "660 nogroup"
s0=$(tstat "$C" cache_stores)
is "0660 socket: nobody (group nogroup) gets in" \
    "$(sm "$C" demo carol@example.com "${NOBODY[@]}")" "OK found:carol@example.com"
is "0660 socket: nobody's answer was stored" "$(($(tstat "$C" cache_stores) - s0))" 1
r0=$(tstat "$C" connections_refused)
is "0660 socket: daemon's lookup still answered by the backend" \
    "$(sm "$C" demo dave@example.com "${DAEMON[@]}")" "OK found:dave@example.com"
is "0660 socket: daemon could not connect at all (nothing stored)" "$(($(tstat "$C" cache_stores) - s0))" 1
is "0660 socket: ... so tokend had nothing to refuse" "$(($(tstat "$C" connections_refused) - r0))" 0
tt_stop_tokend
is "tokend exits 0" "$?" 0

# a reload while the user directory is down keeps the old list
if [ -f "${PFXHTTP_NSSFAIL:-}" ]; then
	write_conf 0666 ""
	sed -i "s/127.0.0.1:$BP/127.0.0.1:$BPORT_second/" "$C"
	export LD_PRELOAD=$PFXHTTP_NSSFAIL NSSFAIL_FLAG=$T/nss-down
	# the shim is not instrumented; it need not come after ASan's runtime
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	tt_start_tokend "$C" "$T/tokend-nss.log" || bail "tokend (nssfail) did not start"
	unset LD_PRELOAD NSSFAIL_FLAG
	is "nss: nobody gets in" "$(sm "$C" demo erin@example.com "${NOBODY[@]}")" "OK found:erin@example.com"
	r0=$(tstat "$C" connections_refused)
	: >"$T/nss-down"
	write_conf 0666 'allowed_groups = [ "daemon" ];'
	sed -i "s/127.0.0.1:$BP/127.0.0.1:$BPORT_second/" "$C"
	kill -HUP "$TOKEND_PID"
	wait_for 50 grep -q 'reload refused' "$T/tokend-nss.log"
	check "nss: a reload while the directory fails is refused" $? "$(tail -3 "$T/tokend-nss.log")"
	is "nss: ... and nobody is still let in (the old list kept)" \
	    "$(sm "$C" demo frank@example.com "${NOBODY[@]}")" "OK found:frank@example.com"
	is "nss: ... with no refusal" "$(($(tstat "$C" connections_refused) - r0))" 0
	rm -f "$T/nss-down"
	tt_stop_tokend
else
	ok "# SKIP PFXHTTP_NSSFAIL (the nssfail.so shim) is not built"
fi

tt_done
