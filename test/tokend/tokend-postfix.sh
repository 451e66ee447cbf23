#!/bin/bash
#
# tokend-postfix.sh - a real, private Postfix instance whose spawn(8)
# services run pfxhttp-spawn as nobody against an OIDC-protected backend
# (test/oidc: oidc-provider + protected-backend.js).  pfxhttp-tokend runs
# as root with allowed_users = [ "nobody" ] on a 0660 socket of group
# nogroup and is the only process that can read the client secret (a
# 0600 client_secret_file).  Checks:
#   postmap -q KEY socketmap:unix:...:demo prints found:KEY (several
#   times: one token request at the IdP in total); the backend saw
#   Bearer tokens from cc-basic; an SMTP RCPT through
#   check_policy_service (same protected backend) gives the backend's
#   REJECT / DUNNO; nothing was refused by tokend; spawn exited cleanly.
# The Postfix set-up follows test/e2e/postfix-e2e.sh.  Needs root.
# Output is TAP.

. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to run a private Postfix"
for c in postfix postmap python3 node npm openssl curl jq; do
	command -v $c >/dev/null || skip_all "$c not installed"
done
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
getent group nogroup >/dev/null || skip_all "no group nogroup"
tt_init tokend-postfix

CONF_DIR=$T/etc
SPOOL=$T/spool
MAILLOG=$T/maillog
POSTFIX_UP=0
mkdir -p "$CONF_DIR" "$SPOOL" "$T/data" "$T/bin" "$T/run"
chown postfix "$T/data"
chmod 0755 "$T/run"

helper_pids() { pgrep -f "^$T/bin/pfxhttp-spawn " 2>/dev/null; }
stop_postfix() {
	local i
	[ "$POSTFIX_UP" -eq 1 ] || return 0
	POSTFIX_UP=0
	timeout 30 postfix -c "$CONF_DIR" stop >>"$T/postfix-start.log" 2>&1
	for i in $(seq 100); do
		[ -f "$SPOOL/pid/master.pid" ] || break
		kill -0 "$(tr -d ' ' <"$SPOOL/pid/master.pid")" 2>/dev/null || break
		sleep 0.1
	done
	for i in $(seq 100); do
		[ -z "$(helper_pids)" ] && break
		sleep 0.1
	done
}
tt_local_cleanup() {
	local p
	stop_postfix
	for p in $(helper_pids); do kill "$p" 2>/dev/null; done
	oidc_fixture_stop >/dev/null 2>&1
	if [ "$failed" -ne 0 ] && [ -f "$MAILLOG" ]; then
		echo "----- $MAILLOG (tail) -----" >&2
		tail -n 60 "$MAILLOG" >&2
	fi
}
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ------------------------------------------------------------ OIDC side

. "$SRCDIR/test/oidc/fixture.sh"
oidc_fixture_start "$T/oidc"
rc=$?
[ $rc -eq 77 ] && skip_all "OIDC fixture unavailable (node deps, openssl)"
[ $rc -eq 0 ] || bail "OIDC fixture did not start"
PKI=$OIDC_PKI
BE=$OIDC_BACKEND_URL
idp() { curl -sS --max-time 10 --cacert "$PKI/ca.crt" "$OIDC_IDP_URL$1"; }
count() { idp "/test/count/$1" | tr -d '\n'; }
bstat() { curl -sS --max-time 5 "$BE/stats" | jq -r "$1"; }

# nobody must reach the CA file (tls.root_ca) and the config, not the secret
chmod 0755 "$T/oidc" "$PKI"
chmod 0644 "$PKI/ca.crt"
printf 'basic-secret\n' >"$T/client.secret"
chmod 0600 "$T/client.secret"

install -m 0755 "$SPAWN" "$T/bin/pfxhttp-spawn"
HELPER=$T/bin/pfxhttp-spawn
HCONF=$T/pfxhttp.conf
SOCK=$T/run/tokend.sock
OIDC="backend_oidc_auth = { enabled = true; configuration_uri = \"$OIDC_DISCOVERY_URL\";
      client_id = \"cc-basic\"; client_secret_file = \"$T/client.secret\";
      auth_method = \"client_secret_basic\"; scopes = [ \"api.read\" ]; };"
cat >"$HCONF" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "3s"; connect_timeout = "1s"; };
  tls = { enabled = true; root_ca = "$PKI/ca.crt"; };
  tokend = { socket = "$SOCK"; mode = "0660"; group = "nogroup";
             allowed_users = [ "nobody" ]; timeout = "1s"; };
};
socket_maps = {
  demo = { target = "$BE/map"; value_field = "data.result";
    $OIDC };
};
policy_services = {
  demo = { target = "$BE/policy"; value_field = "policy.result";
    default_action = "DEFER_IF_PERMIT Service temporarily unavailable";
    $OIDC };
};
EOF
chmod 0644 "$HCONF"

out=$("$TOKEND" -c "$HCONF" -t 2>&1)
check "tokend -t accepts the configuration" $? "$out"
out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$HCONF" -t 2>&1)
check "spawn -t as nobody accepts it (cannot read the secret file)" $? "$out"
tt_start_tokend "$HCONF" || bail "tokend did not start"
is "tokend socket: mode 0660, group nogroup" "$(stat -c '%a %G' "$SOCK")" "660 nogroup"

# --------------------------------------------------------------- Postfix

