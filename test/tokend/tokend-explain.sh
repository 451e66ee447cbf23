#!/bin/bash
# tokend-explain.sh - pfxhttp-spawn explain through pfxhttp-tokend and
# directly, request ids end to end, and the log lines of a lookup.
#
#   1. explain through tokend: a 5xx answered from the cache, an OIDC
#      entry (fake-idp.py: the token redacted, its life shown), a backend
#      that is down: compared with explain/*.ref after the golden suite's
#      explain.sed
#   2. the --json form, parsed and checked field by field
#      (explain-json.py), directly and through tokend
#   3. request ids: the backend sees the id (backend.py's request_ids),
#      and the log line of that lookup carries the same id, in spawn's
#      log (ttylog.py --stderr-only) and in tokend's (ttylog.py);
#      a policy request's id begins with its queue_id; a peer's bad id
#      is refused, a LOOKUP without one gets tokend's own
#   4. slow_request, the summary line at the end of a connection, and
#      what never goes into a log line (the key of a lookup at info)
. "$(dirname "$0")/common.sh"
tt_need python3 jq curl
tt_init tokend-explain

REF=$TT_HERE/explain
start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
SECRET=spawn-must-forget-$RANDOM$RANDOM
rm -f "$T/idp.port"
python3 "$TT_HERE/fake-idp.py" "$T/idp.port" 2>"$T/idp.log" &
tt_track $!
wait_for 100 test -s "$T/idp.port" || bail "fake-idp.py did not start"
IDP=http://127.0.0.1:$(cat "$T/idp.port")

entries() {
	cat <<EOF
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
  slow = { target = "http://127.0.0.1:$BP/slow?ms=300"; value_field = "data.result";
    slow_request = "200ms"; cache = false; };
  corr = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    request_id_header = "X-Correlation-ID"; };
  quiet = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    request_id_header = ""; };
  own = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    custom_headers = [ "X-Request-ID: fixed-{{ .Name }}" ]; };
  down = { target = "http://127.0.0.1:1/map"; value_field = "data.result"; };
  oidc = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
    cache = false;
    backend_oidc_auth = { enabled = true; client_id = "c-explain";
      client_secret = "$SECRET";
      configuration_uri = "$IDP/ttl300/.well-known/openid-configuration"; }; };
};
policy_services = {
  demo = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result"; };
};
EOF
}
TC=$T/tokend.conf
DC=$T/direct.conf
{
	cat <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; };
};
EOF
	entries
} >"$TC"
{
	cat <<EOF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
};
EOF
	entries
} >"$DC"
tt_start_tokend "$TC" || bail "tokend did not start"

# explain CONF ARGS... : stdout of pfxhttp-spawn explain; $T/explain.rc
explain() {
	local conf=$1
	shift
	timeout 30 "$SPAWN" -c "$conf" explain "$@" 2>"$T/explain.err"
	echo $? >"$T/explain.rc"
}
# golden NAME OUTPUT-FILE : compare with explain/NAME.ref after the sed
golden() {
	local got=$T/$1.got
	sed -f "$SRCDIR/test/golden/cases/explain.sed" "$2" | sed "s|$T/||" >"$got"
	if cmp -s "$REF/$1.ref" "$got"; then
		ok "golden: explain $1"
	else
		not_ok "golden: explain $1" "$(diff -u "$REF/$1.ref" "$got" | head -60)"
	fi
	[ "${PFXHTTP_UPDATE:-0}" = 1 ] && cp "$got" "$REF/$1.ref"
}
# json_checks CASE FILE : explain-json.py's TAP lines, counted here
json_checks() {
	local out line
	out=$(TAP_FIRST=$((tap_n + 1)) SECRET=$SECRET python3 "$TT_HERE/explain-json.py" "$1" <"$2")
	printf '%s\n' "$out"
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_n=$((tap_n + 1)) ;;
		"not ok "*) tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)) ;;
		esac
	done <<<"$out"
}
last_rid() { backend_stat "$BP" '.request_ids[-1]'; }
requests() { backend_stat "$BP" '.requests'; }
set_key() {
	curl -sS --max-time 5 -X POST -d "{\"key\":\"$1\",\"status\":$2,\"result\":\"$3\"}" \
	    "http://127.0.0.1:$BP/set" >/dev/null
}

