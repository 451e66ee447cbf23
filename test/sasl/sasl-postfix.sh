#!/bin/bash
#
# sasl-postfix.sh - real Postfix smtpd authenticating through
# pfxhttp-spawn sasl (smtpd_sasl_type = dovecot), side by side with real
# Dovecot 2.3 behind the same smtpd settings
#
# A private Postfix (test/lib/postfix.sh) with four smtpd listeners, each
# with maxproc 1 (one smtpd process, so one long-lived auth connection,
# as in production with smtpd's process reuse):
#   PX   smtpd_sasl_path = private/pfxsasl, a spawn(8) service running
#        "pfxhttp-spawn -c CONF sasl smtp" as nobody, whose dovecot_sasl
#        entry asks test/backend/backend.py's /api/v1/auth/json
#   DV   smtpd_sasl_path = the auth-client socket of a private, real
#        Dovecot (test/sasl/lib.sh; the same users alice/secret, bob/hunter2)
#   PXN, DVN  the same two with smtpd_sasl_security_options = noplaintext
#        (every mechanism either server offers is flagged plaintext, so
#        smtpd finds none and dies: "fatal: no SASL authentication
#        mechanisms"; the client sees the connection close either way)
#   (Postfix 3.7 has no smtpd_sasl_mech_filter, so nothing else to compare)
# swaks and smtp_auth.py (raw SMTP) drive them; the SMTP reply codes of PX
# and DV must be the same case by case (the differential at the SMTP
# level), and PX's own cases are checked on their own: the backend down
# (454 4.7.0, not 535), a backend slower than Postfix's 10 s (454 within
# about 10 s, never a late 235/535), a login name that tries to inject
# protocol lines, an Auth-User holding a TAB, Auth-User canonicalisation in
# the maillog (sasl_username=alice@example.org).  More listeners: a helper
# whose configuration is refused (454, smtpd survives), a helper that exits
# when idle (smtpd reconnects), STARTTLS (ssl=on reaches the backend), and,
# with test/oidc's provider, XOAUTH2/OAUTHBEARER through tokend against
# Dovecot's oauth2 passdb at the same IdP, plus 20 parallel sessions.
#
# Environment (meson test_env): PFXHTTP_SPAWN, PFXHTTP_TOKEND,
# PFXHTTP_SRCDIR, PFXHTTP_BACKEND, PFXHTTP_DIRECT_MODULE.  Needs root,
# postfix, dovecot-core, swaks, python3, jq, curl, openssl; node for the
# token cases (PFX_SASL_TOKENS=0 skips them).  PFXHTTP_TT_KEEP=1
# keeps the temporary directory.  Output is TAP.

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tokend/common.sh"
. "$SRCDIR/test/lib/postfix.sh"
. "$HERE/lib.sh"

pf_require
tt_need dovecot swaks python3 jq curl openssl
tt_init sasl-postfix
SMTP="timeout 60 python3 $HERE/smtp_auth.py"
tt_local_cleanup() {
	pf_cleanup
	dv_stop
	if [ "$tap_failed" -ne 0 ]; then
		pf_print_maillog 120
		for f in "$T"/postfix-start.log "$T"/dovecot/dovecot.log; do
			[ -s "$f" ] && { echo "----- $f -----" >&2; tail -n 30 "$f" >&2; }
		done
	fi
}
pf_init

start_backend A
stats() { backend_stat "$BPORT_A" "$1"; }

dv_start "$T/dovecot"
check "real Dovecot starts (auth only)" $? "$(tail -5 "$T/dovecot/dovecot.log" 2>/dev/null)"
[ -n "$DV_PID" ] || bail "Dovecot did not start"

pf_install_helper "$SPAWN"
HCONF=$T/pfxhttp.conf
sasl_conf "$HCONF" "$BPORT_A" 'default_local_port = "587";'
out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$HCONF" -t 2>&1)
check "nobody can run the helper and read its config (-t)" $? "$out"

