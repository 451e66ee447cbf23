#!/bin/bash
# smoke.sh -- end-to-end check of the OIDC test fixture, printing TAP.
#
#   test/oidc/smoke.sh            (or: meson test -C BUILD --suite oidc)
#
# Installs the node dependencies if needed (npm ci into test/oidc/node_modules),
# generates a PKI into a temporary directory, starts idp.js and
# protected-backend.js on free loopback ports, then, with curl: discovery,
# tokens by client_secret_basic (form-url-encoded id/secret, RFC 6749
# §2.3.1), client_secret_post and private_key_jwt (RSA RS256/PS256, EC P-256
# ES256, P-384 ES384, Ed25519 EdDSA; assertions built by make-assertion.js),
# negative cases, introspection, the protected backend with each token and
# without one, the IdP's /test/* control endpoints, and a clean SIGTERM stop.
#
# Exit 0 = all passed, 1 = a test failed, 77 = skipped (node, npm deps or
# openssl unavailable).  OIDC_KEEP=1 keeps the temporary directory (logs:
# idp.log, backend.log).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "1..0 # SKIP $*"; exit 77; }
OIDC_FIXTURE_DIR=$here
. "$here/fixture.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/pfxhttp-oidc.XXXXXX")
cleanup() {
    oidc_fixture_stop
    if [ "${OIDC_KEEP:-0}" = 1 ]; then
        echo "# kept $T"
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
    shift
    for l in "$@"; do printf '#   %s\n' "$l"; done
}
# is DESC GOT WANT
is() {
    if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got:  $2" "want: $3"; fi
}
# like DESC GOT SUBSTRING
like() {
    case $2 in
    *"$3"*) ok "$1" ;;
    *) nok "$1" "got:  $2" "want substring: $3" ;;
    esac
}

# jget PATH <json : print a member (a.b.c); objects as JSON, missing as ""
jget() {
    node -e '
let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => {
  let v; try { v = JSON.parse(s); } catch { v = undefined; }
  for (const k of process.argv[1].split(".")) v = v?.[k];
  console.log(v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : v);
});' "$1"
}

# RFC 6749 §2.3.1 / application/x-www-form-urlencoded
urlenc() {
    local s=$1 out= c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~*-]) out+=$c ;;
        ' ') out+=+ ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

wait_file() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- set up (fixture.sh: npm ci if needed, gen-pki.sh, idp.js, backend) ---
export IDP_TOKEN_TTL=120
oidc_fixture_start "$T"
rc=$?
[ $rc = 77 ] && skip "node, npm deps, curl or openssl unavailable"
if [ $rc = 0 ]; then ok "fixture starts (PKI, idp.js, protected-backend.js)"; else
    nok "fixture starts (PKI, idp.js, protected-backend.js)"; echo "1..$n"; exit 1
fi
PKI=$OIDC_PKI IDP=$OIDC_IDP_URL BE=$OIDC_BACKEND_URL

for f in ca.crt server.crt server.key client-rsa.key client-rsa.pkcs1.key \
    client-ec256.key client-ec256.sec1.key client-ec384.key client-ed25519.key \
    client-rsa.jwk client-ec256.jwk client-ec384.jwk client-ed25519.jwk client-rsa.kid; do
    [ -s "$PKI/$f" ] || nok "PKI file $f exists"
