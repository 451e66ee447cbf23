#!/bin/bash
#
# checks-postfix.sh - the shipped example checks behind a real, private
# Postfix: contrib/checks/relay-acl as the backend of a policy service
# (SMTP sessions from an allowed client and sender get 250, others 554),
# and contrib/checks/kv-map as the backend of a socketmap (postmap -q).
# Each in the direct path (pfxhttp-spawn as nobody runs the check) and
# through pfxhttp-tokend (its pool runs it): two smtpd listeners, one per
# policy service.  The relay list is changed while Postfix runs: the new
# rule holds at once.  Needs root.  TAP.

. "$(dirname "$0")/../tokend/common.sh"
. "$SRCDIR/test/lib/postfix.sh"
pf_require
tt_need python3
[ -x /usr/bin/python3 ] || skip_all "the examples run /usr/bin/python3"
tt_init checks-postfix

pf_init
mkdir -p "$T/run" "$T/checks"
chmod 0755 "$T/run" "$T/checks"
tt_local_cleanup() {
	pf_cleanup
	if [ "$tap_failed" -ne 0 ]; then pf_print_maillog 60; fi
}

install -m 0755 "$SRCDIR/contrib/checks/relay-acl" "$SRCDIR/contrib/checks/kv-map" "$T/checks/"
cat >"$T/relays" <<EOF
# the application server may relay for example.com
127.0.0.1   @example.com <>
EOF
cat >"$T/aliases.kv" <<EOF
# key value
alice@example.com   alice@mailhost.example.com
Bob@Example.com     bob@mailhost.example.com
EOF
chmod 0644 "$T/relays" "$T/aliases.kv"

pf_install_helper "$SPAWN"
SOCK=$T/run/tokend.sock
entries() {
	cat <<EOF
socket_maps = {
  aliases = { command = [ "$T/checks/kv-map", "--file", "$T/aliases.kv" ]; };
};
policy_services = {
  relay = { command = [ "$T/checks/relay-acl", "--file", "$T/relays" ];
    timeout = "5s"; max_processes = 2;
    default_action = "DEFER relay check unavailable"; };
};
EOF
}
HCONF=$T/direct.conf
entries >"$HCONF"
TCONF=$T/tokend.conf
{
	cat <<EOF
server = { tokend = { socket = "$SOCK"; mode = "0666"; timeout = "2s"; }; };
EOF
	entries
} >"$TCONF"
chmod 0644 "$HCONF" "$TCONF"

out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$HCONF" -t 2>&1)
check "spawn -t as nobody accepts the checks" $? "$out"
tt_start_tokend "$TCONF" || bail "tokend did not start"

SMTP_PORT=$(free_ports 1)
SMTP_PORT2=$((SMTP_PORT + 1))
port_open "$SMTP_PORT2" && SMTP_PORT2=$(free_ports 1)
pf_write_main_cf checks <<EOF
sockmap_time_limit = 3600s
policy_time_limit = 3600s
smtpd_policy_service_default_action = 451 4.3.5 Postfix policy default_action
smtpd_relay_restrictions = check_policy_service unix:private/relay, reject
relay_tokend = check_policy_service unix:private/relay-tokend, reject
EOF
{
	pf_spawn_unix sockmap socketmap
	pf_spawn_unix relay policy relay
	printf '%s unix - n n - 0 spawn\n  user=nobody argv=%s -c %s %s\n' \
	    sockmap-tokend "$HELPER" "$TCONF" socketmap
	printf '%s unix - n n - 0 spawn\n  user=nobody argv=%s -c %s %s\n' \
	    relay-tokend "$HELPER" "$TCONF" "policy relay"
	printf '127.0.0.1:%s inet n - n - - smtpd\n  -o smtpd_relay_restrictions=$relay_tokend\n' \
	    "$SMTP_PORT2"
} | pf_write_master_cf "$SMTP_PORT"

pf_start
st=$?
check "private Postfix starts" $st "$(cat "$T/postfix-start.log")"
[ $st -eq 0 ] || bail "Postfix did not start"
pf_wait_private sockmap && pf_wait_private relay && pf_wait_private relay-tokend &&
    wait_for_named "smtpd ports" 100 port_open "$SMTP_PORT" &&
    wait_for 100 port_open "$SMTP_PORT2"
