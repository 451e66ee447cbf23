# postfix.sh -- a private, throwaway Postfix instance for the shell tests
# (bash; source it after tap.sh, do not run it).  Used by
# test/e2e/postfix-e2e.sh and test/tokend/tokend-postfix.sh.
#
#   . "$PFXHTTP_SRCDIR/test/lib/postfix.sh"
#   pf_require                  skip_all unless root, postfix, postmap, nobody
#   pf_init                     directories under $T; sets CONF_DIR, SPOOL,
#                               MAILLOG, POSTFIX_UP=0
#   pf_install_helper SPAWN     copies pfxhttp-spawn to $T/bin; sets HELPER
#   pf_write_main_cf TAG <<EOF  main.cf: a loopback-only instance named
#     ...                       postfix-TAG (discard transport, no local
#   EOF                         delivery), then the lines on stdin
#   ... | pf_write_master_cf SMTP_PORT
#                               master.cf: smtpd on 127.0.0.1:SMTP_PORT and
#                               Postfix's own services, then stdin (the
#                               spawn(8) entries)
#   pf_spawn_unix NAME ARGS...  prints a master.cf spawn(8) entry: private/NAME
#                               runs "$HELPER -c $HCONF ARGS..." as nobody
#   pf_spawn_inet ADDR:PORT ARGS...   the same on a TCP listener
#   pf_start                    postfix -c DIR start (log: $T/postfix-start.log);
#                               returns its status, sets POSTFIX_UP
#   pf_wait_private NAME        wait for $SPOOL/private/NAME (10 s)
#   pf_stop                     postfix stop; waits for master and helpers
#   pf_cleanup                  pf_stop, then kill leftover helpers (by pid)
#   helper_pids                 the pfxhttp-spawn processes of this instance
#   pf_spawn_warnings FILE      status 0 when spawn(8) logged no helper that
#                               exited abnormally (those lines go to FILE)
#   pf_print_maillog LINES      the maillog's tail, on stderr
#
# spawn(8) runs the helpers as nobody, so $T must be 0755.

pf_require() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root to run a private Postfix"
	command -v postfix >/dev/null || skip_all "postfix is not installed"
	command -v postmap >/dev/null || skip_all "postmap is not installed"
	id nobody >/dev/null 2>&1 || skip_all "no user nobody"
}

pf_init() {
	CONF_DIR=$T/etc
	SPOOL=$T/spool
	MAILLOG=$T/maillog
	POSTFIX_UP=0
	PF_SYSLOG_NAME=
	mkdir -p "$CONF_DIR" "$SPOOL" "$T/data" "$T/bin"
	chown postfix "$T/data"
}

pf_install_helper() {
	install -m 0755 "$1" "$T/bin/pfxhttp-spawn"
	HELPER=$T/bin/pfxhttp-spawn
}

pf_write_main_cf() {
	local tag=$1
	PF_SYSLOG_NAME=postfix-$tag
	{
		cat <<EOF
compatibility_level = 3.6
syslog_name = $PF_SYSLOG_NAME
queue_directory = $SPOOL
data_directory = $T/data
maillog_file = $MAILLOG
maillog_file_prefixes = $T
myhostname = $tag.pfxhttp.test
mydomain = pfxhttp.test
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard:$tag
relay_transport = discard:$tag
service_throttle_time = 2s
smtpd_banner = \$myhostname ESMTP $tag
EOF
		# spawn(8) passes only what is exported: the uninstalled
		# build's direct module, and what the caller adds
		# (PF_IMPORT_EXTRA NAME=value..., PF_EXPORT_EXTRA NAME...)
		echo "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ" \
		    "XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME" \
		    "${PFXHTTP_DIRECT_MODULE:+PFXHTTP_DIRECT_MODULE=$PFXHTTP_DIRECT_MODULE}" \
		    "${PF_IMPORT_EXTRA:-}"
		echo "export_environment = TZ MAIL_CONFIG LANG" \
		    "${PFXHTTP_DIRECT_MODULE:+PFXHTTP_DIRECT_MODULE}" \
		    "${PF_EXPORT_EXTRA:-}"
		cat
	} >"$CONF_DIR/main.cf"
}

pf_write_master_cf() {
	{
		cat <<EOF
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
		cat
	} >"$CONF_DIR/master.cf"
}

pf_spawn_unix() {
	local name=$1
	shift
	printf '%s unix - n n - 0 spawn\n  user=nobody argv=%s -c %s %s\n' \
	    "$name" "$HELPER" "$HCONF" "$*"
}

pf_spawn_inet() {
	local addr=$1
	shift
	printf '%s inet n n n - 0 spawn\n  user=nobody argv=%s -c %s %s\n' \
	    "$addr" "$HELPER" "$HCONF" "$*"
}

pf_start() {
	local st
	timeout 60 postfix -c "$CONF_DIR" start >"$T/postfix-start.log" 2>&1
	st=$?
	# a port from free_ports may be bound for a moment by another test's
	# free_ports (the suites run in parallel): once more, a second later
	if [ "$st" -ne 0 ] && ! postfix -c "$CONF_DIR" status >/dev/null 2>&1; then
		echo "# postfix start failed; trying once more" >>"$T/postfix-start.log"
		sleep 1
		timeout 60 postfix -c "$CONF_DIR" start >>"$T/postfix-start.log" 2>&1
		st=$?
	fi
	if [ "$st" -eq 0 ]; then
		POSTFIX_UP=1
	elif command -v script >/dev/null; then
		# postfix writes fatal errors to stderr only when it is a terminal
		timeout 30 script -qec "postfix -c '$CONF_DIR' check" /dev/null \
		    >>"$T/postfix-start.log" 2>&1
	fi
	return "$st"
}

pf_wait_private() {
	wait_for_named "private/$1" 100 test -S "$SPOOL/private/$1"
}

helper_pids() {
	pgrep -f "^$T/bin/pfxhttp-spawn " 2>/dev/null
}

pf_stop() {
	local _ master
	[ "${POSTFIX_UP:-0}" -eq 1 ] || return 0
	POSTFIX_UP=0
	timeout 30 postfix -c "$CONF_DIR" stop >>"$T/postfix-start.log" 2>&1
	# master is gone once its pid file no longer names a live process
	master=$(tr -d ' ' <"$SPOOL/pid/master.pid" 2>/dev/null)
	for _ in $(seq 100); do
		[ -n "$master" ] && kill -0 "$master" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$master" ] && kill -0 "$master" 2>/dev/null && kill -9 "$master"
	# helpers exit on EOF once their clients (smtpd, postmap) are gone
	for _ in $(seq 100); do
		[ -z "$(helper_pids)" ] && break
		sleep 0.1
	done
}

pf_cleanup() {
	local pid
	pf_stop
	for pid in $(helper_pids); do
		kill "$pid" 2>/dev/null
	done
}

pf_spawn_warnings() {
	! grep -E "$PF_SYSLOG_NAME/spawn\[[0-9]+\]: warning: command .*(exit status|killed by signal)" \
	    "$MAILLOG" >"$1"
}

pf_print_maillog() {
	[ -f "$MAILLOG" ] || return 0
	echo "----- Postfix maillog ($MAILLOG) -----" >&2
	tail -n "$1" "$MAILLOG" >&2
}
