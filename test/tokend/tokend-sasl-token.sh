#!/bin/bash
#
# tokend-sasl-token.sh - XOAUTH2 and OAUTHBEARER logins through
# "pfxhttp-spawn sasl NAME", their bearer tokens checked by pfxhttp-tokend
# against a real oidc-provider (test/oidc/idp.js).
#
# The IdP signs its JWT access tokens (resource indicators, aud
# urn:pfxhttp:smtp) with keys this script makes (RSA RS256 and PS256, EC
# P-256, P-384, P-521, Ed25519), and serves a second, file-backed JWK set
# after them, so that a key can be rotated in.  Tokens the IdP would never
# issue (another issuer, alg none, HS256 keyed with the public key, an ID
# token, a missing account claim, nbf/iat in the future, ...) are made with
# test/oidc/jwt-tool.js, with the IdP's keys or a rogue key set.
#
# For both mechanisms, with validation jwks and introspection: a valid
# token logs in as the token's account ("OK user=alice"); an expired one,
# one for another audience or issuer, alg none, a tampered payload or
# signature, HS256, a claimed user that is not the account and a missing
# account claim fail (the RFC 7628 error challenge, then FAIL); an opaque
# token is active or inactive at introspection; an unknown kid fails until
# the key is published, then one refetch (single flight for concurrent
# logins, not within 10 s of the last fetch) lets it in; an IdP that is
# down or answers 503 closes the connection (Postfix: 454, not 535); the
# introspection cache makes two logins cost one introspection.  tokend's
# log never holds a token or the client secret.  Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need node npm curl openssl jq python3
tt_init tokend-sasl-token

TOOL="node $SRCDIR/test/oidc/jwt-tool.js"
DRIVE="python3 $TT_HERE/sasl-token.py"

# ------------------------------------------------------------- keys, IdP

K=$T/keys
mkdir -p "$K"
$TOOL gen rsa rs1 RS256 >"$K/rs1.jwk" &&
$TOOL gen rsa ps1 PS256 >"$K/ps1.jwk" &&
$TOOL gen ec256 es1 ES256 >"$K/es1.jwk" &&
$TOOL gen ec384 es2 ES384 >"$K/es2.jwk" &&
$TOOL gen ec521 es3 ES512 >"$K/es3.jwk" &&
$TOOL gen ed25519 ed1 EdDSA >"$K/ed1.jwk" &&
$TOOL gen rsa rot1 RS256 >"$K/rot1.jwk" &&
$TOOL gen rsa rot2 RS256 >"$K/rot2.jwk" &&
$TOOL gen rsa rs1 RS256 >"$K/rogue.jwk" || bail "cannot make keys"
jq -s '{keys: .}' "$K"/rs1.jwk "$K"/ps1.jwk "$K"/es1.jwk "$K"/es2.jwk \
    "$K"/es3.jwk "$K"/ed1.jwk >"$K/signing.jwks"
$TOOL pem "$K/rs1.jwk" >"$K/rs1.pub.pem"
cat >"$T/clients.json" <<'EOF'
[
 {"client_id": "smtp-alice", "client_secret": "alice-secret",
  "token_endpoint_auth_method": "client_secret_basic",
  "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
  "scope": "api.read api.write", "token_claims": {"preferred_username": "alice"}},
 {"client_id": "smtp-noname", "client_secret": "noname-secret",
  "token_endpoint_auth_method": "client_secret_basic",
  "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": [],
  "scope": "api.read api.write"}
]
EOF
export IDP_SIGNING_JWKS=$K/signing.jwks IDP_EXTRA_JWKS=$K/extra.jwks
export IDP_CLIENTS_FILE=$T/clients.json
tt_start_oidc
ISS=$OIDC_IDP_URL
DISC=$OIDC_DISCOVERY_URL

# token CLIENT SECRET [RESOURCE] : a client_credentials access token
token() {
	curl -sS --max-time 10 --cacert "$PKI/ca.crt" -u "$1:$2" \
	    -d grant_type=client_credentials -d 'scope=api.read api.write' \
	    ${3:+-d "resource=$3"} "$OIDC_TOKEN_ENDPOINT" | jq -r '.access_token // empty'
}
idp_post() { curl -sS --max-time 10 --cacert "$PKI/ca.crt" -H 'Content-Type: application/json' -d "$2" "$OIDC_IDP_URL$1"; }

