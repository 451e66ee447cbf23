#!/bin/bash
#
# tokend-oidc.sh - OIDC client-credentials tokens from pfxhttp-tokend,
# used by pfxhttp-spawn against a backend that checks them.
#
# The IdP is a real oidc-provider (test/oidc/idp.js over HTTPS with a test
# CA) and the backend test/oidc/protected-backend.js (every request's
# Bearer token is introspected at the IdP).  For each client
# authentication (client_secret_basic incl. a secret that needs RFC 6749
# section 2.3.1 form-encoding, client_secret_post, private_key_jwt with
# RSA PKCS#8/PKCS#1, RS256/PS256, EC P-256 PKCS#8/SEC1, P-384, Ed25519)
# a socketmap lookup must come back "OK found:..", and the IdP's own
# record of the token request must show the expected method, alg and kid
# (none by default, the RFC 7638 thumbprint with private_key_id =
# "thumbprint"; a client registered with a key under its own kid works
# without private_key_id and is refused the thumbprint).  Then: client_secret_file, scopes, token reuse
# across 20 spawn processes, refresh at 3/4 of the token's life, an IdP
# outage (real kill: a valid token keeps being served; after expiry the
# answer is TEMP quickly; a restarted IdP is used again), Authorization
# custom headers replaced by the token, and -t for both programs.
#
# The outage part uses test/backend/backend.py (no token check, records
# the last request's headers), since the protected backend needs the IdP.
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need node npm curl openssl jq python3
tt_init tokend-oidc

tt_start_oidc
DISC=$OIDC_DISCOVERY_URL
start_backend plain
PP=$BPORT_plain

# (idp PATH, count WHAT and bstat FILTER: common.sh)
idp_post() { curl -sS --max-time 10 --cacert "$PKI/ca.crt" -H 'Content-Type: application/json' -d "$2" "$OIDC_IDP_URL$1"; }
last() { idp /test/stats | jq -r --arg c "$1" ".token.by_client[\$c].last$2 // empty"; }
authorized() { curl -sS --max-time 5 "$BE/stats/client/$1" | tr -d '\n'; }

# ------------------------------------------------------------- config

printf 's p+e:c%%ial/=&\n' >"$T/special.secret"
printf 'wrong-secret\n' >"$T/wrong.secret"
chmod 0600 "$T/special.secret" "$T/wrong.secret"
C=$T/pfxhttp.conf