read -r SMTP_PORT < <(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$CONF_DIR/main.cf" <<EOF
compatibility_level = 3.6
syslog_name = postfix-tokend
queue_directory = $SPOOL
data_directory = $T/data
maillog_file = $MAILLOG
maillog_file_prefixes = $T
myhostname = tokend.pfxhttp.test
mydomain = pfxhttp.test
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard:tokend
relay_transport = discard:tokend
service_throttle_time = 2s
smtpd_banner = \$myhostname ESMTP tokend
sockmap_time_limit = 3600s
policy_time_limit = 3600s
smtpd_policy_service_default_action = 451 4.3.5 Postfix policy default_action
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_policy_service unix:private/policy, permit_mynetworks, reject
EOF

cat >"$CONF_DIR/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
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
sockmap   unix  -       n       n       -       0       spawn
  user=nobody argv=$HELPER -c $HCONF socketmap
policy    unix  -       n       n       -       0       spawn
  user=nobody argv=$HELPER -c $HCONF policy demo
EOF

timeout 60 postfix -c "$CONF_DIR" start >"$T/postfix-start.log" 2>&1
st=$?
[ $st -eq 0 ] && POSTFIX_UP=1
check "private Postfix starts" $st "$(cat "$T/postfix-start.log")"
[ $st -eq 0 ] || bail "Postfix did not start"
wait_for 100 test -S "$SPOOL/private/sockmap" &&
    wait_for 100 test -S "$SPOOL/private/policy" &&
    wait_for 100 port_open "$SMTP_PORT"
check "spawn services and smtpd are listening" $?
SOCKMAP="socketmap:unix:$SPOOL/private/sockmap:demo"

# q KEY : postmap -q; sets rc, qout, qerr
q() {
	qout=$(timeout 30 postmap -c "$CONF_DIR" -q "$1" "$SOCKMAP" 2>"$T/q.err")
	rc=$?
	qerr=$(cat "$T/q.err")
}

# ---------------------------------------------------------------- checks

q alice@example.com
[ $rc -eq 0 ] && [ "$qout" = "found:alice@example.com" ] && [ -z "$qerr" ]
check "postmap -q alice@example.com prints found:alice@example.com" $? "rc=$rc out='$qout'" "stderr: $qerr"
q bob@example.com
[ $rc -eq 0 ] && [ "$qout" = "found:bob@example.com" ]
check "postmap -q bob@example.com (another spawn process)" $? "rc=$rc out='$qout'" "stderr: $qerr"
q carol@elsewhere.org
[ $rc -eq 1 ] && [ -z "$qout" ] && [ -z "$qerr" ]
check "postmap -q of an unknown key: not found (exit 1)" $? "rc=$rc out='$qout'" "stderr: $qerr"
out=$(printf 'a@example.com\nb@example.com\nc@example.com\n' |
    timeout 30 postmap -c "$CONF_DIR" -q - "$SOCKMAP" 2>&1)
is "postmap -q - : three lookups on one connection" "$out" \
    "$(printf 'a@example.com\tfound:a@example.com\nb@example.com\tfound:b@example.com\nc@example.com\tfound:c@example.com')"

num_cmp "backend: authorized requests from cc-basic (>= 6)" "$(bstat '.by_client["cc-basic"] // 0')" -ge 6
is "backend: no unauthorized requests" "$(bstat .unauthorized)" 0
like "backend: last request carried a Bearer token" "$(bstat .last_authorization)" '^Bearer [^ ]+$'
is "backend: every request used the same token" "$(bstat '.tokens_by_client["cc-basic"]')" 1
is "backend: the token has scope api.read" "$(bstat '.scopes_by_client["cc-basic"]')" "api.read"
is "IdP: exactly one token request from cc-basic" "$(count token/cc-basic)" 1
is "IdP: ... authenticated with client_secret_basic" \
    "$(idp /test/stats | jq -r '.token.by_client["cc-basic"].last.auth')" client_secret_basic

# SMTP RCPT through check_policy_service -> spawn (nobody) -> tokend -> backend
p0=$(bstat '.paths["/policy"] // 0')
reply=$(timeout 60 python3 "$SRCDIR/test/e2e/smtp_rcpt.py" "$SMTP_PORT" policy-reject@example.com 2>&1)
like "SMTP RCPT policy-reject@: 5xx from the protected backend's REJECT" "$reply" '^5[0-9][0-9] .*rejected by the HTTP policy'
reply=$(timeout 60 python3 "$SRCDIR/test/e2e/smtp_rcpt.py" "$SMTP_PORT" alice@example.com 2>&1)
like "SMTP RCPT alice@: 250 (backend DUNNO, then permit_mynetworks)" "$reply" '^250 '
num_cmp "backend: two authorized /policy requests" "$(($(bstat '.paths["/policy"] // 0') - p0))" -ge 2
is "IdP: still one token request from cc-basic" "$(count token/cc-basic)" 1

is "tokend: no connection refused (spawn runs as nobody)" "$(tstat "$HCONF" connections_refused)" 0
num_cmp "tokend: tokens_served >= 5 (one per spawn process)" "$(tstat "$HCONF" tokens_served)" -ge 5
is "tokend: one token fetched" "$(tstat "$HCONF" tokens_fetched)" 1

stop_postfix
! grep -E 'spawn\[[0-9]+\]: warning: command .*(exit status|killed by signal)' "$MAILLOG" >"$T/spawn.warn"
check "no pfxhttp-spawn exited abnormally (spawn's log)" $? "$(cat "$T/spawn.warn")"
[ -z "$(helper_pids)" ]
check "every pfxhttp-spawn exited after Postfix stopped" $? "$(helper_pids | tr '\n' ' ')"
tt_stop_tokend
is "tokend exits 0" "$?" 0
tt_done