# ---------------------------------------------------------------- config

C=$T/pfxhttp.conf
DEAD=$(free_ports 1)
# entry NAME OIDC-SETTINGS [ENTRY-SETTINGS]; no leeway (the default is
# 30s), so that tokens expired a second ago fail
entry() {
	cat <<EOF
  $1 = {
    mechanisms = [ "XOAUTH2", "OAUTHBEARER" ]; ${3:-}
    sasl_oidc_auth = { enabled = true; configuration_uri = "${URI:-$DISC}";
      client_id = "introspector"; client_secret = "introspect-secret";
      leeway = "0s"; $2 };
  };
EOF
}
AUD='audience = [ "urn:pfxhttp:smtp" ];'
{
	cat <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "3s"; connect_timeout = "1s"; };
  tls = { enabled = true; root_ca = "$PKI/ca.crt"; };
  tokend = { socket = "$T/tokend.sock"; mode = "0600"; timeout = "1s"; };
};
dovecot_sasl = {
EOF
	entry jw "validation = \"jwks\"; $AUD"
	entry jwmail "validation = \"jwks\"; $AUD account_claim = \"mail\";"
	entry jwany "validation = \"jwks\"; $AUD require_user_match = false;"
	entry jwscope "validation = \"jwks\"; $AUD scopes = [ \"api.write\", \"api.admin\" ];"
	entry jwcid "validation = \"jwks\"; $AUD client_ids = [ \"smtp-alice\" ];"
	entry in 'validation = "introspection";'
	entry inpost 'validation = "introspection"; auth_method = "client_secret_post";'
	entry inaud "validation = \"introspection\"; $AUD"
	entry incache 'validation = "introspection"; introspection_cache_ttl = "60s";'
	entry inslow 'validation = "introspection";' 'timeout = "2s";'
	entry auto "validation = \"auto\"; $AUD"
	URI="https://127.0.0.1:$DEAD/.well-known/openid-configuration" entry deadjw "validation = \"jwks\"; $AUD"
	URI="https://127.0.0.1:$DEAD/.well-known/openid-configuration" entry deadin 'validation = "introspection";'
	URI="https://127.0.0.1:$DEAD/.well-known/openid-configuration" entry deadfail 'validation = "introspection";' \
	    'temporary_failure = "fail";'
	echo "};"
} >"$C"
chmod 0644 "$C"

out=$("$TOKEND" -c "$C" -t 2>&1)
check "tokend -t accepts the configuration" $? "$out"
tt_start_tokend "$C" || bail "tokend did not start"

# login ENTRY MECH USER TOKEN [LOGINS] : the driver's answer line(s)
login() {
	printf '%s\n' "$4" >"$T/tok"
	$DRIVE "$SPAWN" "$C" "$1" "$2" "$3" "$T/tok" "${5:-1}"
}
# a refused token: each mechanism's error challenge (as Dovecot), then FAIL
REFUSED=refused
refused() {
	case $1 in
	XOAUTH2) echo 'FAIL challenge={"status":"401","schemes":"bearer","scope":"mail"}' ;;
	*) echo 'FAIL challenge={"status":"invalid_token"}' ;;
	esac
}
# mlogin ENTRY MECH USER TOKEN : login, and "refused" for a refusal
mlogin() {
	local out
	out=$(login "$@")
	[ "$out" = "$(refused "$2")" ] && out=refused
	printf '%s\n' "$out"
}
# both ENTRY USER TOKEN WANT NAME : the same answer for both mechanisms
both() {
	local m
	for m in XOAUTH2 OAUTHBEARER; do
		is "$5 ($m)" "$(mlogin "$1" "$m" "$2" "$3")" "$4"
	done
}