read -r SPARE PX DV PXN DVN < <(free_ports 5)
# -------------------------------------------- more helpers and listeners
# PXB: a helper whose configuration is refused (it still sends a
# handshake, so smtpd answers 454 instead of dying); PXI: a helper that
# exits after 1 s idle (smtpd reconnects on the next AUTH); PXT: STARTTLS
# (Postfix sends "secured", the backend must get ssl=on); PXK/DVK: tokens
# through tokend (sasl_oidc_auth) and through Dovecot's oauth2 passdb,
# maxproc 10 for parallel sessions
printf 'dovecot_sasl = { smtp = { target = 5; }; };\n' >"$T/bad.conf"
# its own copy: it exits 78 (EX_CONFIG), which spawn(8) logs as a warning
install -m 0755 "$HELPER" "$HELPER-bad"
chmod 0644 "$T/bad.conf"
sasl_conf "$T/idle.conf" "$BPORT_A" 'default_local_port = "587";'
sed -i 's/^server = {$/server = { idle_timeout = "1s";/' "$T/idle.conf"
out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$T/idle.conf" -t 2>&1)
check "idle_timeout 1s: -t accepts it" $? "$out"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sasl.pfxhttp.test \
    -keyout "$T/smtpd.key" -out "$T/smtpd.crt" >/dev/null 2>&1
chmod 0644 "$T/smtpd.crt"
TOKEN=
if [ "${PFX_SASL_TOKENS:-1}" != 0 ] && getent group nogroup >/dev/null; then
	. "$SRCDIR/test/oidc/fixture.sh"
	oidc_fixture_start "$T/oidc" >"$T/oidc-start.log" 2>&1 && {
		TOKEN=$(curl -sS --max-time 10 --cacert "$OIDC_PKI/ca.crt" -u cc-basic:basic-secret \
		    -d grant_type=client_credentials -d scope=api.read "$OIDC_TOKEN_ENDPOINT" |
		    jq -r .access_token)
		[ "$TOKEN" = null ] && TOKEN=
	}
fi
KCONF=$T/tokens.conf
if [ -n "$TOKEN" ]; then
	mkdir -p "$T/run"
	chmod 0755 "$T/run"
	printf 'introspect-secret\n' >"$T/client.secret"
	chmod 0600 "$T/client.secret"
	cat >"$KCONF" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "8s"; connect_timeout = "2s"; };
  tls = { enabled = true; root_ca = "$OIDC_PKI/ca.crt"; };
  tokend = { socket = "$T/run/tokend.sock"; mode = "0660"; group = "nogroup";
             allowed_users = [ "nobody" ]; timeout = "2s"; };
};
dovecot_sasl = {
  smtp = {
    target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json";
    default_local_port = "587";
    sasl_oidc_auth = { enabled = true; configuration_uri = "$OIDC_DISCOVERY_URL";
      client_id = "introspector"; client_secret_file = "$T/client.secret";
      account_claim = "client_id"; };
  };
};
EOF
	chmod 0644 "$KCONF"
	tt_start_tokend "$KCONF"
	check "tokens: pfxhttp-tokend runs (allowed_users nobody)" $? "$(tail -5 "$T/tokend.log")"
	# Dovecot again, with an oauth2 passdb introspecting at the same IdP
	dv_stop
	cat >"$T/oauth2.conf" <<EOF
