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
# The private Postfix comes from test/lib/postfix.sh (shared with
# test/e2e/postfix-e2e.sh).  Needs root.  Output is TAP.

. "$(dirname "$0")/common.sh"
. "$SRCDIR/test/lib/postfix.sh"
pf_require
tt_need python3 node npm openssl curl jq
getent group nogroup >/dev/null || skip_all "no group nogroup"
tt_init tokend-postfix

pf_init
mkdir -p "$T/run"
chmod 0755 "$T/run"

tt_local_cleanup() {
	pf_cleanup
	if [ "$tap_failed" -ne 0 ]; then pf_print_maillog 60; fi
}

# ------------------------------------------------------------ OIDC side

tt_start_oidc

# nobody must reach the CA file (tls.root_ca) and the config, not the secret
chmod 0755 "$T/oidc" "$PKI"
chmod 0644 "$PKI/ca.crt"
printf 'basic-secret\n' >"$T/client.secret"
chmod 0600 "$T/client.secret"

pf_install_helper "$SPAWN"
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

SMTP_PORT=$(free_ports 1)

pf_write_main_cf tokend <<EOF
sockmap_time_limit = 3600s
policy_time_limit = 3600s
smtpd_policy_service_default_action = 451 4.3.5 Postfix policy default_action
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_policy_service unix:private/policy, permit_mynetworks, reject
EOF

{
	pf_spawn_unix sockmap socketmap
	pf_spawn_unix policy policy demo
} | pf_write_master_cf "$SMTP_PORT"

pf_start
st=$?
check "private Postfix starts" $st "$(cat "$T/postfix-start.log")"
[ $st -eq 0 ] || bail "Postfix did not start"
pf_wait_private sockmap &&
    pf_wait_private policy &&
    wait_for_named "smtpd port $SMTP_PORT" 100 port_open "$SMTP_PORT"
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

pf_stop
pf_spawn_warnings "$T/spawn.warn"
check "no pfxhttp-spawn exited abnormally (spawn's log)" $? "$(cat "$T/spawn.warn")"
[ -z "$(helper_pids)" ]
check "every pfxhttp-spawn exited after Postfix stopped" $? "$(helper_pids | tr '\n' ' ')"
tt_stop_tokend
is "tokend exits 0" "$?" 0
tt_done
