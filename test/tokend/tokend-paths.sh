#!/bin/bash
#
# tokend-paths.sh - relative paths survive daemon mode (issue 6 item 17).
# pfxhttp-tokend without -f changes to "/"; a relative -c path and
# relative file names in the configuration must still work there: they
# are made absolute when the configuration is loaded (file names against
# the configuration's directory).
#
#   1. -t from another directory resolves client_secret_file against the
#      configuration's directory.
#   2. tokend started as a daemon with a relative -c path: its cwd is "/",
#      and a SIGHUP reload (max_entries 100 -> 2) still reads the file.
#   (each fails without its fix: before, -t looked for "secret" in the
#   cwd, and the reload for "etc/NAME" in "/")
#
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 jq curl
tt_init tokend-paths

start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
NAME=tokend-${T##*.}.conf	# unique: the daemon is found by its argv
mkdir "$T/etc"
C=$T/etc/$NAME
printf 's3cret\n' >"$T/etc/secret"
chmod 0600 "$T/etc/secret"
# write_conf MAX_ENTRIES SECRET-FILE
write_conf() {
	cat >"$C" <<CONF
server = {
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; max_entries = $1; };
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
  oidc = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    backend_oidc_auth = { enabled = true; client_id = "x";
      client_secret_file = "$2";
      configuration_uri = "http://127.0.0.1:1/.well-known/openid-configuration"; }; };
};
CONF
	chmod 0600 "$C"
}
write_conf 100 secret
out=$(cd "$T" && "$TOKEND" -c "etc/$NAME" -t 2>&1)
check "-t from another directory: client_secret_file is found next to the configuration" $? "$out"

# the daemon: a relative -c path (the secret's path is absolute here, so
# only the reload depends on the -c path)
write_conf 100 "$T/etc/secret"

# find_daemon: the pid whose argv is exactly TOKEND -c etc/NAME
find_daemon() {
	local f want
	want=$(printf '%s\0-c\0etc/%s\0' "$TOKEND" "$NAME" | od -An -tx1 | tr -d ' \n')
	for f in /proc/[0-9]*/cmdline; do
		[ "$(od -An -tx1 "$f" 2>/dev/null | tr -d ' \n')" = "$want" ] || continue
		f=${f%/cmdline}
		echo "${f#/proc/}"
		return 0
	done
	return 1
}
(cd "$T" && "$TOKEND" -c "etc/$NAME")
check "tokend started as a daemon with a relative -c path" $?
wait_for 100 test -S "$SOCK" || bail "tokend socket did not appear"
PID=$(find_daemon) || bail "daemon not found"
tt_track "$PID"
is "the daemon runs in /" "$(readlink "/proc/$PID/cwd")" /

for k in a b c d e; do
	sm "$C" demo "$k@example.com" >/dev/null
done
is "5 answers cached" "$(tstat "$C" cache_entries)" 5
write_conf 2 "$T/etc/secret"
kill -HUP "$PID"
wait_for 50 test "$(tstat "$C" cache_entries)" = 2
is "SIGHUP: the relative -c path was reloaded (max_entries = 2 applied)" \
    "$(tstat "$C" cache_entries)" 2
kill -0 "$PID" 2>/dev/null
check "the daemon still runs" $?
kill -TERM "$PID"
wait_for 50 sh -c "! kill -0 $PID 2>/dev/null"
check "the daemon exits on SIGTERM" $?
tt_done
