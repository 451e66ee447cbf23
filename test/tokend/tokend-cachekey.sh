#!/bin/bash
#
# tokend-cachekey.sh - a cached policy answer is only served to a request
# the backend would have seen as the same (issue 6 item 2).
#
#   1. -t prints which attributes identify each policy entry's answers.
#   2. serve_fresh, default payload ({{ .Key }}: every attribute): two
#      requests differing only in ccert_fingerprint, or only in
#      server_port, each reach the backend; the same request again is
#      served from the cache.
#   3. a templated payload: attributes it does not send do not split the
#      cache; one it sends does.  cache_key_attributes narrows on purpose.
#
# Backend: test/backend/backend.py (/policy answers REJECT for
# policy-reject@...).  Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 jq curl
tt_init tokend-cachekey

start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
C=$T/pfxhttp.conf
cat >"$C" <<CONF
server = {
  logging = { level = "debug"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; serve_fresh = true;
                     fresh_ttl = "1m"; };
};
policy_services = {
  all = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result"; };
  tmpl = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result";
    payload = "{\"recipient\": \"{{ .recipient }}\", \"c\": \"{{ .ccert_fingerprint }}\"}"; };
  listed = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result";
    cache_key_attributes = [ "recipient" ]; };
};
CONF
REJECT="action=REJECT 5.7.1 rejected by the HTTP policy"
R=policy-reject@example.com

out=$("$SPAWN" -c "$C" -t 2>&1)
check "spawn -t accepts the configuration" $? "$out"
like "-t: default payload uses every attribute" "$out" \
    'policy_services\.all: cache key: every attribute'
like "-t: a template uses exactly its attributes" "$out" \
    'policy_services\.tmpl: cache key: recipient ccert_fingerprint'
like "-t: cache_key_attributes as listed" "$out" \
    'policy_services\.listed: cache key: recipient'
tt_start_tokend "$C" || bail "tokend did not start"

n() { backend_stat "$BP" '.paths["/policy"] // 0'; }
# ask NAME EXTRA-ATTRS: one policy request; prints how many backend calls it cost
ask() {
	local b0 got
	b0=$(n)
	got=$(policy "$C" "$1" "$R" "$2")
	[ "$got" = "$REJECT" ] || { echo "bad answer: $got"; return; }
	echo $(($(n) - b0))
}

is "all: first request reaches the backend" "$(ask all 'ccert_fingerprint=AA:01')" 1
is "all: the same request again is served fresh from the cache" "$(ask all 'ccert_fingerprint=AA:01')" 0
is "all: another ccert_fingerprint reaches the backend" "$(ask all 'ccert_fingerprint=BB:02')" 1
is "all: server_port 25 reaches the backend" "$(ask all $'ccert_fingerprint=AA:01\nserver_port=25')" 1
is "all: server_port 587 reaches the backend" "$(ask all $'ccert_fingerprint=AA:01\nserver_port=587')" 1
is "all: server_port 587 again is served from the cache" "$(ask all $'ccert_fingerprint=AA:01\nserver_port=587')" 0

is "tmpl: first request reaches the backend" "$(ask tmpl 'ccert_fingerprint=AA:01')" 1
is "tmpl: server_port (not sent) does not split the cache" "$(ask tmpl $'ccert_fingerprint=AA:01\nserver_port=587')" 0
is "tmpl: ccert_fingerprint (sent) does" "$(ask tmpl 'ccert_fingerprint=BB:02')" 1

is "listed: first request reaches the backend" "$(ask listed 'ccert_fingerprint=AA:01')" 1
is "listed: cache_key_attributes = [recipient]: another fingerprint is served from the cache" \
    "$(ask listed 'ccert_fingerprint=BB:02')" 0

tt_stop_tokend
is "tokend exits 0 on SIGTERM" "$?" 0
tt_done