NOW=$(date +%s)
# claims [JQ-UPDATE] : a valid JWT payload for alice, changed by jq
claims() {
	jq -nc --arg iss "$ISS" --argjson now "$NOW" \
	    "{iss: \$iss, sub: \"smtp-alice\", aud: \"urn:pfxhttp:smtp\",
	      client_id: \"smtp-alice\", scope: \"api.read api.write\",
	      preferred_username: \"alice\", iat: \$now, exp: (\$now + 300),
	      jti: \"t1\"} | ${1:-.}"
}
craft() {
	local h=${4:-'{}'}
	$TOOL sign "$K/signing.jwks" "$1" "$2" "$h" "$3"
}

# ------------------------------------------------------------------ jwks

JWT=$(token smtp-alice alice-secret urn:pfxhttp:smtp)
[ -n "$JWT" ] || bail "the IdP issued no JWT access token"
hdr=$(cut -d. -f1 <<<"$JWT" | tr '_-' '/+' | base64 -d 2>/dev/null)
like "the IdP's JWT is an at+jwt signed RS256 by rs1" "$hdr" '"alg":"RS256".*"typ":"at\+jwt".*"kid":"rs1"|"typ":"at\+jwt".*"alg":"RS256"'
j0=$(count jwks)
both jw alice "$JWT" "OK user=alice" "jwks: the IdP's JWT logs in as the token's account"
is "jwks: one JWKS fetch for all of it" "$(($(count jwks) - j0))" 1
both jw bob "$JWT" "$REFUSED" "jwks: a claimed user that is not the token's account fails"
both jwany bob "$JWT" "OK user=alice" "jwks: require_user_match = false: the account, not the claimed name"
like "jwks: OAUTHBEARER without a=: fails (no claimed user to match)" \
    "$(mlogin jw OAUTHBEARER - "$JWT")" "^FAIL"
both jwmail alice "$JWT" "$REFUSED" "jwks: account_claim mail, which the token lacks: fails closed"
both jwscope alice "$JWT" "$REFUSED" "jwks: a required scope the token lacks fails"
both jwcid alice "$JWT" "OK user=alice" "jwks: client_ids holding the token's client_id"

for r in ps256 es256 es384 es512 eddsa; do
	t=$(token smtp-alice alice-secret "urn:pfxhttp:smtp:$r")
	is "jwks: a $r JWT from the IdP logs in" "$(mlogin jw XOAUTH2 alice "$t")" "OK user=alice"
done

OTHER=$(token smtp-alice alice-secret urn:pfxhttp:other)
both jw alice "$OTHER" "$REFUSED" "jwks: a JWT for another audience fails"
both jw alice "$(craft rs1 RS256 "$(claims '.iss = "https://evil.example"')")" "$REFUSED" \
    "jwks: a JWT of another issuer (signed with the IdP's key) fails"
both jw alice "$($TOOL sign "$K/rogue.jwk" rs1 RS256 '{}' "$(claims)")" "$REFUSED" \
    "jwks: a JWT signed by a rogue key under the IdP's kid fails"
both jw alice "$($TOOL none "$(claims)")" "$REFUSED" "jwks: alg none fails"
both jw alice "$($TOOL hmac "$K/rs1.pub.pem" HS256 "$(claims)")" "$REFUSED" \
    "jwks: HS256 keyed with the IdP's public key fails"
both jw alice "$($TOOL tamper "$JWT" "$(claims '.preferred_username = "bob"')")" "$REFUSED" \
    "jwks: a tampered payload fails"
is "jwks: ... even when claiming the tampered name" \
    "$(mlogin jw XOAUTH2 bob "$($TOOL tamper "$JWT" "$(claims '.preferred_username = "bob"')")")" "$REFUSED"
