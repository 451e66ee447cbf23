#!/bin/bash
#
# dovecot-ref.sh - pfxhttp-spawn sasl against Debian's real Dovecot 2.3,
# dialogue by dialogue, on the Dovecot auth-client protocol
#
# Starts a private, auth-only Dovecot (test/sasl/lib.sh: passwd-file
# alice:{PLAIN}secret and bob:{PLAIN}hunter2, an oauth2 passdb that
# introspects tokens at test/oidc's real oidc-provider, no failure delay
# beyond Dovecot's 0.5 s tick, no auth penalty) and runs auth_client.py's
# scripted dialogues on its auth-client socket, as Postfix smtpd would
# (VERSION/CPID, then AUTH/CONT lines with service=smtp, nologin, lip, rip).
# Then it runs the same dialogues against "pfxhttp-spawn -c CONF sasl smtp"
# (stdin/stdout on a socketpair, as spawn(8) runs it) whose dovecot_sasl
# entry checks passwords at test/backend/backend.py's /api/v1/auth/json,
# which knows the same users.  compare.py asserts what matters (the
# handshake, OK/FAIL/CONT and ids per dialogue, challenges byte for byte,
# no reply missing, well-formed fields) and prints every other byte
# difference as a "# NOTE" line.  Then pfxhttp-only cases: the JSON the
# backend got, backend failures (closed connection or FAIL), a slow
# backend, a TAB in the backend's Auth-User, pipelined requests.
#
# Token dialogues (XOAUTH2/OAUTHBEARER, bad and good tokens, another
# user's token) run against both when the OIDC provider is available:
# Dovecot's oauth2 passdb and pfxhttp's sasl_oidc_auth (checked by a
# pfxhttp-tokend started here) introspect at the same oidc-provider, and
# both take the account from the token's client_id.  PFX_SASL_TOKENS=0
# skips the pfxhttp half (tokend's own test is tokend-sasl-token).  PFX_SASL_DOVECOT_ONLY=1 checks the Dovecot half alone (to
# prove the harness without pfxhttp's sasl kind).
#
# Two modes (the first argument, or PFX_SASL_MODE; default direct):
# direct, where pfxhttp-spawn calls the backend itself, and tokend, where
# the entries are served through a pfxhttp-tokend started here.
#
# Environment (meson test_env): PFXHTTP_SPAWN, PFXHTTP_TOKEND,
# PFXHTTP_SRCDIR, PFXHTTP_BACKEND, PFXHTTP_DIRECT_MODULE.  Needs root
# (Dovecot), dovecot-core, python3, curl, jq; node for the OIDC provider
# (without it the token dialogues are skipped).  PFXHTTP_TT_KEEP=1 keeps
# the temporary directory.  Output is TAP.

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tokend/common.sh"
. "$HERE/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to run a private Dovecot"
tt_need dovecot python3 curl jq
tt_init sasl-ref
tt_local_cleanup() { dv_stop; }
AC="python3 $HERE/auth_client.py"
DVO=${PFX_SASL_DOVECOT_ONLY:-0}
MODE=${1:-${PFX_SASL_MODE:-direct}}
case $MODE in
direct | tokend) echo "# mode: $MODE" ;;
*) bail "the mode must be direct or tokend, not '$MODE'" ;;
esac

start_backend A
# stats JQ : the backend's /stats
stats() { backend_stat "$BPORT_A" "$1"; }

# ------------------------------------------------- OIDC provider (tokens)
TOKEN=
TOKEN_USER=cc-basic
. "$SRCDIR/test/oidc/fixture.sh"
# the start-up steps say how long they took: a slow one shows in the log
SECONDS=0
oidc_fixture_start "$T/oidc" >"$T/oidc-start.log" 2>&1
rc=$?
echo "# OIDC provider start: status $rc after ${SECONDS}s"
if [ $rc -eq 0 ]; then
	cat >"$T/oauth2.conf" <<EOF