# ------------------------------------------------ 1. golden, through tokend
explain "$TC" socketmap demo stale@example.com >"$T/stale-1.out"
is "tokend: explain found stale@example.com (exit 0)" "$(cat "$T/explain.rc")" 0
like "... and says it stored the answer" "$(cat "$T/stale-1.out")" "decision +stored: a definitive answer"
set_key stale@example.com 503 x
n0=$(requests)
explain "$TC" socketmap demo stale@example.com >"$T/stale.out"
is "tokend: explain of a 5xx answered from the cache exits 0 (found)" "$(cat "$T/explain.rc")" 0
is "... after one real backend call" "$(($(requests) - n0))" 1
golden stale "$T/stale.out"
st0=$(tstat "$TC" cache_stale_serves)
explain "$TC" --json socketmap demo stale@example.com >"$T/stale.json"
json_checks stale-tokend "$T/stale.json"
is "... an explained lookup counts in tokend's statistics (cache_stale_serves)" \
    "$(tstat "$TC" cache_stale_serves)" "$((st0 + 1))"
rid=$(jq -r .rid "$T/stale.json")
wait_for 20 grep -qF "rid=$rid" "$T/tokend.log"
like "... and leaves tokend's info line: found from the cache, with its id" \
    "$(grep -F "rid=$rid" "$T/tokend.log")" \
    "socket_maps demo: lookup found in [0-9]+ms \(from the cache; HTTP 503\) rid=$rid"

explain "$TC" socketmap oidc alice@example.com >"$T/oidc.out"
is "tokend: explain of an OIDC entry exits 0" "$(cat "$T/explain.rc")" 0
golden oidc "$T/oidc.out"
is "... the backend got the token (Bearer tok-...)" \
    "$(backend_stat "$BP" '.last_headers.Authorization' | cut -c1-11)" "Bearer tok-"
tokval=$(backend_stat "$BP" '.last_headers.Authorization' | cut -d' ' -f2)
if grep -qF -- "$tokval" "$T/oidc.out" || grep -qF -- "$SECRET" "$T/oidc.out"; then
	not_ok "... neither the token nor the client secret is in the output"
else
	ok "... neither the token nor the client secret is in the output"
fi
explain "$TC" --json socketmap oidc alice@example.com >"$T/oidc.json"
json_checks oidc-tokend "$T/oidc.json"
like "... the second explain used the cached token" "$(jq -r '[.steps[] | select(.step == "token")][-1].source' "$T/oidc.json")" '^cached$'

explain "$TC" socketmap down x@example.com >"$T/down.out"
is "tokend: explain of a backend that is down exits 2 (temporary)" "$(cat "$T/explain.rc")" 2
golden down "$T/down.out"
explain "$TC" --json socketmap down x@example.com >"$T/down.json"
json_checks down-tokend "$T/down.json"

# ------------------------------------------------ 2. --json, direct
explain "$DC" --json socketmap demo alice@example.com >"$T/found.json"
is "direct: explain --json exits 0" "$(cat "$T/explain.rc")" 0
json_checks found-direct "$T/found.json"
is "... the backend saw the id the trace shows" "$(last_rid)" "$(jq -r .rid "$T/found.json")"
explain "$DC" --json policy demo request=smtpd_access_policy queue_id=4AB12C3D \
    sender=s@example.org recipient=policy-reject@example.com >"$T/policy.json"
json_checks policy-direct "$T/policy.json"
explain "$DC" --json socketmap demo missing@example.com >/dev/null
is "direct: not found exits 1" "$(cat "$T/explain.rc")" 1
explain "$DC" --json socketmap demo perm@example.com >/dev/null
is "direct: a 403 (permanent) exits 3" "$(cat "$T/explain.rc")" 3
explain "$DC" --json socketmap oidc alice@example.com >"$T/oidc-direct.json"
is "direct: an OIDC entry is a temporary error (tokens live in tokend)" \
    "$(cat "$T/explain.rc"):$(jq -r '[.steps[] | select(.step == "token")][0].decision' "$T/oidc-direct.json")" \
    "2:unavailable: only pfxhttp-tokend holds OIDC tokens"

