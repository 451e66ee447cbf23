#!/bin/bash
# http-path.sh - a templated key never changes which path is requested
# (issue 6 item 1): "." and ".." substituted into a URL path reach the
# backend escaped (%2E, %2E%2E), not as dot segments that URL
# normalisation would remove.  Real requests to test/backend/backend.py,
# whose GET /echo answers with the path it received.  TAP output.
set -u
: "${PFXHTTP_SPAWN:?}" "${PFXHTTP_BACKEND:?}" "${PFXHTTP_SRCDIR:?}"
command -v curl >/dev/null || { echo "1..0 # SKIP curl missing"; exit 0; }
. "$PFXHTTP_SRCDIR/test/lib/tap.sh"

T=$(mktemp -d)
cleanup() { [ -n "${BACKEND_PY_PID:-}" ] && kill "$BACKEND_PY_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
run_backend_py "$T/port" "$T/backend.log" || bail "backend.py did not start"
P=$BACKEND_PY_PORT

cat >"$T/c.conf" <<CONF
server = { http_client = { timeout = "3s"; }; };
socket_maps = {
  # "/{{ .Key }}/echo": the key ".." would make it "/echo"
  up = { target = "http://127.0.0.1:$P/{{ .Key }}/echo"; method = "GET";
         value_field = "data.result"; };
};
tcp_tables = {
  up = { target = "http://127.0.0.1:$P/{{ .Key }}/echo"; method = "GET";
         value_field = "data.result"; };
};
CONF
sm() { ns "up $1" | timeout 10 "$PFXHTTP_SPAWN" -c "$T/c.conf" socketmap; }
seen() { curl -s "http://127.0.0.1:$P/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['paths'].get(sys.argv[1], 0))" "$1"; }

is "socketmap key \"..\": not the parent's answer" "$(sm ..)" "9:NOTFOUND ,"
is "the backend received /%2E%2E/echo" "$(seen /%2E%2E/echo)" 1
is "socketmap key \".\": not the parent's answer" "$(sm .)" "9:NOTFOUND ,"
is "the backend received /%2E/echo" "$(seen /%2E/echo)" 1
got=$(printf 'get ..\n' | timeout 10 "$PFXHTTP_SPAWN" -c "$T/c.conf" tcp up)
is "tcp_table key \"..\": not the parent's answer" "$got" "500 not%20found"
is "the backend was never asked for /echo" "$(seen /echo)" 0
tap_done