both jw alice "$($TOOL flipsig "$JWT")" "$REFUSED" "jwks: a flipped signature bit fails"
both jw alice "$(craft es1 RS256 "$(claims)")" "$REFUSED" "jwks: RS256 named for an EC key fails"
both jw alice "$(craft rs1 PS256 "$(claims)")" "$REFUSED" "jwks: PS256 for a key whose JWK says RS256 fails"
both jw alice "$(craft rs1 RS256 "$(claims 'del(.exp)')")" "$REFUSED" "jwks: no exp fails"
both jw alice "$(craft rs1 RS256 "$(claims ".exp = $NOW - 120")")" "$REFUSED" "jwks: an expired JWT fails"
both jw alice "$(craft rs1 RS256 "$(claims ".nbf = $NOW + 600")")" "$REFUSED" "jwks: nbf in the future fails"
both jw alice "$(craft rs1 RS256 "$(claims ".iat = $NOW + 600")")" "$REFUSED" "jwks: iat in the future fails"
both jw alice "$(craft rs1 RS256 "$(claims '.nonce = "n-0S6"')" '{"typ":"JWT"}')" "$REFUSED" \
    "jwks: an ID token (nonce) fails"
both jw alice "$(craft rs1 RS256 "$(claims)" '{"typ":"id_token+jwt"}')" "$REFUSED" \
    "jwks: typ id_token+jwt fails"
both jw alice "$(craft rs1 RS256 "$(claims)" '{"typ":null}')" "OK user=alice" \
    "jwks: no typ is fine"
both jw alice "$(craft rs1 RS256 "$(claims)" '{"crit":["exp"],"exp":1}')" "$REFUSED" \
    "jwks: a crit header fails"
both jw smtp-alice "$(craft rs1 RS256 "$(claims 'del(.preferred_username)')")" "OK user=smtp-alice" \
    "jwks: no preferred_username: sub is the account"
both jw alice "$(craft rs1 RS256 "$(claims 'del(.preferred_username, .sub)')")" "$REFUSED" \
    "jwks: neither preferred_username nor sub: fails closed"
both jw alice "$(craft rs1 RS256 "$(claims '.aud = ["x", "urn:pfxhttp:smtp"]')")" "OK user=alice" \
    "jwks: aud as an array holding the audience"
both jw alice "$(craft rs1 RS256 "$(claims '.preferred_username = "al\tice"')")" "$REFUSED" \
    "jwks: an account with a TAB fails"

# expired for real: the IdP's own JWT outlives its ttl
idp_post /test/config '{"token_ttl": 1}' >/dev/null
SHORT=$(token smtp-alice alice-secret urn:pfxhttp:smtp)
idp_post /test/config '{"token_ttl": 300}' >/dev/null
sleep 2.2
both jw alice "$SHORT" "$REFUSED" "jwks: the IdP's JWT past its exp fails"

# unknown kid: no refetch within 10 s of the last fetch, then one refetch
ROT1=$($TOOL sign "$K/rot1.jwk" rot1 RS256 '{}' "$(claims)")
sleep 10.5	# the last fetch is 10 s old: an unknown kid refetches
j0=$(count jwks)
is "jwks: an unknown kid fails" "$(mlogin jw XOAUTH2 alice "$ROT1")" "$REFUSED"
is "jwks: ... after one refetch of the key set" "$(($(count jwks) - j0))" 1
$TOOL public "$K/rot1.jwk" | jq -s '{keys: .}' >"$K/extra.jwks"
is "jwks: ... and still fails right after the key is published (no refetch within 10 s)" \
    "$(mlogin jw XOAUTH2 alice "$ROT1")" "$REFUSED"
sleep 10.5
j0=$(count jwks)
is "jwks: the rotated key is fetched for the unknown kid, then it logs in" \
    "$(mlogin jw OAUTHBEARER alice "$ROT1")" "OK user=alice"
is "jwks: ... with one refetch" "$(($(count jwks) - j0))" 1
ROT2=$($TOOL sign "$K/rot2.jwk" rot2 RS256 '{}' "$(claims)")
jq -s '{keys: .}' <($TOOL public "$K/rot1.jwk") <($TOOL public "$K/rot2.jwk") >"$K/extra.jwks"
sleep 10.5
j0=$(count jwks)
printf '%s\n' "$ROT2" >"$T/tok.rot2"
pids=()
for i in 1 2 3 4 5 6; do
	$DRIVE "$SPAWN" "$C" jw XOAUTH2 alice "$T/tok.rot2" >"$T/par.$i" &
	pids+=($!)
