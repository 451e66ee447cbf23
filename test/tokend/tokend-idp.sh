#!/bin/bash
#
# tokend-idp.sh - tokend against a misbehaving IdP (fake-idp.py).
#
#   1. scheme downgrade: an https discovery naming an http token
#      endpoint (or jwks_uri) is refused (TEMP, logged, no token
#      request); http to http and https to https work.
#   2. tokens with a NUL or control byte are refused (TEMP, logged
#      once each), and the backend never sees the request.
#   3. a huge expires_in (2^63-1, 1e300) is cut to a day: the token is
#      used, and reused by the next spawn.
#   4. scopes ["api.read|api.write"] and ["api.read", "api.write"] are
#      two tokens, not one.
#   5. lookups over a 4 s token's life share one fetch.
#   6. spawn holds no client_secret (it never needs one: the backend
#      calls with tokens run in tokend): its memory is searched for it.
#   7. scopes that do not fit the token request (200 of 100 bytes): TEMP
#      and logged, and no token request goes out with fewer scopes.
#
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 openssl curl jq
tt_init tokend-idp

start_backend main
BP=$BPORT_main
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/idp.key" -out "$T/idp.crt" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || bail "openssl req failed"

# start_idp NAME [TLS] : fake-idp.py; sets PORT_<NAME>
start_idp() {
	rm -f "$T/idp-$1.port"
	python3 "$TT_HERE/fake-idp.py" "$T/idp-$1.port" ${2:+"$T/idp.crt" "$T/idp.key"} \
	    2>"$T/idp-$1.log" &
	tt_track $!
	wait_for 100 test -s "$T/idp-$1.port" || bail "fake-idp.py $1 did not start"
	printf -v "PORT_$1" '%s' "$(cat "$T/idp-$1.port")"
}
start_idp plain
FAKE_IDP_HTTP_PORT=$PORT_plain start_idp tls 1
HTTP=http://127.0.0.1:$PORT_plain
HTTPS=https://127.0.0.1:$PORT_tls
SECRET=spawn-must-forget-$RANDOM$RANDOM
C=$T/pfxhttp.conf

# entry NAME CONFIGURATION_URI [OIDC-SETTINGS [CLIENT_ID]]
entry() {
	cat <<EOF
  $1 = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    backend_oidc_auth = { enabled = true; client_id = "${4:-c-$1}";
      client_secret = "$SECRET"; configuration_uri = "$2"; ${3:-} }; };
EOF
}
disc() { echo "$1/$2/.well-known/openid-configuration"; }
{
	cat <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tls = { enabled = true; root_ca = "$T/idp.crt"; };
  tokend = { socket = "$T/tokend.sock"; mode = "0600"; timeout = "2s"; };
};
socket_maps = {
EOF
	entry down "$(disc "$HTTPS" downgrade)"
	entry jwksdown "$(disc "$HTTPS" jwksdown)"
	entry tlsok "$(disc "$HTTPS" tlsok)"
	entry plainok "$(disc "$HTTP" plainok)"
	entry nul "$(disc "$HTTP" nul)"
	entry ctl "$(disc "$HTTP" ctl)"
	entry huge "$(disc "$HTTP" huge)"
	entry hugef "$(disc "$HTTP" hugef)"
	entry pipe "$(disc "$HTTP" scopes)" 'scopes = [ "api.read|api.write" ];' c-scopes
	entry two "$(disc "$HTTP" scopes)" 'scopes = [ "api.read", "api.write" ];' c-scopes
	entry short "$(disc "$HTTP" ttl4)"
	big=$(for i in $(seq 200); do printf '"%s", ' "scope$i.$(printf '%090d' 0)"; done)
	entry big "$(disc "$HTTP" bigscopes)" "scopes = [ ${big%, } ];"
	echo "};"
} >"$C"
chmod 0600 "$C"

tt_start_tokend "$C" || bail "tokend did not start"
tokens() { curl -sS --max-time 5 "$HTTP/stats" "$HTTPS/stats" --cacert "$T/idp.crt" |
    jq -s -r --arg m "$1" '[.[][$m].token // 0] | add'; }
scopes() { curl -sS --max-time 5 "$HTTP/stats" | jq -r --arg m "$1" '.[$m].scopes | join(" / ")'; }
b_hits() { backend_stat "$BP" '.paths["/map"] // 0'; }