# entry NAME CLIENT TARGET OIDC-SETTINGS [ENTRY-SETTINGS]
entry() {
	cat <<EOF
  $1 = {
    target = "$3"; value_field = "data.result"; ${5:-}
    backend_oidc_auth = { enabled = true; configuration_uri = "$DISC";
      client_id = "$2"; $4 };
  };
EOF
}
{
	cat <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "3s"; connect_timeout = "1s"; };
  tls = { enabled = true; root_ca = "$PKI/ca.crt"; };
  tokend = { socket = "$T/tokend.sock"; mode = "0600"; timeout = "1s"; };
};
socket_maps = {
EOF
	M=$BE/map
	entry basic cc-basic "$M" 'client_secret = "basic-secret"; auth_method = "client_secret_basic";'
	entry special cc-basic-special "$M" 'client_secret = "s p+e:c%ial/=&"; auth_method = "client_secret_basic";'
	entry post cc-post "$M" 'client_secret = "post-secret"; auth_method = "client_secret_post";'
	entry rsa cc-jwt-rsa "$M" "private_key_file = \"$PKI/client-rsa.key\"; auth_method = \"private_key_jwt\";"
	entry rsa1 cc-jwt-rsa "$M" "private_key_file = \"$PKI/client-rsa.pkcs1.key\"; private_key_id = \"thumbprint\";"
	entry rsaps cc-jwt-rsa "$M" "private_key_file = \"$PKI/client-rsa.key\"; signing_alg = \"PS256\";"
	entry ec cc-jwt-ec "$M" "private_key_file = \"$PKI/client-ec256.key\";"
	entry ecsec1 cc-jwt-ec "$M" "private_key_file = \"$PKI/client-ec256.sec1.key\"; private_key_id = \"thumbprint\";"
	entry ec384 cc-jwt-ec384 "$M" "private_key_file = \"$PKI/client-ec384.key\";"
	entry ed cc-jwt-ed "$M" "private_key_file = \"$PKI/client-ed25519.key\"; private_key_id = \"thumbprint\";"
	entry ownkid cc-jwt-ownkid "$M" "private_key_file = \"$PKI/client-rsa.key\";"
	entry ownkidset cc-jwt-ownkid "$M" "private_key_file = \"$PKI/client-rsa.key\"; private_key_id = \"own-kid-1\";"
	entry ownkidthumb cc-jwt-ownkid "$M" "private_key_file = \"$PKI/client-rsa.key\"; private_key_id = \"thumbprint\";"
	entry rogue cc-jwt-rsa "$M" "private_key_file = \"$PKI/client-rogue-rsa.key\";"
	entry secfile cc-basic-special "$M" "client_secret_file = \"$T/special.secret\"; scopes = [ \"api.write\" ];"
	entry wrong cc-basic "$M" "client_secret_file = \"$T/wrong.secret\"; scopes = [ \"api.read\", \"api.write\" ];"
	entry ro cc-read-only "$M" 'client_secret = "read-secret"; scopes = [ "api.read" ];'
	entry rowrite cc-read-only "$M" 'client_secret = "read-secret"; scopes = [ "api.write" ];'
	entry reuse cc-jwt-multi "$M" "private_key_file = \"$PKI/client-ec256.key\";"
	entry refresh cc-basic "$M" 'client_secret = "basic-secret"; scopes = [ "api.write" ];'
	entry hdr cc-post "$M" 'client_secret = "post-secret"; auth_method = "client_secret_post"; scopes = [ "api.write" ];' \
	    'custom_headers = [ "Authorization: Basic Zm9vOmJhcg==", "X-Extra: kept" ];'
	entry hdrplain cc-post "http://127.0.0.1:$PP/map" 'client_secret = "post-secret"; auth_method = "client_secret_post"; scopes = [ "api.write" ];' \
	    'custom_headers = [ "authorization: Basic Zm9vOmJhcg==", "X-Extra: kept" ];'
	entry backoff cc-jwt-ed "$M" "private_key_file = \"$PKI/client-ed25519.key\"; signing_alg = \"EdDSA\";"
	entry outage cc-post "http://127.0.0.1:$PP/map" 'client_secret = "post-secret"; auth_method = "client_secret_post"; scopes = [ "api.read" ];'
	echo "};"
} >"$C"
chmod 0644 "$C"

# ------------------------------------------------------------- -t checks

out=$("$TOKEND" -c "$C" -t 2>&1)
check "tokend -t accepts the configuration (all key files load)" $? "$out"