introspection_mode = post
introspection_url = ${OIDC_INTROSPECTION_ENDPOINT/https:\/\//https://introspector:introspect-secret@}
tls_ca_cert_file = $OIDC_PKI/ca.crt
username_attribute = client_id
active_attribute = active
active_value = true
timeout_msecs = 3000
EOF
	export DV_OAUTH2_ARGS=$T/oauth2.conf
	TOKEN=$(curl -sS --max-time 20 --retry 2 --cacert "$OIDC_PKI/ca.crt" -u cc-basic:basic-secret \
	    -d grant_type=client_credentials -d scope=api.read "$OIDC_TOKEN_ENDPOINT" \
	    2>"$T/token.err" | jq -r .access_token)
	[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || TOKEN=
	echo "# token fetched after ${SECONDS}s"
	[ -n "$TOKEN" ]
	check "a client-credentials token from the OIDC provider" $? "$(cat "$T/token.err")"
elif [ $rc -eq 77 ]; then
	echo "# OIDC provider not installed: no token dialogues"
else
	not_ok "the OIDC provider starts" "$(tail -20 "$T/oidc-start.log")"
fi

# ------------------------------------------------------------ real Dovecot
dv_start "$T/dovecot"
check "real Dovecot starts (auth only) and listens on $DV_SOCK" $? "$(tail -5 "$T/dovecot/dovecot.log" 2>/dev/null)"
echo "# Dovecot up after ${SECONDS}s"
[ -n "$DV_PID" ] || bail "Dovecot did not start"
# "--token=VALUE": a token may begin with "-", which argparse would take for an option

timeout 120 $AC --unix "$DV_SOCK" dialogues ${TOKEN:+"--token=$TOKEN" "--token-user=$TOKEN_USER"} \
    >"$T/dovecot.jsonl" 2>"$T/dovecot-client.err"
check "auth_client.py ran every dialogue against Dovecot" $? "$(cat "$T/dovecot-client.err")"

# dv NAME : Dovecot's normalised replies of a dialogue, one a line, TABs as \t
dv() { jq -r --arg n "$1" 'select(.name == $n) | .norm[]' "$T/dovecot.jsonl" | sed 's/\t/\\t/g'; }
nl2() { printf '%s' "$1" | tr '\n' '|'; }

# The reference itself (protocols.md §5.2, §5.7): if these fail, the
# harness is wrong, not pfxhttp
is "dovecot: handshake" "$(nl2 "$(dv handshake)")" \
    'VERSION\t1\t2|MECH\tPLAIN\tplaintext|MECH\tLOGIN\tplaintext|MECH\tXOAUTH2\tplaintext|MECH\tOAUTHBEARER\tplaintext|SPID\t<pid>|CUID\t<n>|COOKIE\t<cookie>|DONE'
is "dovecot: PLAIN right password" "$(dv plain-ok)" 'OK\t<id>\tuser=alice'
is "dovecot: PLAIN wrong password" "$(dv plain-wrong)" 'FAIL\t<id>\tuser=alice'
is "dovecot: PLAIN resp== (AUTH PLAIN =)" "$(dv plain-resp-equals)" 'FAIL\t<id>'
is "dovecot: PLAIN without resp, then CONT" "$(nl2 "$(dv plain-no-resp-then-cont)")" 'CONT\t<id>\t|OK\t<id>\tuser=alice'
is "dovecot: LOGIN" "$(nl2 "$(dv login-ok)")" 'CONT\t<id>\tVXNlcm5hbWU6|CONT\t<id>\tUGFzc3dvcmQ6|OK\t<id>\tuser=alice'
is "dovecot: LOGIN with initial response" "$(nl2 "$(dv login-initial-resp)")" 'CONT\t<id>\tUGFzc3dvcmQ6|OK\t<id>\tuser=alice'
is "dovecot: CONT for an unknown id" "$(dv cont-unknown-id)" 'FAIL\t<id>\treason=Authentication request timed out'
is "dovecot: authzid != authcid" "$(dv plain-authzid-other)" 'FAIL\t<id>\tuser=alice'
if [ -n "$TOKEN" ]; then
	is "dovecot: XOAUTH2 bad token: error challenge, then FAIL" "$(nl2 "$(dv xoauth2-bad-token)")" \
	    'CONT\t<id>\teyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=|FAIL\t<id>\tuser=alice'
	is "dovecot: OAUTHBEARER bad token: error challenge, then FAIL" "$(nl2 "$(dv oauthbearer-bad-token)")" \
	    'CONT\t<id>\teyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=|FAIL\t<id>\tuser=alice'
	like "dovecot: XOAUTH2 good token (introspected at oidc-provider)" "$(dv xoauth2-good-token)" \
	    '^OK\\t<id>\\tuser=cc-basic\\ttoken='
fi

if [ "$DVO" = 1 ]; then
	echo "# PFX_SASL_DOVECOT_ONLY=1: pfxhttp not tested"
	tt_done
fi

# ----------------------------------------------------------- pfxhttp-spawn
# One configuration, several entries: smtp (the differential), fast (a
# 2 s timeout), down (a closed port), fail and fail2 (temporary_failure
# fail, backend down or answering 500).  tokend mode adds server.tokend
# and starts pfxhttp-tokend, which then makes every HTTP call.
CONF=$T/pfxhttp.conf
read -r DEAD < <(free_ports 1)
TOKEND_BLOCK=
[ "$MODE" = tokend ] &&
    TOKEND_BLOCK="tokend = { socket = \"$T/tokend-pw.sock\"; mode = \"0600\"; timeout = \"2s\"; };"
cat >"$CONF" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "8s"; connect_timeout = "2s"; };
  $TOKEND_BLOCK
};
dovecot_sasl = {
  smtp = { target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json"; default_local_port = "587"; };
  fast = { target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json"; default_local_port = "587";
           timeout = "2s"; };
  down = { target = "http://127.0.0.1:$DEAD/api/v1/auth/json"; };
  fail = { target = "http://127.0.0.1:$DEAD/api/v1/auth/json"; temporary_failure = "fail"; };
  fail2 = { target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json"; temporary_failure = "fail"; };
  slowfail = { target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json"; failure_delay = "2s"; };
};
EOF
chmod 0644 "$CONF"
out=$(timeout 10 "$SPAWN" -c "$CONF" -t 2>&1)
check "pfxhttp-spawn -t accepts the dovecot_sasl entries" $? "$out"
if [ "$MODE" = tokend ]; then
	tt_start_tokend "$CONF" "$T/tokend-pw.log"
	check "tokend mode: pfxhttp-tokend runs" $? "$(tail -5 "$T/tokend-pw.log" 2>/dev/null)"
fi
px_run() { # NAME OUT ARGS... : the dialogues against pfxhttp-spawn sasl NAME
	local name=$1 outf=$2
	shift 2
	timeout 150 $AC --exec "exec $SPAWN -c $CONF sasl $name" dialogues "$@" >"$outf" 2>"$outf.err"
}
px_run smtp "$T/pfxhttp.jsonl" --only "$($AC --list | grep -Ev '^(xoauth2|oauthbearer)-' | paste -sd,)"
check "auth_client.py ran every dialogue against pfxhttp-spawn sasl" $? "$(cat "$T/pfxhttp.jsonl.err")"

while IFS=$'\t' read -r kind name diag; do
	case $kind in
	PASS) ok "$name" ;;
	FAIL) not_ok "$name" "$diag" ;;
	NOTE) echo "# NOTE $name: $diag" ;;
	esac