introspection_mode = post
introspection_url = ${OIDC_INTROSPECTION_ENDPOINT/https:\/\//https://introspector:introspect-secret@}
tls_ca_cert_file = $OIDC_PKI/ca.crt
username_attribute = client_id
active_attribute = active
active_value = true
timeout_msecs = 3000
EOF
	DV_OAUTH2_ARGS=$T/oauth2.conf dv_start "$T/dovecot"
	check "tokens: Dovecot restarted with an oauth2 passdb at the IdP" $? "$(tail -3 "$T/dovecot/dovecot.log")"
else
	echo "# no OIDC provider (or PFX_SASL_TOKENS=0): no token cases"
	cp "$T/idle.conf" "$KCONF"
fi
read -r PXB PXI PXT PXK DVK < <(free_ports 5)
# sanitizer reports of the helpers (an ASan build) go to $T/san; any fails
mkdir -p "$T/san"
chown nobody "$T/san"
SAN_ENV="ASAN_OPTIONS=log_path=$T/san/asan:detect_leaks=1:intercept_tls_get_addr=0"
SAN_ENV="$SAN_ENV UBSAN_OPTIONS=log_path=$T/san/ubsan:print_stacktrace=1"
PF_IMPORT_EXTRA=$SAN_ENV PF_EXPORT_EXTRA="ASAN_OPTIONS UBSAN_OPTIONS" \
    pf_write_main_cf sasl <<EOF
pfxsasl_time_limit = 3600s
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/pfxsasl
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_error_sleep_time = 0
EOF
{
	echo "127.0.0.1:$PX inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/px"
	echo "127.0.0.1:$DV inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/dv -o smtpd_sasl_path=$DV_SOCK"
	echo "127.0.0.1:$PXN inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/pxn -o smtpd_sasl_security_options=noplaintext"
	echo "127.0.0.1:$DVN inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/dvn -o smtpd_sasl_path=$DV_SOCK -o smtpd_sasl_security_options=noplaintext"
	pf_spawn_unix pfxsasl sasl smtp
	echo "127.0.0.1:$PXB inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/pxb -o smtpd_sasl_path=private/pfxbad"
	echo "127.0.0.1:$PXI inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/pxi -o smtpd_sasl_path=private/pfxidle"
	echo "127.0.0.1:$PXT inet n - n - 1 smtpd -o syslog_name=$PF_SYSLOG_NAME/pxt -o smtpd_tls_security_level=may -o smtpd_tls_cert_file=$T/smtpd.crt -o smtpd_tls_key_file=$T/smtpd.key"
	echo "127.0.0.1:$PXK inet n - n - 10 smtpd -o syslog_name=$PF_SYSLOG_NAME/pxk -o smtpd_sasl_path=private/pfxtok"
	echo "127.0.0.1:$DVK inet n - n - 10 smtpd -o syslog_name=$PF_SYSLOG_NAME/dvk -o smtpd_sasl_path=$DV_SOCK"
	printf 'pfxbad unix - n n - 0 spawn\n  user=nobody argv=%s -c %s sasl smtp\n' "$HELPER-bad" "$T/bad.conf"
	printf 'tlsmgr unix - - n 1000? 1 tlsmgr\n'
	printf 'pfxidle unix - n n - 0 spawn\n  user=nobody argv=%s -c %s sasl smtp\n' "$HELPER" "$T/idle.conf"
	printf 'pfxtok unix - n n - 0 spawn\n  user=nobody argv=%s -c %s sasl smtp\n' "$HELPER" "$KCONF"
} | pf_write_master_cf "$SPARE"
pf_start
check "postfix starts" $? "$(cat "$T/postfix-start.log")"
[ "$POSTFIX_UP" -eq 1 ] || bail "postfix did not start"
pf_wait_private pfxsasl || bail "no private/pfxsasl"
wait_for 100 port_open "$PX" && wait_for 100 port_open "$DV" || bail "smtpd does not listen"

# sw PORT MECH USER PASS : swaks AUTH only; prints the reply code to AUTH
# (or "none" when swaks saw no AUTH reply)
sw() {
	local out
	out=$(timeout 60 swaks --server 127.0.0.1 --port "$1" --ehlo client.pfxhttp.test \
	    --auth "$2" --auth-user "$3" --auth-password "$4" --quit-after AUTH 2>&1)
	printf '%s\n' "$out" >>"$T/swaks.log"
	# the last server reply before QUIT's 221
	printf '%s\n' "$out" | grep -E '^<[-~*]+ +[0-9]{3}[ -]' | grep -vE ' 221 ' | tail -1 |
	    sed -E 's/^<[-~*]+ +([0-9]{3}).*/\1/'
}
# sw_mail PORT USER PASS : a whole message after AUTH PLAIN; prints swaks's status
sw_mail() {
	timeout 60 swaks --server 127.0.0.1 --port "$1" --ehlo client.pfxhttp.test \
	    --auth PLAIN --auth-user "$2" --auth-password "$3" \
	    --from sender@pfxhttp.test --to rcpt@example.net >>"$T/swaks.log" 2>&1
	echo $?
}
# code LINE : the reply code of an smtp_auth.py output line
code() { printf '%s\n' "$1" | sed -n 's/^\([0-9][0-9][0-9]\|EOF\).*/\1/p'; }
# last_auth_reply PORT LINES... : smtp_auth.py, the reply to the last line
smtp_last() { $SMTP "$@" | tail -1; }

# ------------------------------------------------------ EHLO AUTH lines
px_ehlo=$($SMTP "$PX" | head -1)
dv_ehlo=$($SMTP "$DV" | head -1)
echo "# EHLO via pfxhttp: $px_ehlo; via Dovecot: $dv_ehlo"
like "EHLO via pfxhttp offers PLAIN and LOGIN" "$px_ehlo" '^AUTH PLAIN LOGIN( |$)'
is "EHLO via Dovecot (reference)" "$dv_ehlo" "AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER"
pxn_ehlo=$($SMTP "$PXN" 2>&1 | head -1)
dvn_ehlo=$($SMTP "$DVN" 2>&1 | head -1)
echo "# noplaintext: EHLO via pfxhttp: '$pxn_ehlo'; via Dovecot: '$dvn_ehlo'"
is "noplaintext: the EHLO AUTH line is Dovecot's (PLAIN/LOGIN hidden)" "$pxn_ehlo" "$dvn_ehlo"
[[ $pxn_ehlo != *PLAIN* && $pxn_ehlo != *LOGIN* ]]
check "noplaintext: PLAIN and LOGIN are hidden via pfxhttp" $? "got: $pxn_ehlo"
grep -q "$PF_SYSLOG_NAME/pxn/smtpd.*fatal: no SASL authentication mechanisms" "$MAILLOG"
check "noplaintext via pfxhttp: smtpd finds no mechanism, as with Dovecot" $? \
    "$(grep -E "/(pxn|dvn)/smtpd" "$MAILLOG" | tail -4)"

# --------------------------------------- the same cases on both servers
# name | mech | user | password : swaks; both must give the same code
diffcase() {
	local name=$1 want=$2 a b
	shift 2
	a=$(sw "$PX" "$@")
	b=$(sw "$DV" "$@")
	is "$name: Dovecot's SMTP code ($b)" "$a" "$b"
	[ -n "$want" ] && is "$name: $want via Dovecot (reference)" "$b" "$want"
}
diffcase "AUTH PLAIN right password" 235 PLAIN bob hunter2
diffcase "AUTH PLAIN wrong password" 535 PLAIN alice wrong
diffcase "AUTH LOGIN right password" 235 LOGIN bob hunter2
diffcase "AUTH LOGIN wrong password" 535 LOGIN bob wrong
diffcase "AUTH PLAIN unknown user" 535 PLAIN nosuchuser secret

# raw cases: NAME WANT LINES... (smtp_auth.py); the codes of all replies
rawcase() {
	local name=$1 want=$2 a b
	shift 2
	a=$($SMTP "$PX" "$@" | tail -n +2 | while read -r l; do code "$l"; done | paste -sd' ')
	b=$($SMTP "$DV" "$@" | tail -n +2 | while read -r l; do code "$l"; done | paste -sd' ')
	is "$name: Dovecot's SMTP codes ($b)" "$a" "$b"
	[ -n "$want" ] && is "$name: $want via Dovecot (reference)" "$b" "$want"
}
rawcase "AUTH PLAIN without initial response (334, then the response)" "334 235" \
    "AUTH PLAIN" 'b64:\0alice\0secret'
rawcase "AUTH PLAIN = (empty initial response)" "535" "AUTH PLAIN ="
rawcase "AUTH LOGIN with the user as initial response" "334 235" \
    "AUTH LOGIN $(printf alice | base64)" 'b64:secret'
rawcase "AUTH PLAIN with authzid != authcid" "535" "AUTH PLAIN $(printf 'bob\0alice\0secret' | base64)"
rawcase "AUTH PLAIN with authzid == authcid" "235" "AUTH PLAIN $(printf 'alice\0alice\0secret' | base64)"
rawcase "AUTH LOGIN aborted with *, then AUTH PLAIN" "334 501 235" \
    "AUTH LOGIN" "*" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)"