done
wait "${pids[@]}"
all=$(cat "$T"/par.* | sort | uniq -c | sed 's/^ *//')
is "jwks: six concurrent logins with a new kid all log in" "$all" "6 OK user=alice"
is "jwks: ... after one JWKS fetch (single flight)" "$(($(count jwks) - j0))" 1
j0=$(count jwks)
is "jwks: a rogue kid fails (no refetch within 10 s)" \
    "$(mlogin jw XOAUTH2 alice "$($TOOL sign "$K/rogue.jwk" rogue1 RS256 '{"kid":"rogue1"}' "$(claims)")")" "$REFUSED"
is "jwks: ... and made no JWKS fetch" "$(($(count jwks) - j0))" 0

# --------------------------------------------------------- introspection

OPAQUE=$(token smtp-alice alice-secret)
[ -n "$OPAQUE" ] && [[ $OPAQUE != *.*.* ]]
check "the IdP issued an opaque token" $? "$OPAQUE"
i0=$(count introspection)
both in alice "$OPAQUE" "OK user=alice" "introspection: an active opaque token logs in"
is "introspection: one call per login (no cache by default)" "$(($(count introspection) - i0))" 2
both inpost alice "$OPAQUE" "OK user=alice" "introspection: client_secret_post"
both in bob "$OPAQUE" "$REFUSED" "introspection: a claimed user that is not the account fails"
NONAME=$(token smtp-noname noname-secret)
both in smtp-noname "$NONAME" "$REFUSED" "introspection: no account claim (no preferred_username, username or sub) fails closed"
both inaud alice "$OPAQUE" "$REFUSED" "introspection: an audience is configured, the token has none: fails"
AUDOPAQUE=$(token smtp-alice alice-secret urn:pfxhttp:opaque)
both inaud alice "$AUDOPAQUE" "OK user=alice" "introspection: ... a token for that audience logs in"
idp_post /test/config '{"token_ttl": 1}' >/dev/null
SHORTO=$(token smtp-alice alice-secret)
idp_post /test/config '{"token_ttl": 300}' >/dev/null
sleep 2.2
both in alice "$SHORTO" "$REFUSED" "introspection: an expired opaque token fails"
both in alice "not-a-token-the-idp-knows" "$REFUSED" "introspection: an unknown token is inactive: fails"
REVOKED=$(token smtp-alice alice-secret)
is "(the revoked token worked before)" "$(mlogin in XOAUTH2 alice "$REVOKED")" "OK user=alice"
idp_post /test/revoke '{"client_id": "smtp-alice"}' >/dev/null
both in alice "$REVOKED" "$REFUSED" "introspection: a revoked (inactive) token fails"
OPAQUE=$(token smtp-alice alice-secret)

# the introspection cache
i0=$(count introspection)
is "introspection cache: two logins on one connection" \
    "$(mlogin incache XOAUTH2 alice "$OPAQUE" 2 | tr '\n' ' ')" "OK user=alice OK user=alice "
is "introspection cache: ... and another connection (OAUTHBEARER)" \
    "$(mlogin incache OAUTHBEARER alice "$OPAQUE")" "OK user=alice"
is "introspection cache: the IdP saw one introspection for three logins" "$(($(count introspection) - i0))" 1
is "introspection cache: a cached token still needs the claimed user to match" \
    "$(mlogin incache XOAUTH2 bob "$OPAQUE")" "$REFUSED"
is "introspection cache: counted as cache hits" "$(tcount "$C" dovecot_sasl.incache cache_hits)" 3

# the IdP failing: a temporary failure, the connection closed (454)
idp_post /test/config '{"introspection_fail_status": 503, "introspection_fail_count": 2}' >/dev/null
both in alice "$OPAQUE" "CLOSED" "introspection: the IdP answers 503: connection closed, not FAIL"
both deadin alice "$OPAQUE" "CLOSED" "introspection: the IdP is down: connection closed"
both deadjw alice "$JWT" "CLOSED" "jwks: the IdP is down (no discovery, no JWKS): connection closed"
like "temporary_failure = fail: FAIL code=temp_fail, not the error challenge" \
    "$(login deadfail XOAUTH2 alice "$OPAQUE")" '^FAIL reason=Temporary'