sed "s|$PKI/client-ec384.key|$T/no-such.key|" "$C" >"$T/missing-key.conf"
line=$(grep -n 'no-such.key' "$T/missing-key.conf" | cut -d: -f1)
out=$("$TOKEND" -c "$T/missing-key.conf" -t 2>&1)
st=$?
[ $st -ne 0 ] && [[ $out =~ $T/missing-key.conf:([0-9]+):.*private_key_file ]]
check "tokend -t refuses a missing private_key_file with FILE:LINE" $? "exit $st" "$out"
[ -n "${BASH_REMATCH[1]:-}" ] && [ "${BASH_REMATCH[1]}" -ge "$((line - 3))" ] && [ "${BASH_REMATCH[1]}" -le "$line" ]
check "tokend -t: the LINE points at the entry (file line $line)" $? "$out"
printf 'not a key\n' >"$T/garbage.key"
sed "s|$PKI/client-ec384.key|$T/garbage.key|" "$C" >"$T/garbage-key.conf"
out=$("$TOKEND" -c "$T/garbage-key.conf" -t 2>&1)
st=$?
[ $st -ne 0 ] && [[ $out == *ec384* ]]
check "tokend -t refuses an unusable private key and names the entry" $? "exit $st" "$out"
sed "s|$T/special.secret|$T/no-such.secret|" "$C" >"$T/missing-secret.conf"
out=$("$TOKEND" -c "$T/missing-secret.conf" -t 2>&1)
st=$?
[ $st -ne 0 ] && [[ $out =~ missing-secret.conf:[0-9]+:.*client_secret_file ]]
check "tokend -t refuses a missing client_secret_file with FILE:LINE" $? "exit $st" "$out"
out=$("$SPAWN" -c "$T/missing-secret.conf" -t 2>&1)
check "spawn -t accepts a config whose client_secret_file does not exist" $? "$out"
out=$(timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$SPAWN" -c "$C" -t 2>&1)
check "spawn -t as nobody accepts a config whose secret/key files it cannot read" $? "$out"
! setpriv --reuid=65534 --regid=65534 --clear-groups cat "$T/special.secret" >/dev/null 2>&1
check "(nobody really cannot read the 0600 secret file)" $?

tt_start_tokend "$C" || bail "tokend did not start"

# ---------------------------------------------- client authentication

# variant NAME CLIENT AUTH ALG KIDFILE : one lookup, then the IdP's record
variant() {
	local name=$1 client=$2 auth=$3 alg=$4 kidf=$5 c0 a0 r
	c0=$(count "token/$client")
	a0=$(authorized "$client")
	r=$(sm "$C" "$name" "$name@example.com")
	is "$name: socketmap lookup via $client is found" "$r" "OK found:$name@example.com"
	is "$name: the IdP saw one token request from $client" "$(($(count "token/$client") - c0))" 1
	is "$name: the backend authorized one request from $client" "$(($(authorized "$client") - a0))" 1
	is "$name: IdP saw auth method $auth" "$(last "$client" .auth)" "$auth"
	is "$name: token request succeeded (HTTP 200)" "$(last "$client" .status)" 200 \
	    "$(last "$client" .error_description)"
	if [ -n "$alg" ]; then
		is "$name: assertion alg $alg" "$(last "$client" .alg)" "$alg"
		if [ -n "$kidf" ]; then
			is "$name: assertion kid = RFC 7638 thumbprint ($kidf)" "$(last "$client" .kid)" "$(cat "$PKI/$kidf")"
		else
			is "$name: assertion without a kid (no private_key_id)" "$(last "$client" .kid)" ""
		fi
		is "$name: assertion iss = sub = client_id, aud = token endpoint" \
		    "$(last "$client" '.assertion.claims | "\(.iss) \(.sub) \(.aud)"')" \
		    "$client $client $OIDC_TOKEN_ENDPOINT"
		r=$(last "$client" '.assertion.claims | (.exp - .iat > 0 and .exp - .iat <= 300 and (.jti | length) >= 16)')
		is "$name: assertion has exp > iat (short-lived) and a jti" "$r" true
		is "$name: client_assertion_type jwt-bearer" "$(last "$client" .client_assertion_type)" \
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	fi
}
variant basic cc-basic client_secret_basic "" ""
variant special cc-basic-special client_secret_basic "" ""
is "special: Basic user part was form-encoded (RFC 6749 2.3.1)" "$(last cc-basic-special .basic_raw_user)" "cc-basic-special"
variant post cc-post client_secret_post "" ""
variant rsa cc-jwt-rsa private_key_jwt RS256 ""
variant rsa1 cc-jwt-rsa private_key_jwt RS256 client-rsa.kid
variant rsaps cc-jwt-rsa private_key_jwt PS256 ""
variant ec cc-jwt-ec private_key_jwt ES256 ""
variant ecsec1 cc-jwt-ec private_key_jwt ES256 client-ec256.kid
variant ec384 cc-jwt-ec384 private_key_jwt ES384 ""
variant ed cc-jwt-ed private_key_jwt EdDSA client-ed25519.kid
# the IdP knows the key under its own kid (as pfxhttp: no kid by default)
variant ownkid cc-jwt-ownkid private_key_jwt RS256 ""
is "ownkid, private_key_id = \"own-kid-1\": found" "$(sm "$C" ownkidset a@example.com)" "OK found:a@example.com"
is "... the assertion named kid own-kid-1" "$(last cc-jwt-ownkid .kid)" own-kid-1
like "ownkid, private_key_id = \"thumbprint\": TEMP (no key with that kid)" \
    "$(sm "$C" ownkidthumb a@example.com)" '^TEMP '
is "... the assertion named the thumbprint" "$(last cc-jwt-ownkid .kid)" "$(cat "$PKI/client-rsa.kid")"

# negative: a key the IdP does not know
e0=$(count token_errors/cc-jwt-rsa)
like "rogue key: lookup is TEMP (no token)" "$(sm "$C" rogue a@example.com)" '^TEMP '
is "rogue key: the IdP refused one token request" "$(($(count token_errors/cc-jwt-rsa) - e0))" 1

# client_secret_file
c0=$(count token/cc-basic-special)
is "client_secret_file: lookup is found" "$(sm "$C" secfile f@example.com)" "OK found:f@example.com"
is "client_secret_file: token issued from the secret in the file" \
    "$(($(count token/cc-basic-special) - c0))/$(last cc-basic-special .status)" "1/200"
e0=$(count token_errors/cc-basic)
like "client_secret_file with a wrong secret: TEMP" "$(sm "$C" wrong w@example.com)" '^TEMP '
is "wrong secret: the IdP refused it" "$(($(count token_errors/cc-basic) - e0))" 1

# scopes
is "scopes: cc-read-only with api.read is found" "$(sm "$C" ro r@example.com)" "OK found:r@example.com"
is "scopes: the IdP saw scope api.read" "$(last cc-read-only .scope)" "api.read"
is "scopes: the IdP granted api.read" "$(last cc-read-only .granted_scope)" "api.read"
is "scopes: the backend saw a token with scope api.read" "$(bstat '.scopes_by_client["cc-read-only"]')" "api.read"
like "scopes: cc-read-only asking api.write gets TEMP" "$(sm "$C" rowrite r@example.com)" '^TEMP '
is "scopes: ... because the IdP refused the scope" "$(last cc-read-only .error)" "invalid_scope"

# custom Authorization header replaced by the bearer token
a0=$(authorized cc-post)
is "custom Authorization header: lookup is found" "$(sm "$C" hdr h@example.com)" "OK found:h@example.com"
is "custom Authorization header: the backend authorized the request" "$(($(authorized cc-post) - a0))" 1
like "custom Authorization header: backend saw the Bearer token" "$(bstat .last_authorization)" '^Bearer [^ ]+$'
is "plain backend: lookup is found" "$(sm "$C" hdrplain h@example.com)" "OK found:h@example.com"
hdrs=$(backend_stat "$PP" '.last_headers | to_entries | map("\(.key): \(.value)") | .[]')
like "plain backend: one Authorization header, Bearer" \
    "$(grep -i '^authorization:' <<<"$hdrs" | tr '\n' '|')" '^Authorization: Bearer [^ |]+\|$' "$hdrs"
like "plain backend: other custom headers still sent" "$hdrs" 'X-Extra: kept'

# tokend's own count agrees with the IdP's
is "tokend -s tokens_fetched equals tokens the IdP issued" "$(tstat "$C" tokens_fetched)" "$(count issued)"
num_cmp "tokend -s tokens_failed counts the refused requests (>= 3)" "$(tstat "$C" tokens_failed)" -ge 3

# ---------------------------------------------------------- token reuse

a0=$(authorized cc-jwt-multi)
good=0
for i in $(seq 20); do
	[ "$(sm "$C" reuse "u$i@example.com")" = "OK found:u$i@example.com" ] && good=$((good + 1))
done
is "reuse: 20 spawn processes, 20 found" "$good" 20
is "reuse: the IdP saw exactly 1 token request for cc-jwt-multi" "$(count token/cc-jwt-multi)" 1
is "reuse: the backend authorized 20 requests from cc-jwt-multi" "$(($(authorized cc-jwt-multi) - a0))" 20
is "reuse: all 20 used the same token" "$(bstat '.tokens_by_client["cc-jwt-multi"]')" 1

# ----------------------------------------------- refresh before expiry

idp_post /test/config '{"token_ttl": 8}' >/dev/null
c0=$(count token/cc-basic)
tf0=$(tstat "$C" tokens_fetched)
t0=$(now_ms)
is "refresh: lookup with an 8 s token" "$(sm "$C" refresh a@example.com)" "OK found:a@example.com"
is "refresh: one token request" "$(($(count token/cc-basic) - c0))" 1
is "refresh: the IdP issued an 8 s token" "$(last cc-basic .expires_in)" 8
d0=$(bstat '.tokens_by_client["cc-basic"] // 0')
tref=
while [ $(($(now_ms) - t0)) -lt 9500 ]; do
	if [ "$(count token/cc-basic)" -ge $((c0 + 2)) ]; then
		tref=$(($(now_ms) - t0))
		break
	fi
	sleep 0.2
done
[ -n "$tref" ] && [ "$tref" -ge 5800 ] && [ "$tref" -lt 8000 ]
check "refresh: background token request after 3/4 of the life, before expiry (at ${tref:-never} ms)" $? \
    "token requests from cc-basic since start: $(($(count token/cc-basic) - c0))"
is "refresh: tokend counted the refresh (tokens_fetched +2)" "$(($(tstat "$C" tokens_fetched) - tf0))" 2
is "refresh: lookup after the refresh" "$(sm "$C" refresh b@example.com)" "OK found:b@example.com"
is "refresh: the backend saw the new token" "$(bstat '.tokens_by_client["cc-basic"]')" "$((d0 + 1))"
while [ $(($(now_ms) - t0)) -lt 8600 ]; do sleep 0.1; done
is "refresh: lookup after the first token's expiry" "$(sm "$C" refresh c@example.com)" "OK found:c@example.com"

# ------------------------------------------- backoff on token failures

idp_post /test/config '{"token_fail_status": 503, "token_fail_count": -1}' >/dev/null
c0=$(count token/cc-jwt-ed)
like "backoff: IdP answers 503: TEMP" "$(sm "$C" backoff a@example.com)" '^TEMP '
is "backoff: one token request" "$(($(count token/cc-jwt-ed) - c0))" 1
like "backoff: at once again: TEMP" "$(sm "$C" backoff a@example.com)" '^TEMP '
is "backoff: ... without a new token request (1 s backoff)" "$(($(count token/cc-jwt-ed) - c0))" 1
sleep 1.2
like "backoff: after 1.2 s: TEMP" "$(sm "$C" backoff a@example.com)" '^TEMP '
is "backoff: ... after a second token request" "$(($(count token/cc-jwt-ed) - c0))" 2
sleep 1.2
like "backoff: 1.2 s later: TEMP" "$(sm "$C" backoff a@example.com)" '^TEMP '
is "backoff: ... without a request (backoff doubled to 2 s)" "$(($(count token/cc-jwt-ed) - c0))" 2
idp_post /test/config '{"token_fail_status": 0, "token_fail_count": 0}' >/dev/null
sleep 1.0
is "backoff: IdP healthy, backoff over: found" "$(sm "$C" backoff a@example.com)" "OK found:a@example.com"
is "backoff: ... after a third token request" "$(($(count token/cc-jwt-ed) - c0))" 3

# ------------------------------------------------ 401: token renewal

# the "basic" entry's token (fetched first) is older than the 10 s
# tokend waits before it renews a token on a backend's 401
idp_post /test/revoke '{"client_id": "cc-basic"}' >"$T/revoke.out"
num_cmp "renew: IdP revoked cc-basic's tokens" "$(jq -r .revoked "$T/revoke.out")" -ge 1
c0=$(count token/cc-basic)
i0=$(bstat '.reasons.inactive')
k0=$(bstat '.tokens_by_client["cc-basic"] // 0')
is "renew: lookup with a revoked token is found (401, new token, retry)" \
    "$(sm "$C" basic r1@example.com)" "OK found:r1@example.com"
is "renew: the backend refused the revoked token once" "$(($(bstat '.reasons.inactive') - i0))" 1
is "renew: one new token request at the IdP" "$(($(count token/cc-basic) - c0))" 1
is "renew: the backend then saw a new token" "$(bstat '.tokens_by_client["cc-basic"]')" "$((k0 + 1))"
trenew=$(now_ms)
idp_post /test/revoke '{"client_id": "cc-basic"}' >/dev/null
c0=$(count token/cc-basic)
i0=$(bstat '.reasons.inactive')
like "renew: revoked again at once: TEMP (tokend renews at most every 10 s)" \
    "$(sm "$C" basic r2@example.com)" '^TEMP '
is "renew: ... no new token request" "$(($(count token/cc-basic) - c0))" 0
is "renew: ... the backend refused twice (one retry, no more)" "$(($(bstat '.reasons.inactive') - i0))" 2

# --------------------------------------------------------- IdP outage

bearer() { backend_stat "$PP" '.last_headers.Authorization // .last_headers.authorization // empty'; }
c0=$(count token/cc-post)
t0=$(now_ms)
is "outage: lookup with an 8 s token (IdP up)" "$(sm "$C" outage a@example.com)" "OK found:a@example.com"
is "outage: one token request" "$(($(count token/cc-post) - c0))" 1
tok=$(bearer)
like "outage: backend got a Bearer token" "$tok" '^Bearer [^ ]+$'

kill -TERM "$OIDC_IDP_PID"
wait "$OIDC_IDP_PID" 2>/dev/null
! curl -s --max-time 2 --cacert "$PKI/ca.crt" "$OIDC_IDP_URL/test/stats" >/dev/null
check "outage: IdP killed (port $OIDC_IDP_PORT closed)" $?
ft0=$(tstat "$C" tokens_failed)
is "outage: lookup while the token is valid is found" "$(sm "$C" outage b@example.com)" "OK found:b@example.com"
is "outage: ... with the same token" "$(bearer)" "$tok"
while [ $(($(now_ms) - t0)) -lt 7200 ]; do sleep 0.1; done
is "outage: past the refresh time (7.2 s), still found" "$(sm "$C" outage c@example.com)" "OK found:c@example.com"
is "outage: ... still with the same token" "$(bearer)" "$tok"
num_cmp "outage: the background refresh failed (tokens_failed grew)" "$(($(tstat "$C" tokens_failed) - ft0))" -ge 1
while [ $(($(now_ms) - t0)) -lt 8700 ]; do sleep 0.1; done
timed_check like "outage: after expiry with the IdP down: TEMP" '^TEMP ' \
    "outage: TEMP within 3 s (@ms ms)" 3000 sm "$C" outage d@example.com
timed_check like "outage: again TEMP (backing off)" '^TEMP ' \
    "outage: second TEMP within 3 s (@ms ms)" 3000 sm "$C" outage e@example.com

# restart the IdP on the same port (as fixture.sh starts it)
rm -f "$T/oidc/idp.port"
IDP_PKI_DIR=$PKI IDP_PORT=$OIDC_IDP_PORT IDP_PORT_FILE=$T/oidc/idp.port \
    node "$OIDC_FIXTURE_DIR/idp.js" 2>>"$T/oidc/idp.log" &
OIDC_IDP_PID=$!
wait_for 200 test -s "$T/oidc/idp.port"
check "outage: IdP restarted on port $OIDC_IDP_PORT" $?
tr0=$(now_ms)
r=
while [ $(($(now_ms) - tr0)) -lt 65000 ]; do
	r=$(sm "$C" outage f@example.com)
	[ "$r" = "OK found:f@example.com" ] && break
	sleep 0.5
done
trec=$(($(now_ms) - tr0))
is "outage: IdP back: lookups recover (after ${trec} ms)" "$r" "OK found:f@example.com"
num_cmp "outage: recovered within the 60 s backoff cap" "$trec" -lt 61000
is "outage: the restarted IdP issued a token to cc-post" "$(count issued/cc-post)" 1
tok2=$(bearer)
[ "$tok2" != "$tok" ] && [[ $tok2 =~ ^Bearer\ [^\ ]+$ ]]
check "outage: a new token is used" $? "old: $tok" "new: $tok2"

# the restarted IdP has forgotten every token it issued before: the
# "basic" entry's token is refused and renewed (it is > 10 s old)
while [ $(($(now_ms) - trenew)) -lt 10500 ]; do sleep 0.1; done
is "IdP restarted: the old token is refused and renewed: found" \
    "$(sm "$C" basic r3@example.com)" "OK found:r3@example.com"
is "IdP restarted: the new IdP issued one token to cc-basic" "$(count issued/cc-basic)" 1

tt_stop_tokend
is "tokend exits 0 on SIGTERM" "$?" 0
secret_hits=$(grep -c -e 'basic-secret' -e 'post-secret' -e 'read-secret' -e 'c%ial' "$T/tokend.log")
is "tokend's debug log contains no client secret" "$secret_hits" 0
! grep -qF -e "${tok#Bearer }" -e "${tok2#Bearer }" "$T/tokend.log"
check "tokend's debug log contains no access token" $?
tt_done