rawcase "injection: login name \"\\nOK\\t2\\tuser=victim\"" "535" \
    "AUTH PLAIN $(printf '\0\nOK\t2\tuser=victim\0secret' | base64 -w0)"
rawcase "... then the next client's wrong password is still 535" "535" \
    "AUTH PLAIN $(printf '\0alice\0wrong' | base64)"
rawcase "... and a right one 235" "235" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)"
rawcase "injection: a TAB in the login name" "535" \
    "AUTH PLAIN $(printf '\0alice\tuser=victim\0secret' | base64 -w0)"

# --------------------------------------------- pfxhttp's own SMTP cases
st=$(sw_mail "$PX" alice secret)
is "a message after AUTH PLAIN alice via pfxhttp is accepted" "$st" 0
st=$(sw_mail "$DV" alice secret)
is "... and via Dovecot" "$st" 0
wait_for 50 grep -q "$PF_SYSLOG_NAME/px/smtpd.*sasl_username=alice@example.org" "$MAILLOG"
check "maillog: sasl_username=alice@example.org (the backend's Auth-User)" $? \
    "$(grep -o 'sasl_username=[^ ]*' "$MAILLOG" | sort | uniq -c)"
wait_for 50 grep -q "$PF_SYSLOG_NAME/dv/smtpd.*sasl_username=alice$" "$MAILLOG"
check "maillog: sasl_username=alice via Dovecot (reference)" $? \
    "$(grep -o 'sasl_username=[^ ]*' "$MAILLOG" | sort | uniq -c)"