done < <(python3 "$HERE/compare.py" "$T/dovecot.jsonl" "$T/pfxhttp.jsonl")

# px FILE NAME : pfxhttp's normalised replies
px() { jq -r --arg n "$2" 'select(.name == $n) | .norm[]' "$1" | sed 's/\t/\\t/g'; }
pxf() { jq -r --arg n "$2" "select(.name == \$n) | $3" "$1"; }
P=$T/pfxhttp.jsonl
is "pfxhttp: PLAIN alice: user= is the backend's Auth-User" "$(px "$P" plain-ok)" 'OK\t<id>\tuser=alice@example.org'
is "pfxhttp: PLAIN bob (no Auth-User): user= is the login name" "$(px "$P" plain-ok-bob)" 'OK\t<id>\tuser=bob'
like "pfxhttp: a wrong password is a FAIL with user=" "$(px "$P" plain-wrong)" '^FAIL\\t<id>\\tuser=alice(\\t|$)'
names=$(stats '.auth_usernames[] | select(. != null) | select(test("[[:cntrl:]]"))' | head -3)
is "pfxhttp: usernames with control bytes never reach the backend" "$names" ""
is "pfxhttp: the backend refused no request (Nauthilus's strict schema)" "$(stats .auth_refused)" 0

# ------------------------------------------------- pfxhttp-only dialogues
px_run fast "$T/pfx-only.jsonl" --set pfx
check "auth_client.py ran the pfxhttp-only dialogues" $? "$(cat "$T/pfx-only.jsonl.err")"
Q=$T/pfx-only.jsonl
is "backend 403 without Auth-Status: FAIL without reason (like Dovecot)" "$(px "$Q" x-nostatus)" 'FAIL\t<id>\tuser=nostatus'
like "backend 403 with an Auth-Status: FAIL" "$(px "$Q" x-leak)" '^FAIL\\t<id>\\tuser=leak'
echo "# NOTE x-leak (Auth-Status 'see http://10.0.0.1:8080/internal error trace'): $(px "$Q" x-leak)"
got=$(px "$Q" x-inject)
echo "# NOTE x-inject (Auth-User 'inject<TAB>user=victim'): $got"
if [[ $got == *'\tuser=victim'* ]] || [[ $got != FAIL* && $got != OK* ]]; then
	not_ok "a TAB in the backend's Auth-User never makes a field (user=victim)" "got: $got"
