#!/bin/bash
# http-client.sh - pfxhttp-spawn's HTTP side against real HTTPS backends:
# TLS verified by default with a test CA, skip_verify, client
# certificates, gzip both ways, custom headers, auth_token, http_auth_basic
# and context escaping of templated values.  TAP output.
set -u
: "${PFXHTTP_SPAWN:?}" "${PFXHTTP_BACKEND:?}" "${PFXHTTP_SRCDIR:?}"
command -v openssl >/dev/null || { echo "1..0 # SKIP openssl missing"; exit 77; }

T=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
n=0
fails=0
ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
is() {	# is GOT WANT DESCRIPTION
	n=$((n + 1))
	if [ "$1" = "$2" ]; then echo "ok $n - $3"; else
		echo "not ok $n - $3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fails=$((fails + 1)); fi
}
ns() { printf '%d:%s,' "$(printf '%s' "$1" | wc -c)" "$1"; }

# PKI: the OIDC fixture's generator, plus a client certificate
sh "$PFXHTTP_SRCDIR/test/oidc/gen-pki.sh" "$T/pki" >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP cannot generate the test PKI"; exit 77; }
P=$T/pki
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$P/tls-client.key" -subj /CN=pfxhttp-test-client \
	-out "$P/tls-client.csr" 2>/dev/null
openssl x509 -req -in "$P/tls-client.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
	-CAcreateserial -days 2 -out "$P/tls-client.crt" 2>/dev/null

start_backend() {	# start_backend NAME [backend options]
	local name=$1
	shift
	python3 "$PFXHTTP_BACKEND" --port-file "$T/$name.port" "$@" \
	    >"$T/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
	cat "$T/$name.port"
}
https=$(start_backend https --tls-cert "$P/server.crt" --tls-key "$P/server.key")
mtls=$(start_backend mtls --tls-cert "$P/server.crt" --tls-key "$P/server.key" \
	--tls-client-ca "$P/ca.crt")
plain=$(start_backend plain)

conf() {	# conf NAME TLS-GROUP TARGET-PORT SCHEME [extra entry keys]
	cat >"$T/$1.conf" <<CONF
server = { http_client = { timeout = "3s"; }; tls = { $2 }; };
socket_maps = { m = { target = "$4://127.0.0.1:$3/map";
                      value_field = "data.result"; ${5:-} }; };
CONF
}
lookup() {	# lookup CONF KEY -> the reply
	ns "m $2" | timeout 10 "$PFXHTTP_SPAWN" -c "$T/$1.conf" socketmap
}
stat_json() {	# stat_json PORT SCHEME PYTHON-EXPR-ON-s
	curl -s --cacert "$P/ca.crt" ${3:+"$3"} "$2://127.0.0.1:$1/stats" |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($4)"
}

echo "1..17"

conf verified "enabled = true; root_ca = \"$P/ca.crt\";" "$https" https
is "$(lookup verified alice@example.com)" "26:OK found:alice@example.com," \
	"HTTPS backend verified against the configured test CA"