check "spawn services and both smtpd listeners are up" $?

# rcpt PORT SOURCE SENDER : the RCPT reply's code and text
rcpt() {
	timeout 60 python3 "$SRCDIR/test/e2e/smtp_rcpt.py" --source "$2" \
	    --sender "$3" "$1" someone@remote.test 2>&1
}

for mode in direct tokend; do
	port=$SMTP_PORT
	[ $mode = tokend ] && port=$SMTP_PORT2
	like "$mode: listed client, listed sender: 250" \
	    "$(rcpt $port 127.0.0.1 app@example.com)" '^250 '
	like "$mode: listed client, the null sender: 250" \
	    "$(rcpt $port 127.0.0.1 '')" '^250 '
	like "$mode: listed client, another sender's domain: 554 with relay-acl's text" \
	    "$(rcpt $port 127.0.0.1 app@other.org)" \
	    '^554 5\.7\.1 .*Relay access denied: sender <app@other.org> may not relay from 127\.0\.0\.1'
	like "$mode: a client not in the list (127.0.0.2): 554" \
	    "$(rcpt $port 127.0.0.2 app@example.com)" \
	    '^554 5\.7\.1 .*client 127\.0\.0\.2 is not in the relay list'
done

# the list changes while everything runs: read again on the next request
cat >>"$T/relays" <<EOF
127.0.0.2   scanner@example.com
EOF
touch -d '+2 seconds' "$T/relays"
for mode in direct tokend; do
	port=$SMTP_PORT
	[ $mode = tokend ] && port=$SMTP_PORT2
	like "$mode: after the list changed, 127.0.0.2 may send as scanner@: 250" \
	    "$(rcpt $port 127.0.0.2 scanner@example.com)" '^250 '
	like "$mode: ... but not as anyone else: 554" \
	    "$(rcpt $port 127.0.0.2 app@example.com)" '^554 '
done

# the socketmap: postmap -q through kv-map, direct and through tokend
for svc in sockmap sockmap-tokend; do
	map="socketmap:unix:$SPOOL/private/$svc:aliases"
	out=$(timeout 30 postmap -c "$CONF_DIR" -q alice@example.com "$map" 2>&1)
	is "$svc: postmap -q alice@example.com" "$out" "alice@mailhost.example.com"
	out=$(timeout 30 postmap -c "$CONF_DIR" -q bob@example.com "$map" 2>&1)
	is "$svc: ... keys without regard to case" "$out" "bob@mailhost.example.com"
	out=$(timeout 30 postmap -c "$CONF_DIR" -q carol@example.com "$map" 2>&1)
	rc=$?
	check "$svc: ... an unknown key is not found (exit 1, no output)" \
	    "$([ $rc -eq 1 ] && [ -z "$out" ]; echo $?)" "rc=$rc out=$out"
done

# the relay check is broken (a bad line in its list at start): a
# temporary answer, the policy's default_action, never a wrong OK or
# REJECT
pf_stop
tt_stop_tokend
echo "not-a-network @example.com" >>"$T/relays"
tt_start_tokend "$TCONF" || bail "tokend did not restart"
pf_start
pf_wait_private relay && wait_for 100 port_open "$SMTP_PORT" && wait_for 100 port_open "$SMTP_PORT2"
check "Postfix and tokend restarted with a bad relay list" $?
like "direct: relay-acl cannot start: 450 (default_action DEFER)" \
    "$(rcpt $SMTP_PORT 127.0.0.1 app@example.com)" '^450 .*relay check unavailable'
like "tokend: relay-acl cannot start: 450 (default_action DEFER)" \
    "$(rcpt $SMTP_PORT2 127.0.0.1 app@example.com)" '^450 .*relay check unavailable'

pf_spawn_warnings "$T/spawn-warnings"
check "spawn(8) saw no helper exit abnormally" $? "$(cat "$T/spawn-warnings")"
tt_done