else
	ok "a TAB in the backend's Auth-User never makes a field (user=victim)"
fi
is "LOGIN bob/hunter2" "$(nl2 "$(px "$Q" x-login-bob)")" 'CONT\t<id>\tVXNlcm5hbWU6|CONT\t<id>\tUGFzc3dvcmQ6|OK\t<id>\tuser=bob'
is "AUTH ... secured: OK" "$(px "$Q" x-secured)" 'OK\t<id>\tuser=bob'
# (the FAIL may carry a reason=; only its first fields are compared)
like "two AUTH lines in one write: both answered, in order" "$(nl2 "$(px "$Q" x-pipelined)")" \
    '^OK\\t<id>\\tuser=alice@example.org\|FAIL\\t<id\+1>\\tuser=alice(\\t|$)'

is "backend 500 (temporary_failure close): connection closed, no reply" \
    "$(pxf "$Q" x-temp '"\(.norm | length) \(.eof)"')" "0 true"
is "backend slower than the entry's timeout (2 s): connection closed, no reply" \
    "$(pxf "$Q" x-slow '"\(.norm | length) \(.eof)"')" "0 true"
ms=$(pxf "$Q" x-slow '.eof_ms // "none"')
num_cmp "... and closed within 4 s ($ms ms)" "$ms" -lt 4000
num_cmp "... but not before the timeout" "$ms" -ge 1900
ms=$(pxf "$Q" x-temp '.eof_ms // "none"')
num_cmp "backend 500: closed at once ($ms ms)" "$ms" -lt 1000
got=$(pxf "$Q" x-long-line '"\(.norm | join("|")) eof=\(.eof)"')
echo "# NOTE x-long-line (a 20 kB AUTH line): $got"
[[ $got != OK* ]]
check "a line over Dovecot's 16384 bytes is never an OK" $? "got: $got"
# odd backend answers: never an OK with a name the backend did not send
# cleanly, never a control byte on the wire
is "Auth-User empty: user= is the login name" "$(px "$Q" x-odd-emptyuser)" 'OK\t<id>\tuser=emptyuser'
is "Auth-User UTF-8: passed as it is" "$(px "$Q" x-odd-utf8user)" "OK\\t<id>\\tuser=j$(printf '\303\274')rgen@example.org"
is "Auth-User with surrounding spaces (HTTP trims them)" "$(px "$Q" x-odd-spaceuser)" 'OK\t<id>\tuser=spaced@example.org'
for u in longuser ctluser s401 s404 longstatus ctlstatus utf8status; do
	got=$(px "$Q" "x-odd-$u")
	like "backend answer '$u': a FAIL for the login name" "$got" "^FAIL\\\\t<id>\\\\tuser=$u(\\\\t|\$)"
	echo "# NOTE x-odd-$u: $got"