# ------------------------------------------------ 3. request ids
# spawn CONF LOG ARGS... : a Postfix conversation on stdin, stderr on a pty
spawn() {
	local conf=$1 log=$2
	shift 2
	timeout 30 python3 "$TT_HERE/ttylog.py" --stderr-only "$log" "$SPAWN" -c "$conf" "$@"
}
: >"$T/direct.log"
out=$(ns "demo temp@example.com" | spawn "$DC" "$T/direct.log" socketmap)
is "direct: the 503 lookup is TEMP" "$out" "30:TEMP backend answered HTTP 503,"
rid=$(last_rid)
like "direct: the backend saw a 16-hex X-Request-ID" "$rid" '^[0-9a-f]{16}$'
like "direct: the failed lookup's log line carries it (with status and time)" \
    "$(grep -F "rid=$rid" "$T/direct.log" | grep 'lookup temp')" \
    "socket_maps demo: lookup temp in [0-9]+ms \(HTTP 503\): backend answered HTTP 503 rid=$rid"
like "direct: spawn's debug line for the request carries it too" \
    "$(grep -F "rid=$rid" "$T/direct.log" | grep -v 'lookup temp')" "socketmap demo: \"temp@example.com\": temporary failure rid=$rid"
if grep 'lookup temp' "$T/direct.log" | grep -q 'temp@example.com'; then
	not_ok "direct: the failure line (info and up) holds no key"
else
	ok "direct: the failure line (info and up) holds no key"
fi

: >"$T/tokend-spawn.log"
tlog0=$(wc -l <"$T/tokend.log")
out=$(ns "demo temp@example.net" | spawn "$TC" "$T/tokend-spawn.log" socketmap)
is "tokend: the 503 lookup is TEMP" "$out" "30:TEMP backend answered HTTP 503,"
rid=$(last_rid)
like "tokend: the backend saw spawn's id" "$rid" '^[0-9a-f]{16}$'
like "tokend: spawn's log line carries it" "$(cat "$T/tokend-spawn.log")" "rid=$rid"
wait_for 20 grep -qF "rid=$rid" "$T/tokend.log"
like "tokend: tokend's failure line carries the same id" \
    "$(tail -n +"$tlog0" "$T/tokend.log" | grep -F "rid=$rid")" \
    "socket_maps demo: lookup temp in [0-9]+ms \(HTTP 503\): backend answered HTTP 503 rid=$rid"

printf 'request=smtpd_access_policy\nqueue_id=4AB12C3D\nsender=s@example.org\nrecipient=r@example.com\n\n' |
    spawn "$TC" /dev/null policy demo >/dev/null
like "policy through tokend: the id is QUEUEID.hex" "$(last_rid)" '^4AB12C3D\.[0-9a-f]{16}$'
printf 'request=smtpd_access_policy\nqueue_id=4AB-12C3D\nsender=s@example.org\nrecipient=r@example.com\n\n' |
    spawn "$DC" /dev/null policy demo >/dev/null
like "policy: a queue_id that is not one is left out of the id" "$(last_rid)" '^[0-9a-f]{16}$'
printf 'request=smtpd_access_policy\nqueue_id=%s\nsender=s@example.org\nrecipient=r@example.com\n\n' \
    "$(printf 'A%.0s' $(seq 33))" | spawn "$DC" /dev/null policy demo >/dev/null
like "policy: a queue_id of 33 characters is left out of the id" "$(last_rid)" '^[0-9a-f]{16}$'
ns "corr a@example.com" | spawn "$DC" /dev/null socketmap >/dev/null
like "request_id_header = X-Correlation-ID: the backend gets that header" \
    "$(backend_stat "$BP" '.last_headers["X-Correlation-ID"] // "none"'):$(backend_stat "$BP" '.last_headers["X-Request-ID"] // "none"')" \
    '^[0-9a-f]{16}:none$'
