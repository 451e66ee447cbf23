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
# the maillog (sasl_username=alice@example.org).
#
# Environment (meson test_env): PFXHTTP_SPAWN, PFXHTTP_TOKEND,
# PFXHTTP_SRCDIR, PFXHTTP_BACKEND, PFXHTTP_DIRECT_MODULE.  Needs root,
# postfix, dovecot-core, swaks, python3, jq, curl.  PFXHTTP_TT_KEEP=1
# keeps the temporary directory.  Output is TAP.

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tokend/common.sh"
. "$SRCDIR/test/lib/postfix.sh"
. "$HERE/lib.sh"

pf_require
tt_need dovecot swaks python3 jq curl
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

pf_stop
san=$(cat "$T"/san/* 2>/dev/null | head -40)
is "no sanitizer report from the helpers" "$san" ""
pf_spawn_warnings "$T/spawn-warn"
check "spawn(8) logged no helper exiting abnormally" $? "$(cat "$T/spawn-warn")"
! grep -E "$PF_SYSLOG_NAME/px/smtpd.*(fatal|panic)" "$MAILLOG" >"$T/smtpd-fatal"
check "smtpd via pfxhttp logged no fatal/panic" $? "$(cat "$T/smtpd-fatal")"
grep -E "$PF_SYSLOG_NAME/(px|dv)/smtpd.*(fatal|panic|warning)" "$MAILLOG" |
    sed -E 's/^.*(px|dv)\/smtpd\[[0-9]+\]:/# maillog \1:/' | sort | uniq -c | head -40

tt_done