got=$(smtp_last "$PX" "AUTH PLAIN $(printf '\0inject\0x' | base64)")
echo "# backend Auth-User 'inject<TAB>user=victim': $got"
[[ $(code "$got") != 235 ]]
check "an Auth-User holding a TAB is not a 235" $? "got: $got"
st=$(sw_mail "$PX" inject x)
! grep -Eq 'sasl_username=(victim|inject.)' "$MAILLOG"
check "maillog: no sasl_username=victim or inject<TAB>... (no forged user)" $? \
    "$(grep -o 'sasl_username=.*' "$MAILLOG" | sort | uniq -c)"

got=$(smtp_last "$PX" "AUTH PLAIN $(printf '\0temp\0x' | base64)")
like "backend 500: 454 4.7.0 (temporary), not 535" "$got" '^454 4\.7\.0 '
is "... then the next AUTH works (smtpd reconnects)" \
    "$(code "$(smtp_last "$PX" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")")" 235

got=$(smtp_last "$PX" "AUTH PLAIN $(printf '\0slow\0x' | base64)")
like "backend slower than 10 s: 454 4.7.0" "$got" '^454 4\.7\.0 '
ms=$(printf '%s\n' "$got" | sed -n 's/.*(\([0-9]*\) ms)$/\1/p')
num_cmp "... within about 10 s ($ms ms)" "$ms" -lt 10800
num_cmp "... and not before the entry's timeout (8 s)" "$ms" -ge 7500
is "... then the next AUTH gets its own answer (no late reply taken)" \
    "$(code "$(smtp_last "$PX" "AUTH PLAIN $(printf '\0alice\0wrong' | base64)")")" 535