done
for u in s201 s302; do
	is "backend status $u (not status_code, not 4xx): connection closed, no reply" \
	    "$(pxf "$Q" "x-odd-$u" '"\(.norm | length) \(.eof)"')" "0 true"
done
bad=$(jq -r '.got[]' "$Q" | LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' | head -3)
is "no control byte in any reply line" "$bad" ""
is "x-ok-after: the connection still works after the special cases" "$(px "$Q" x-ok-after)" 'OK\t<id>\tuser=bob'

# The JSON the backend gets (one dialogue each, then /stats last_auth)
px_run smtp "$T/one.jsonl" --set pfx --only x-secured
is "backend JSON for PLAIN with secured (default_local_port 587)" \
    "$(stats '.last_auth.body | to_entries | map("\(.key)=\(.value)") | sort | join(" ")')" \
    "client_ip=127.0.0.1 local_ip=127.0.0.1 local_port=587 method=PLAIN password=hunter2 protocol=smtp ssl=on username=bob"
px_run smtp "$T/one.jsonl" --set pfx --only x-login-bob
is "backend JSON for LOGIN (no ssl without secured)" \
    "$(stats '.last_auth.body | to_entries | map("\(.key)=\(.value)") | sort | join(" ")')" \
    "client_ip=127.0.0.1 local_ip=127.0.0.1 local_port=587 method=LOGIN password=hunter2 protocol=smtp username=bob"
ct=$(stats '.last_auth.headers["Content-Type"] // ""')
like "backend request is JSON (Content-Type)" "$ct" '^application/json'

# Backend down / temporary_failure
px_run down "$T/down.jsonl" --only plain-ok
is "backend down (temporary_failure close): connection closed, no reply" \
    "$(pxf "$T/down.jsonl" plain-ok '"\(.norm | length) \(.eof)"')" "0 true"
px_run fail "$T/fail.jsonl" --only plain-ok,plain-ok-bob
like "backend down (temporary_failure fail): FAIL" "$(px "$T/fail.jsonl" plain-ok)" '^FAIL\\t<id>'
like "... and the connection stays open (the next request is answered too)" "$(px "$T/fail.jsonl" plain-ok-bob)" '^FAIL\\t<id>'
echo "# NOTE backend down, temporary_failure fail: $(px "$T/fail.jsonl" plain-ok)"
px_run fail2 "$T/fail2.jsonl" --set pfx --only x-temp,x-ok-after
like "backend 500 (temporary_failure fail): FAIL" "$(px "$T/fail2.jsonl" x-temp)" '^FAIL\\t<id>'
echo "# NOTE backend 500, temporary_failure fail: $(px "$T/fail2.jsonl" x-temp)"

# failure_delay (Dovecot's auth_failure_delay): a failed login waits, a
# good one and a temporary failure do not (the time from the AUTH line
# to its answer, as auth_client.py measures it)
px_run slowfail "$T/sf-ok.jsonl" --only plain-ok
px_run slowfail "$T/sf-wrong.jsonl" --only plain-wrong
is "failure_delay: a right password is an OK" "$(px "$T/sf-ok.jsonl" plain-ok)" 'OK\t<id>\tuser=alice@example.org'
like "failure_delay: a wrong one a FAIL" "$(px "$T/sf-wrong.jsonl" plain-wrong)" '^FAIL\\t<id>\\tuser=alice(\\t|$)'
ms=$(pxf "$T/sf-wrong.jsonl" plain-wrong '.ms[0] // "none"')
num_cmp "failure_delay 2s: the FAIL came after 2 s ($ms ms)" "$ms" -ge 1950
num_cmp "... and not much later" "$ms" -lt 5000
ms=$(pxf "$T/sf-ok.jsonl" plain-ok '.ms[0] // "none"')
num_cmp "... the OK came at once ($ms ms)" "$ms" -lt 1500

# ------------------------------------------------ tokens (XOAUTH2, OAUTHBEARER)
if [ -z "$TOKEN" ] || [ "${PFX_SASL_TOKENS:-1}" = 0 ]; then
	echo "# token dialogues against pfxhttp skipped (${TOKEN:+PFX_SASL_TOKENS=0}${TOKEN:-no OIDC provider})"
	tt_done
fi
if [ "$MODE" = tokend ]; then
	# every password check went through tokend, none directly
	n_tok=0
	for e in smtp fast fail2 slowfail; do
		n_tok=$((n_tok + $(tcount "$CONF" "dovecot_sasl.$e" backend_calls)))
	done
	is "tokend mode: tokend made every backend call ($n_tok)" "$n_tok" "$(stats .auth_requests)"
fi
tt_stop_tokend >/dev/null 2>&1	# tokend mode's; the token entry has its own
TCONF=$T/pfxhttp-tokens.conf
cat >"$TCONF" <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "8s"; connect_timeout = "2s"; };
  tls = { enabled = true; root_ca = "$OIDC_PKI/ca.crt"; };
  tokend = { socket = "$T/tokend.sock"; mode = "0600"; timeout = "2s"; };
};
dovecot_sasl = {
  smtp = {
    target = "http://127.0.0.1:$BPORT_A/api/v1/auth/json";
    default_local_port = "587";
    sasl_oidc_auth = {
      enabled = true;
      configuration_uri = "$OIDC_DISCOVERY_URL";
      client_id = "introspector";
      client_secret = "introspect-secret";
      account_claim = "client_id";
    };
  };
};
EOF
chmod 0600 "$TCONF"
out=$(timeout 10 "$SPAWN" -c "$TCONF" -t 2>&1)
check "tokens: pfxhttp-spawn -t accepts sasl_oidc_auth" $? "$out"
tt_start_tokend "$TCONF"
check "tokens: pfxhttp-tokend runs" $? "$(tail -5 "$T/tokend.log" 2>/dev/null)"
toks=$($AC --list | grep -E "^(xoauth2|oauthbearer)-" | paste -sd,),xoauth2-good-token,oauthbearer-good-token,xoauth2-other-user,plain-ok
CONF=$TCONF px_run smtp "$T/tokens.jsonl" "--token=$TOKEN" "--token-user=$TOKEN_USER" --only "$toks"
check "tokens: auth_client.py ran the token dialogues against pfxhttp" $? "$(cat "$T/tokens.jsonl.err")"
while IFS=$'\t' read -r kind name diag; do
	case $kind in
	PASS) ok "$name" ;;
	FAIL) not_ok "$name" "$diag" ;;
	NOTE) echo "# NOTE $name: $diag" ;;
	esac
done < <(python3 "$HERE/compare.py" "$T/dovecot.jsonl" "$T/tokens.jsonl" "tokens: ")
K=$T/tokens.jsonl
is "tokens: XOAUTH2 good token: OK with the token's account, no token= on the wire" \
    "$(px "$K" xoauth2-good-token)" "OK\\t<id>\\tuser=$TOKEN_USER"
is "tokens: OAUTHBEARER good token: OK with the token's account" \
    "$(px "$K" oauthbearer-good-token)" "OK\\t<id>\\tuser=$TOKEN_USER"
! jq -r '.got[]' "$K" | grep -qF "$TOKEN"
check "tokens: the bearer token never appears in a reply" $?
is "tokens: the token never reached the password backend" \
    "$(stats '[.auth_usernames[] | select(. == "cc-basic" or . == "mallory")] | length')" 0

tt_done