# ------------------------------------------------------ 1. scheme downgrade

like "https discovery, http token_endpoint: TEMP" "$(sm "$C" down a@example.com)" '^TEMP '
is "... and no token request was sent over http" "$(tokens downgrade)" 0
grep -q 'token_endpoint is not https' "$T/tokend.log"
check "... tokend logged the downgrade" $? "$(grep c-down "$T/tokend.log" | tail -3)"
like "https discovery, http jwks_uri: TEMP" "$(sm "$C" jwksdown a@example.com)" '^TEMP '
is "... and no token request" "$(tokens jwksdown)" 0
is "https discovery, https token_endpoint: found" "$(sm "$C" tlsok a@example.com)" "OK found:a@example.com"
is "http discovery, http token_endpoint: found" "$(sm "$C" plainok a@example.com)" "OK found:a@example.com"

# ------------------------------------------------------ 2. bad token bytes

b0=$(b_hits)
like "token with a NUL byte: TEMP" "$(sm "$C" nul a@example.com)" '^TEMP '
like "token with a control byte: TEMP" "$(sm "$C" ctl a@example.com)" '^TEMP '
is "... the backend saw neither request" "$(($(b_hits) - b0))" 0
is "... tokend logged both refusals" "$(grep -c 'token refused' "$T/tokend.log")" 2

# ------------------------------------------------------ 3. huge expires_in

is "expires_in 2^63-1: found" "$(sm "$C" huge a@example.com)" "OK found:a@example.com"
is "... again from another spawn: found" "$(sm "$C" huge b@example.com)" "OK found:b@example.com"
is "... with one token request" "$(tokens huge)" 1
grep -q 'c-huge: token fetched, valid for 86400s' "$T/tokend.log"
check "... its life was cut to a day (logged)" $? "$(grep c-huge "$T/tokend.log" | tail -2)"
is "expires_in 1e300: found" "$(sm "$C" hugef a@example.com)" "OK found:a@example.com"
is "... again: found, one token request" "$(sm "$C" hugef b@example.com) $(tokens hugef)" "OK found:b@example.com 1"

# ------------------------------------------------------ 4. token identity

is "scopes [\"api.read|api.write\"]: found" "$(sm "$C" pipe a@example.com)" "OK found:a@example.com"
is "scopes [\"api.read\", \"api.write\"]: found" "$(sm "$C" two a@example.com)" "OK found:a@example.com"
is "... two token requests, one per scope list" "$(scopes scopes)" "api.read|api.write / api.read api.write"

# ------------------------------------------------------ 5. a token's life

# (tokend refreshes it after 3 s)
out=$({ ns "short a@example.com"; sleep 0.3; ns "short b@example.com"; sleep 2.1
	ns "short c@example.com"; } | timeout 20 "$SPAWN" -c "$C" socketmap 2>/dev/null)
is "4 s token: three lookups in one spawn over 2.4 s" "$(grep -o 'OK found' <<<"$out" | wc -l)" 3
is "... and tokend fetched it once" "$(tokens ttl4)" 1

# ------------------------------------------------------ 6. no secret in spawn

mkfifo "$T/in"
# freed memory is filled (MALLOC_PERTURB_, ASan's free fill): this looks
# for a copy spawn keeps, not for bytes free() left behind
MALLOC_PERTURB_=${MALLOC_PERTURB_:-165} ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_free_fill_size=1048576 \
    "$SPAWN" -c "$C" socketmap <"$T/in" >"$T/out" 2>/dev/null &
SP=$!
tt_track $SP
exec 7>"$T/in"
ns "plainok x@example.com" >&7
wait_for 50 grep -q found "$T/out"
check "spawn (kept running) answered a lookup with a token" $? "$(cat "$T/out")"
is "... its memory does not hold client_secret" "$(memhas $SP "$SECRET")" 0
is "(the search finds what it should: the entry's client_id)" "$(memhas $SP "c-plainok")" 1
exec 7>&-
wait $SP

# ------------------------------------------------------ 7. scopes too long

like "20 KB of scopes: TEMP" "$(sm "$C" big a@example.com)" '^TEMP '
is "... and no token request went out (none cut short)" "$(tokens bigscopes)" 0
grep -q 'c-big: the token request does not fit' "$T/tokend.log"
check "... tokend logged why" $? "$(grep c-big "$T/tokend.log" | tail -2)"

tt_done
