# lib.sh -- helpers shared by the SASL tests and bench/sasl (bash; source it)
#
#   . "$PFXHTTP_SRCDIR/test/sasl/lib.sh"
#   dv_start DIR [SOCKET]   Debian's real Dovecot 2.3 as root, auth only:
#                           protocols empty, auth_mechanisms plain login
#                           xoauth2 oauthbearer, passwd-file alice:{PLAIN}secret
#                           (and bob:{PLAIN}hunter2), auth_failure_delay 0,
#                           the auth-client listener at SOCKET (default
#                           DIR/auth-client, mode 0666), log DIR/dovecot.log.
#                           DV_OAUTH2_ARGS (a file of oauth2 passdb
#                           settings) adds a passdb oauth2 for xoauth2 and
#                           oauthbearer; without it an oauth2 passdb whose
#                           introspection URL refuses every token
#                           (DV_INTROSPECT_URL, default a closed port).
#                           Sets DV_PID (the master), DV_SOCK.
#                           DV_WRAP: a command prefix for dovecot (e.g.
#                           "taskset -c 1"; bench/sasl pins it).
#                           DV_PENALTY=1 keeps Dovecot's auth penalty
#                           (off by default: it delays a client IP's next
#                           AUTH by 2-15 s after a failure)
#   dv_stop                 stops it (by its pid), waits
#   sasl_conf FILE PORT [EXTRA]  a pfxhttp.conf with dovecot_sasl.smtp against
#                           backend.py's /api/v1/auth/json on PORT; EXTRA
#                           lines go inside the smtp entry
#
# Dovecot runs with its own base_dir and instance_name, so it touches
# neither /etc/dovecot nor a system instance.

DV_PID=
DV_SOCK=
DV_DIR=

dv_start() {
	local dir=$1 sock=${2:-$1/auth-client} i
	DV_DIR=$dir
	DV_SOCK=$sock
	mkdir -p "$dir/run" "$dir/state"
	chmod 0755 "$dir"
	printf 'alice:{PLAIN}secret\nbob:{PLAIN}hunter2\n' >"$dir/passwd"
	if [ -n "${DV_OAUTH2_ARGS:-}" ]; then
		cp "$DV_OAUTH2_ARGS" "$dir/oauth2.conf"
	else
		cat >"$dir/oauth2.conf" <<EOF
introspection_mode = post
introspection_url = ${DV_INTROSPECT_URL:-http://127.0.0.1:9/introspect}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 3000
EOF
	fi
	cat >"$dir/dovecot.conf" <<EOF
# a private, auth-only Dovecot for the pfxhttp SASL tests
instance_name = pfxhttp-test-$$-$RANDOM
base_dir = $dir/run
state_dir = $dir/state
protocols =
listen = 127.0.0.1
shutdown_clients = yes
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log
auth_verbose = yes
auth_debug = ${DV_DEBUG:-no}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_cache_size = 0
auth_username_format = %u
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
  mechanisms = plain login
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $dir/oauth2.conf
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener $sock {
    mode = 0666
  }
  unix_listener auth-userdb {
    mode = 0600
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
	rm -f "$sock" "$dir/run/master.pid"
	${DV_WRAP:-} dovecot -c "$dir/dovecot.conf" >"$dir/start.log" 2>&1 || {
		cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null
		return 1
	}
	for i in $(seq 100); do
		[ -S "$sock" ] && [ -s "$dir/run/master.pid" ] && break
		sleep 0.1
	done
	DV_PID=$(cat "$dir/run/master.pid" 2>/dev/null)
	# No auth penalty (Dovecot delays every AUTH from an IP after a
	# failure, 2 s doubling up to 15 s, by asking anvil; Postfix sends no
	# no-penalty flag): the auth process starts at the first connection,
	# finds no anvil-auth-penalty socket and runs without it
	[ "${DV_PENALTY:-0}" = 1 ] || rm -f "$dir/run/anvil-auth-penalty"
	[ -S "$sock" ] && [ -n "$DV_PID" ] || {
		cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null
		return 1
	}
}

dv_stop() {
	local i
	# the pid file names the master even if DV_PID was never set (a run
	# interrupted during dv_start)
	[ -n "$DV_PID" ] || DV_PID=$(cat "${DV_DIR:-/nonexistent}/run/master.pid" 2>/dev/null)
	[ -n "$DV_PID" ] || return 0
	kill "$DV_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$DV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DV_PID" 2>/dev/null && kill -9 "$DV_PID"
	DV_PID=
}

sasl_conf() {
	local file=$1 port=$2 extra=${3:-}
	cat >"$file" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "8s"; connect_timeout = "2s"; };
};
dovecot_sasl = {
  smtp = {
    target = "http://127.0.0.1:$port/api/v1/auth/json";
    $extra
  };
};
EOF
	chmod 0644 "$file"
}