done
is "RSA PKCS#1 variant" "$(head -1 "$PKI/client-rsa.pkcs1.key")" "-----BEGIN RSA PRIVATE KEY-----"
is "P-256 SEC1 variant" "$(head -1 "$PKI/client-ec256.sec1.key")" "-----BEGIN EC PRIVATE KEY-----"
is "Ed25519 PKCS#8" "$(head -1 "$PKI/client-ed25519.key")" "-----BEGIN PRIVATE KEY-----"
is "kid file = JWK kid" "$(jget kid <"$PKI/client-rsa.jwk")" "$(cat "$PKI/client-rsa.kid")"
# RFC 7638 kids, cross-checked with jose's calculateJwkThumbprint
for k in rsa ec256 ec384 ed25519; do
    tp=$(cd "$here" && node --input-type=module -e '
import { calculateJwkThumbprint } from "jose";
import { readFileSync } from "node:fs";
console.log(await calculateJwkThumbprint(JSON.parse(readFileSync(process.argv[1], "utf8"))));' "$PKI/client-$k.jwk")
    is "RFC 7638 kid of client-$k.jwk" "$(cat "$PKI/client-$k.kid")" "$tp"
done
if openssl verify -CAfile "$PKI/ca.crt" "$PKI/server.crt" >/dev/null 2>&1; then
    ok "server.crt verifies against ca.crt"
else
    nok "server.crt verifies against ca.crt"
fi

C=(curl -sS --max-time 20 --cacert "$PKI/ca.crt")
# status+body: prints "HTTPCODE BODY"
req() { "${C[@]}" -o "$T/body" -w '%{http_code}' "$@" >"$T/code" 2>"$T/curl.err"; echo "$(cat "$T/code") $(cat "$T/body" 2>/dev/null)"; }

# --- discovery and TLS ----------------------------------------------------
if curl -sS --max-time 10 -o /dev/null "$IDP/.well-known/openid-configuration" 2>/dev/null; then
    nok "TLS: IdP not trusted without the test CA"
else
    ok "TLS: IdP not trusted without the test CA"
fi
disc=$("${C[@]}" "$IDP/.well-known/openid-configuration")
is "discovery issuer" "$(jget issuer <<<"$disc")" "$IDP"
is "discovery token_endpoint" "$(jget token_endpoint <<<"$disc")" "$IDP/token"
is "discovery introspection_endpoint" "$(jget introspection_endpoint <<<"$disc")" "$IDP/token/introspection"
like "discovery lists private_key_jwt" "$(jget token_endpoint_auth_methods_supported <<<"$disc")" private_key_jwt
like "discovery lists scope api.write" "$(jget scopes_supported <<<"$disc")" api.write
TOKEN_EP=$(jget token_endpoint <<<"$disc")

# --- tokens ---------------------------------------------------------------
declare -A TOK
# token NAME CURL-ARGS... : expect 200, store access_token in TOK[NAME]
token() {
    local name=$1 r at; shift
    r=$(req -d grant_type=client_credentials "$@" "$TOKEN_EP")
    at=$(jget access_token <<<"${r#* }")
    if [ "${r%% *}" = 200 ] && [ -n "$at" ]; then
        ok "token: $name"
        TOK[$name]=$at
        LAST=${r#* }
    else
        nok "token: $name" "$r" "$(cat "$T/curl.err")"
        LAST=
    fi
}
AT_TYPE=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
assertion() { node "$here/make-assertion.js" --aud "$TOKEN_EP" "$@"; }

token basic -u "$(urlenc cc-basic):$(urlenc basic-secret)" -d scope=api.read
is "basic: expires_in from IDP_TOKEN_TTL" "$(jget expires_in <<<"$LAST")" 120
is "basic: scope granted" "$(jget scope <<<"$LAST")" api.read
is "basic: token_type" "$(jget token_type <<<"$LAST")" Bearer

special='s p+e:c%ial/=&'
token basic-special -u "$(urlenc cc-basic-special):$(urlenc "$special")" -d "scope=api.read api.write"
r=$(req -d grant_type=client_credentials -u "cc-basic-special:$special" "$TOKEN_EP")
is "basic-special: unencoded secret refused (400)" "${r%% *}" 400

token post --data-urlencode client_id=cc-post --data-urlencode client_secret=post-secret \
    --data-urlencode "scope=api.read api.write"
is "post: both scopes granted" "$(jget scope <<<"$LAST")" "api.read api.write"

r=$(req -d grant_type=client_credentials -d client_id=cc-basic -d client_secret=basic-secret "$TOKEN_EP")
is "strict: basic client using post -> 401" "${r%% *}" 401
like "strict: invalid_client" "$r" invalid_client
r=$(req -d grant_type=client_credentials -u cc-basic:wrong "$TOKEN_EP")
is "wrong secret -> 401" "${r%% *}" 401
r=$(req -d grant_type=client_credentials -u cc-read-only:read-secret -d scope=api.write "$TOKEN_EP")
is "cc-read-only asking api.write -> 400" "${r%% *}" 400
like "cc-read-only: invalid_scope" "$r" invalid_scope

token jwt-rsa-rs256 -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-rsa.key" --client-id cc-jwt-rsa)" -d scope=api.read
a=$(assertion --key "$PKI/client-rsa.pkcs1.key" --client-id cc-jwt-rsa --alg PS256 --kid-file "$PKI/client-rsa.kid")
token jwt-rsa-ps256 -d client_assertion_type=$AT_TYPE -d "client_assertion=$a"
r=$(req -d grant_type=client_credentials -d client_assertion_type=$AT_TYPE -d "client_assertion=$a" "$TOKEN_EP")
is "replayed assertion -> 401" "${r%% *}" 401
token jwt-ec -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-ec256.sec1.key" --client-id cc-jwt-ec)" -d scope=api.write
token jwt-ec384 -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-ec384.key" --client-id cc-jwt-ec384)"
token jwt-ed -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-ed25519.key" --client-id cc-jwt-ed)"
r=$(req -d grant_type=client_credentials -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-rogue-rsa.key" --client-id cc-jwt-rsa)" "$TOKEN_EP")
is "unregistered key -> 401" "${r%% *}" 401
r=$(req -d grant_type=client_credentials -d client_assertion_type=$AT_TYPE \
    -d "client_assertion=$(assertion --key "$PKI/client-rsa.key" --client-id cc-jwt-rsa --aud https://elsewhere.invalid/token)" "$TOKEN_EP")
is "wrong assertion audience -> 401" "${r%% *}" 401

# --- introspection --------------------------------------------------------
intro=$("${C[@]}" -u introspector:introspect-secret -d "token=${TOK[basic]:-x}" "$IDP/token/introspection")
is "introspection: active" "$(jget active <<<"$intro")" true
is "introspection: client_id" "$(jget client_id <<<"$intro")" cc-basic
is "introspection: scope" "$(jget scope <<<"$intro")" api.read
intro=$("${C[@]}" -u introspector:introspect-secret -d token=bogus "$IDP/token/introspection")
is "introspection: bogus token inactive" "$(jget active <<<"$intro")" false

# --- protected backend ----------------------------------------------------
r=$(req -d '{"name":"m","key":"a@example.com"}' "$BE/map")
is "backend: no token -> 401" "${r%% *}" 401
hdr=$(curl -sS -o /dev/null -D - -d '{"key":"a@example.com"}' "$BE/map" | tr -d '\r')
like "backend: WWW-Authenticate Bearer" "$hdr" "WWW-Authenticate: Bearer"
r=$(req -H "Authorization: Bearer bogus" -d '{"name":"m","key":"a@example.com"}' "$BE/map")
is "backend: bogus token -> 401" "${r%% *}" 401
r=$(req -H "Authorization: Basic Zm9vOmJhcg==" -d '{"name":"m","key":"a@example.com"}' "$BE/map")
is "backend: non-Bearer -> 401" "${r%% *}" 401
for k in basic basic-special post jwt-rsa-rs256 jwt-rsa-ps256 jwt-ec jwt-ec384 jwt-ed; do
    r=$(req -H "Authorization: Bearer ${TOK[$k]:-none}" -d "{\"name\":\"m\",\"key\":\"$k@example.com\"}" "$BE/map")
    is "backend: lookup with $k token" "$r" "200 {\"data\":{\"result\":\"found:$k@example.com\"}}"
done
r=$(req -H "Authorization: Bearer ${TOK[basic]:-none}" -d '{"name":"m","key":"a@example.org"}' "$BE/map")
is "backend: not found" "$r" '200 {"data":{"result":null}}'
bs=$("${C[@]}" "$BE/stats")
is "backend stats: cc-basic" "$(jget by_client.cc-basic <<<"$bs")" 2
is "backend stats: cc-jwt-rsa (2 tokens)" "$(jget by_client.cc-jwt-rsa <<<"$bs")" 2
is "backend stats: cc-jwt-rsa distinct tokens" "$(jget tokens_by_client.cc-jwt-rsa <<<"$bs")" 2
is "backend stats: cc-jwt-ed" "$(jget by_client.cc-jwt-ed <<<"$bs")" 1
is "backend stats: unauthorized" "$(jget unauthorized <<<"$bs")" 4
is "backend /stats/client/cc-post" "$("${C[@]}" "$BE/stats/client/cc-post")" 1

# --- IdP stats and control ------------------------------------------------
st=$("${C[@]}" "$IDP/test/stats")
is "idp stats: discovery fetches" "$(jget discovery <<<"$st")" 1
is "idp stats: cc-basic token requests" "$(jget token.by_client.cc-basic.requests <<<"$st")" 3
is "idp stats: cc-basic issued" "$(jget token.by_client.cc-basic.issued <<<"$st")" 1
is "idp stats: cc-basic errors" "$(jget token.by_client.cc-basic.errors <<<"$st")" 2
is "idp stats: cc-basic last error_detail" "$(jget token.by_client.cc-basic.last.error_detail <<<"$st")" "invalid secret provided"
is "idp stats: cc-post last auth" "$(jget token.by_client.cc-post.last.auth <<<"$st")" client_secret_post
is "idp stats: cc-jwt-rsa last alg" "$(jget token.by_client.cc-jwt-rsa.last.alg <<<"$st")" RS256
is "idp stats: cc-basic-special requests" "$(jget token.by_client.cc-basic-special.requests <<<"$st")" 2
is "idp stats: cc-jwt-rsa requests" "$(jget token.by_client.cc-jwt-rsa.requests <<<"$st")" 5
is "idp stats: cc-jwt-rsa issued" "$(jget token.by_client.cc-jwt-rsa.issued <<<"$st")" 2
is "idp stats: cc-jwt-ed last alg" "$(jget token.by_client.cc-jwt-ed.last.alg <<<"$st")" EdDSA
is "idp stats: cc-jwt-ec last auth" "$(jget token.by_client.cc-jwt-ec.last.auth <<<"$st")" private_key_jwt
is "idp /test/count/issued" "$("${C[@]}" "$IDP/test/count/issued")" 8
is "idp /test/count/token/cc-post" "$("${C[@]}" "$IDP/test/count/token/cc-post")" 1

"${C[@]}" -o /dev/null -d '{"client_id":"cc-post"}' "$IDP/test/revoke"
r=$(req -H "Authorization: Bearer ${TOK[post]:-none}" -d '{"key":"a@example.com"}' "$BE/map")
is "revoked token -> backend 401" "${r%% *}" 401
r=$(req -H "Authorization: Bearer ${TOK[basic]:-none}" -d '{"key":"a@example.com"}' "$BE/map")
is "other client's token still works" "${r%% *}" 200

"${C[@]}" -o /dev/null -H 'Content-Type: application/json' \
    -d '{"token_fail_status":503,"token_fail_count":1,"token_ttl":7}' "$IDP/test/config"
r=$(req -u cc-basic:basic-secret -d grant_type=client_credentials "$TOKEN_EP")
is "injected token failure -> 503" "${r%% *}" 503
token after-failure -u cc-basic:basic-secret
is "runtime token_ttl" "$(jget expires_in <<<"$LAST")" 7

"${C[@]}" -o /dev/null -X POST "$IDP/test/reset"
is "idp reset: token count 0" "$("${C[@]}" "$IDP/test/count/token")" 0
is "idp reset: discovery count 0" "$("${C[@]}" "$IDP/test/count/discovery")" 0
"${C[@]}" -o /dev/null -X POST "$BE/reset"
is "backend reset" "$(jget authorized <<<"$("${C[@]}" "$BE/stats")")" 0

# --- shutdown -------------------------------------------------------------
oidc_fixture_stop
is "idp.js and protected-backend.js exit 0 on SIGTERM" "$?" 0
like "idp.js logged errors to stderr" "$(cat "$T/idp.log")" "invalid_client"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
    echo "# $failed of $n failed; logs:"
    sed 's/^/#   idp: /' "$T/idp.log"
    sed 's/^/#   backend: /' "$T/backend.log"
    exit 1
fi
exit 0