is "... and the next right one 235" \
    "$(code "$(smtp_last "$PX" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")")" 235

# backend down: stop it, expect 454; start it again on the same port
kill "$BPID_A" 2>/dev/null
wait "$BPID_A" 2>/dev/null
wait_for 50 sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$BPORT_A) 2>/dev/null"
got=$(smtp_last "$PX" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")
like "backend down: 454 4.7.0, not 535" "$got" '^454 4\.7\.0 '
PFXHTTP_BACKEND=$BACKEND_PY run_backend_py "$T/backend-B.port" "$T/backend-B.log" --port "$BPORT_A"
tt_track "$BACKEND_PY_PID"
is "backend back: 235 again" \
    "$(code "$(smtp_last "$PX" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")")" 235

# ------------------------------------------------ refused configuration
got=$($SMTP "$PXB" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")
like "refused configuration: smtpd still offers AUTH (the handshake came)" "$(printf '%s\n' "$got" | head -1)" '^AUTH PLAIN LOGIN'
like "refused configuration: AUTH gets 454 4.7.0, not a dead smtpd" "$(printf '%s\n' "$got" | tail -1)" '^454 4\.7\.0 '
! grep -E "$PF_SYSLOG_NAME/pxb/smtpd.*fatal" "$MAILLOG" >"$T/pxb-fatal"
check "refused configuration: no smtpd fatal" $? "$(cat "$T/pxb-fatal")"

# ----------------------------------------------- helper exits when idle
is "idle helper: first AUTH 235" "$(code "$(smtp_last "$PXI" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")")" 235
sleep 2.5
n_idle=$(pgrep -f "^$HELPER -c $T/idle.conf " | wc -l)
is "idle helper: it exited after idle_timeout (1 s)" "$n_idle" 0
is "idle helper: the next AUTH on the same smtpd reconnects: 235" \
    "$(code "$(smtp_last "$PXI" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")")" 235
is "idle helper: ... and a wrong password 535" \
    "$(code "$(smtp_last "$PXI" "AUTH PLAIN $(printf '\0bob\0nope' | base64)")")" 535

# ------------------------------------------------------------- STARTTLS
got=$(smtp_last "$PXT" STARTTLS "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")
like "STARTTLS, then AUTH PLAIN: 235" "$got" '^235 '
is "STARTTLS: the backend got ssl=on (smtpd sent secured)" "$(stats '.last_auth.body.ssl // "none"')" on
is "without TLS: no ssl field" \
    "$(code "$(smtp_last "$PXT" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)")") $(stats '.last_auth.body.ssl // "none"')" "235 none"

# ----------------------------------------------------- tokens, parallel
if [ -n "$TOKEN" ]; then
	px_ehlo=$($SMTP "$PXK" | head -1)
	dv_ehlo=$($SMTP "$DVK" | head -1)
	is "tokens: EHLO AUTH line as with Dovecot" "$px_ehlo" "$dv_ehlo"
	x_good=$(printf 'user=cc-basic\001auth=Bearer %s\001\001' "$TOKEN" | base64 -w0)
	x_bad=$(printf 'user=cc-basic\001auth=Bearer bad-token\001\001' | base64 -w0)
	o_good=$(printf 'n,a=cc-basic,\001auth=Bearer %s\001\001' "$TOKEN" | base64 -w0)
	o_bad=$(printf 'n,a=cc-basic,\001auth=Bearer bad-token\001\001' | base64 -w0)
	x_other=$(printf 'user=mallory\001auth=Bearer %s\001\001' "$TOKEN" | base64 -w0)
	for c in "XOAUTH2 good token|235|AUTH XOAUTH2 $x_good" \
	    "XOAUTH2 bad token: 334 error challenge, empty answer, 535|334 535|AUTH XOAUTH2 $x_bad|" \
	    "OAUTHBEARER good token|235|AUTH OAUTHBEARER $o_good" \
	    "OAUTHBEARER bad token: 334, then AQ==, 535|334 535|AUTH OAUTHBEARER $o_bad|AQ==" \
	    "XOAUTH2 someone else's token|334 535|AUTH XOAUTH2 $x_other|"; do
		IFS='|' read -r name want l1 l2 <<<"$c"
		args=("$l1")
		[[ $c == *"|$l1|"* ]] && args+=("$l2")
		a=$($SMTP "$PXK" "${args[@]}" | tail -n +2 | while read -r l; do code "$l"; done | paste -sd' ')
		b=$($SMTP "$DVK" "${args[@]}" | tail -n +2 | while read -r l; do code "$l"; done | paste -sd' ')
		is "tokens: $name: Dovecot's SMTP codes ($b)" "$a" "$b"
		is "tokens: $name: $want via Dovecot (reference)" "$b" "$want"
	done
	chall=$($SMTP "$PXK" "AUTH XOAUTH2 $x_bad" | tail -1)
	like "tokens: XOAUTH2 error challenge is Dovecot's JSON" "$chall" \
	    '^334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0= '
	wait_for 30 grep -q "$PF_SYSLOG_NAME/pxk/smtpd.*sasl_method=XOAUTH2" "$MAILLOG" ||
	    st=$(sw_mail "$PXK" bob hunter2)
fi
# 20 sessions at once on a maxproc 10 listener (10 smtpd, 10 helpers,
# all through one tokend when it runs): everyone gets their own answer
par=()
for i in $(seq 20); do
	if [ $((i % 2)) -eq 0 ]; then
		$SMTP "$PXK" "AUTH PLAIN $(printf '\0bob\0hunter2' | base64)" >"$T/par.$i" 2>&1 &
	else
		$SMTP "$PXK" "AUTH PLAIN $(printf '\0alice\0wrong%d' "$i" | base64)" >"$T/par.$i" 2>&1 &
	fi
	par+=($!)
done
wait "${par[@]}"
bad=
for i in $(seq 20); do
	want=535
	[ $((i % 2)) -eq 0 ] && want=235
	got=$(code "$(tail -1 "$T/par.$i")")
	[ "$got" = "$want" ] || bad="$bad $i:$got"
done
is "20 parallel sessions (10 smtpd): each its own answer" "$bad" ""

pf_stop
san=$(cat "$T"/san/* 2>/dev/null | head -40)
is "no sanitizer report from the helpers" "$san" ""
pf_spawn_warnings "$T/spawn-warn"
! grep -v -- "$HELPER-bad exit status 78" "$T/spawn-warn" >"$T/spawn-warn2"
check "spawn(8) logged no helper exiting abnormally (but the refused config's)" $? "$(cat "$T/spawn-warn2")"
grep -q -- "$HELPER-bad exit status 78" "$T/spawn-warn"
check "the refused config's helper exited 78 (EX_CONFIG)" $? "$(cat "$T/spawn-warn")"
! grep -E "$PF_SYSLOG_NAME/px/smtpd.*(fatal|panic)" "$MAILLOG" >"$T/smtpd-fatal"
check "smtpd via pfxhttp logged no fatal/panic" $? "$(cat "$T/smtpd-fatal")"
grep -E "$PF_SYSLOG_NAME/(px|dv)/smtpd.*(fatal|panic|warning)" "$MAILLOG" |
    sed -E 's/^.*(px|dv)\/smtpd\[[0-9]+\]:/# maillog \1:/' | sort | uniq -c | head -40

tt_done