conf system "" "$https" https
before=$(curl -s --cacert "$P/ca.crt" "https://127.0.0.1:$https/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
got=$(lookup system alice@example.com)
is "$got" "24:TEMP backend unavailable," \
	"unknown CA: verification fails by default, a temporary error"
after=$(curl -s --cacert "$P/ca.crt" "https://127.0.0.1:$https/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
is "$after" "$before" "no request reached the backend over an unverified connection"

conf skip "enabled = true; skip_verify = true;" "$https" https
is "$(lookup skip alice@example.com)" "26:OK found:alice@example.com," \
	"skip_verify = true accepts the unknown CA"

conf mtls "enabled = true; root_ca = \"$P/ca.crt\"; cert = \"$P/tls-client.crt\"; key = \"$P/tls-client.key\";" "$mtls" https
is "$(lookup mtls alice@example.com)" "26:OK found:alice@example.com," \
	"client certificate presented to a backend that requires one"
conf nocert "enabled = true; root_ca = \"$P/ca.crt\";" "$mtls" https
is "$(lookup nocert alice@example.com)" "24:TEMP backend unavailable," \
	"no client certificate: the backend refuses, a temporary error"

conf gzip "" "$plain" http "http_request_compression = true; http_response_compression = true;"
is "$(lookup gzip alice@example.com)" "26:OK found:alice@example.com," \
	"gzip request body and gzip response decoded"
hdrs=$(curl -s "http://127.0.0.1:$plain/stats")
is "$(echo "$hdrs" | python3 -c 'import json,sys; h=json.load(sys.stdin)["last_headers"]; print(h.get("Content-Encoding"), "gzip" in h.get("Accept-Encoding",""))')" \
	"gzip True" "Content-Encoding: gzip sent, gzip accepted"

conf nogzip "" "$plain" http
lookup nogzip alice@example.com >/dev/null
is "$(curl -s "http://127.0.0.1:$plain/stats" | python3 -c 'import json,sys; h=json.load(sys.stdin)["last_headers"]; print(h.get("Content-Encoding"), h.get("Accept-Encoding"))')" \
	"None None" "without the options: no compression either way"

conf headers "" "$plain" http 'custom_headers = [ "X-Tenant: t1", "X-Key: {{ .Key }}" ]; auth_token = "tok123"; http_auth_basic = "user:pa:ss";'
lookup headers $'evil@example.com\r\nX-Injected: 1' >/dev/null
h=$(curl -s "http://127.0.0.1:$plain/stats")
is "$(echo "$h" | python3 -c 'import json,sys; h=json.load(sys.stdin)["last_headers"]; print(h.get("X-Tenant"), h.get("X-Auth-Token"), h.get("Authorization"))')" \
	"t1 tok123 Basic dXNlcjpwYTpzcw==" "custom header, X-Auth-Token and Basic credentials sent"
is "$(echo "$h" | python3 -c 'import json,sys; h=json.load(sys.stdin)["last_headers"]; print(h.get("X-Key"), h.get("X-Injected"))')" \
	"evil@example.com%0D%0AX-Injected: 1 None" "CR/LF from the key is percent-encoded in a header, no injected header"
is "$(echo "$h" | python3 -c 'import json,sys; h=json.load(sys.stdin)["last_headers"]; print(h.get("User-Agent","").startswith("pfxhttp/"))')" \
	"True" "default User-Agent pfxhttp/VERSION"

cat >"$T/echo.conf" <<CONF
socket_maps = { e = { target = "http://127.0.0.1:$plain/echo"; value_field = "data.result";
  payload = "{\"inside\": \"k={{ .Key }}\", \"bare\": {{ .Key }}}"; }; };
CONF
reply=$(ns 'e a"b\c}{,' | "$PFXHTTP_SPAWN" -c "$T/echo.conf" socketmap)
is "$reply" '51:OK {"bare": "a\"b\\c}{,", "inside": "k=a\"b\\c}{,"},' \
	"JSON payload: key escaped inside a string and quoted outside one"

cat >"$T/url.conf" <<CONF
socket_maps = { u = { target = "http://127.0.0.1:$plain/echo?k={{ .Key }}&x=1"; method = "GET"; value_field = "data.result"; }; };
tcp_tables = { t = { target = "http://127.0.0.1:$plain/echo"; method = "GET"; value_field = "data.result"; }; };
CONF
is "$(ns 'u a&b=c d' | "$PFXHTTP_SPAWN" -c "$T/url.conf" socketmap)" \
	"28:OK /echo?k=a%26b%3Dc%20d&x=1," "URL template: key percent-encoded, no parameter injected"
is "$(printf 'get a%%26b%%20c\n' | "$PFXHTTP_SPAWN" -c "$T/url.conf" tcp t)" \
	"200 /echo?key=a%2526b%2520c" "GET ?key= (postfix-rest-connector) with the decoded key re-encoded"

cat >"$T/proxy.conf" <<CONF
server = { http_client = { proxy = "http://127.0.0.1:1"; timeout = "2s"; }; };
socket_maps = { m = { target = "http://127.0.0.1:$plain/map"; value_field = "data.result"; }; };
CONF
is "$(ns 'm alice@example.com' | "$PFXHTTP_SPAWN" -c "$T/proxy.conf" socketmap)" \
	"24:TEMP backend unavailable," "configured proxy is used (a dead proxy is a temporary error)"
is "$(ns 'm alice@example.com' | http_proxy=http://127.0.0.1:1 HTTP_PROXY=http://127.0.0.1:1 "$PFXHTTP_SPAWN" -c "$T/nogzip.conf" socketmap)" \
	"26:OK found:alice@example.com," "proxy variables in the environment are ignored"
[ "$fails" -eq 0 ]