ns "quiet a@example.com" | spawn "$TC" /dev/null socketmap >/dev/null
is "request_id_header = \"\": no id header at all" "$(last_rid)" ""
ns "own a@example.com" | spawn "$DC" /dev/null socketmap >/dev/null
is "a custom header of that name is sent instead of the id" "$(last_rid)" "fixed-own"

# raw tokproto: a bad id is refused, no id gets tokend's own
cat >"$T/rawrid.py" <<'EOF'
import socket, sys
def ns(b): return str(len(b)).encode() + b":" + b + b","
def ask(fields):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
    s.sendall(ns(b"".join(ns(f) for f in [b"PFXTOK2"] + fields)))
    buf = b""
    while True:
        d = s.recv(65536)
        if not d: break
        buf += d
        try:
            n, rest = buf.split(b":", 1)
            if len(rest) >= int(n) + 1: break
        except ValueError:
            pass
    inner = rest[:int(n)]; out = []
    while inner:
        n, inner = inner.split(b":", 1); out.append(inner[:int(n)]); inner = inner[int(n) + 1:]
    return b"|".join(out[1:]).decode()
base = [b"LOOKUP", b"socket_maps", b"demo", b"5000", b""]
kv = [b"name", b"demo", b"key", b"raw@example.com"]
print(ask(base + [b"rid=bad\r\nid"] + kv))
print(ask(base + [b"rid=" + b"x" * 65] + kv))
print(ask(base + [b"rid=peer-id.1"] + kv))
print(ask(base + kv))
EOF
mapfile -t RAW < <(python3 "$T/rawrid.py" "$SOCK" 2>&1)
is "raw: a request id with CR LF is refused" "${RAW[0]}" "ANSWER|temp||malformed LOOKUP request id"
is "raw: a request id of 65 bytes is refused" "${RAW[1]}" "ANSWER|temp||malformed LOOKUP request id"
is "raw: a good peer id is answered" "${RAW[2]}" "ANSWER|found|found:raw@example.com|"
like "raw: a LOOKUP without an id: the backend gets tokend's own" "$(last_rid)" '^[0-9a-f]{16}$'

# ------------------------------------------------ 4. slow, summary
: >"$T/slow.log"
out=$(ns "slow a@example.com" | spawn "$DC" "$T/slow.log" socketmap)
is "slow backend (300 ms): found" "$out" "22:OK found:a@example.com,"
rid=$(last_rid)
like "slow_request = 200ms: an info line says it was slow, with its id" \
    "$(grep -F "rid=$rid" "$T/slow.log" | grep 'lookup found')" \
    "socket_maps slow: lookup found in [0-9]{3,}ms \(slow; HTTP 200\) rid=$rid"
: >"$T/sum.log"
{ ns "demo a@example.com"; ns "demo missing@example.com"; ns "demo temp@example.com"; } |
    spawn "$DC" "$T/sum.log" socketmap >/dev/null
like "the connection's summary line (debug): requests, verdicts, time" \
    "$(grep 'connection closed' "$T/sum.log")" \
    "socketmap: connection closed: 3 requests \(found 1, notfound 1, temp 1, timeout 0, perm 0\), [0-9]+ms in lookups, open [0-9]+ms"
ns "demo a@example.com" | spawn "$DC" "$T/fast.log" socketmap >/dev/null
if grep -q 'lookup found' "$T/fast.log"; then
	not_ok "a fast found lookup leaves no lookup line"
else
	ok "a fast found lookup leaves no lookup line"
fi

# ------------------------------------------------ 5. tokend gone
tt_stop_tokend
explain "$TC" --json socketmap demo alice@example.com >"$T/gone.json"
is "tokend stopped: explain goes to the backend directly (via direct, found)" \
    "$(jq -r '.via + " " + .verdict' "$T/gone.json"):$(cat "$T/explain.rc")" "direct found:0"
like "... and says so on stderr" "$(cat "$T/explain.err")" "pfxhttp-tokend on .* did not answer"
tt_done