num_cmp "backend errors are counted" "$(tcount "$C" dovecot_sasl.in backend_errors_http_5xx)" -eq 2
num_cmp "refusals are counted by verdict" "$(tcount "$C" dovecot_sasl.jw requests_notfound)" -ge 30

# the IdP too slow: answered (closed) by the entry's timeout, not later
idp_post /test/config '{"introspection_delay_ms": 6000}' >/dev/null
timed slow login inslow XOAUTH2 alice "$OPAQUE"
is "introspection: an IdP slower than the entry's 2 s timeout: connection closed" "$slow" CLOSED
num_cmp "introspection: ... after about 2 s (${ELAPSED}ms)" "$ELAPSED" -lt 3500
num_cmp "introspection: ... not before (${ELAPSED}ms)" "$ELAPSED" -ge 1900

# a reload answers the checks under way, and keeps the IdP's discovery
# and key set
idp_post /test/config '{"introspection_delay_ms": 3000}' >/dev/null
t0=$(now_ms)
login in XOAUTH2 alice "$OPAQUE" >"$T/reload.out" &
lp=$!
sleep 0.8
kill -HUP "$TOKEND_PID"
wait "$lp"
el=$(($(now_ms) - t0))
is "reload: a check under way is answered: connection closed" "$(cat "$T/reload.out")" CLOSED
num_cmp "reload: ... at once, not after the IdP's 3 s (${el}ms)" "$el" -lt 2500
idp_post /test/config '{"introspection_delay_ms": 0}' >/dev/null
wait_for 50 grep -q 'configuration reloaded' "$T/tokend.log"
j0=$(count jwks)
d0=$(count discovery)
is "reload: a JWT logs in afterwards" "$(mlogin jw XOAUTH2 alice "$JWT")" "OK user=alice"
is "reload: ... with the discovery and key set kept" "$(($(count jwks) - j0 + $(count discovery) - d0))" 0
is "reload: an opaque token logs in afterwards" "$(mlogin in OAUTHBEARER alice "$OPAQUE")" "OK user=alice"

# ------------------------------------------------------------------ auto

AUDOPAQUE=$(token smtp-alice alice-secret urn:pfxhttp:opaque)
i0=$(count introspection)
is "auto: a JWT is checked with the JWK set" "$(mlogin auto XOAUTH2 alice "$JWT")" "OK user=alice"
is "auto: ... without an introspection" "$(($(count introspection) - i0))" 0
is "auto: an opaque token is introspected" "$(mlogin auto OAUTHBEARER alice "$AUDOPAQUE")" "OK user=alice"
i0=$(count introspection)
both auto alice "$($TOOL none "$(claims)")" "$REFUSED" "auto: alg none fails"
both auto alice "$($TOOL flipsig "$JWT")" "$REFUSED" "auto: a bad JWT fails"
is "auto: ... and is not tried again by introspection" "$(($(count introspection) - i0))" 0

# ----------------------------------------------------- the IdP killed

kill -TERM "$OIDC_IDP_PID"
wait "$OIDC_IDP_PID" 2>/dev/null
OIDC_IDP_PID=
! port_open "$OIDC_IDP_PORT"
check "(the IdP is gone)" $?
is "IdP killed: a JWT still logs in with the key set kept" \
    "$(mlogin jw XOAUTH2 alice "$JWT")" "OK user=alice"
is "IdP killed: introspection: connection closed, not FAIL" \
    "$(mlogin in XOAUTH2 alice "$OPAQUE")" CLOSED
is "IdP killed: ... and OAUTHBEARER" "$(mlogin in OAUTHBEARER alice "$OPAQUE")" CLOSED

# ------------------------------------------------------------- secrets

leaked=0
for t in "$JWT" "$OPAQUE" "$ROT1" introspect-secret; do
	grep -qF -- "$t" "$T/tokend.log" && leaked=1
done
is "tokend's log holds no token and no client secret" "$leaked" 0
tt_stop_tokend
check "tokend stops cleanly" $?

tt_done
