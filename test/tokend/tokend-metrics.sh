#!/bin/bash
#
# tokend-metrics.sh - GET /metrics of pfxhttp-tokend (server.tokend.metrics)
#
#   1. configuration: -t shows the endpoint; bad listen addresses,
#      unknown keys, basic_auth without a password (or with two) and an
#      unreadable password_file are refused with file:line:reason.
#   2. a scrape passes `promtool check metrics`; every configured entry
#      is there with zeros before any lookup.
#   3. by value: lookups through pfxhttp-spawn against test/backend move
#      the found/notfound/temp counters, backend calls and the latency
#      histogram by exactly as many; cache hits with the cache on;
#      errors by class for a 503 (http_5xx) and a backend that is down
#      (connect).
#   4. Basic auth: 401 (with WWW-Authenticate) without credentials and
#      with wrong ones, 200 with the right ones; 404 and 405; HEAD.
#   5. robustness: garbage, an oversize request (431), idle and
#      half-sent requests and a scraper that stops reading a 1 MB page
#      (closed after the idle timeout), more idle connections than the
#      cap: lookups are answered meanwhile, and the endpoint still works
#      afterwards.
#   6. SIGHUP: to a unix socket (the TCP port is closed), to [::1],
#      back; an address that cannot be bound keeps the old endpoint.
#   7. contrib/grafana/pfxhttp.json uses only metric names that a real
#      scrape has.
#
# Entry names cannot hold a quote or a backslash (libconfig names), so
# label escaping is checked in test/unit/test-promtext.c.  promtool is
# required: contrib/deps.sh installs Debian's prometheus package.
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 curl jq
tt_init tokend-metrics

if ! command -v promtool >/dev/null; then
	not_ok "promtool is installed (contrib/deps.sh test installs prometheus)"
	tt_done
fi

POKE="python3 $TT_HERE/mpoke.py"
DASH=$SRCDIR/contrib/grafana/pfxhttp.json
start_backend main
BP=$BPORT_main
read -r MP MP2 <<<"$(free_ports 2)"
SOCK=$T/tokend.sock
TC=$T/tokend.conf
PWF=$T/metrics.pass
printf 'pa55:w"rd\n' >"$PWF"
chmod 0600 "$PWF"
AUTH="prom:pa55:w\"rd"

# 400 more entries: a page of about a megabyte, more than socket buffers
MANY=$(for i in $(seq 1 400); do
	printf '  m%d = { target = "http://127.0.0.1:%s/map"; };\n' "$i" "$BP"
done)
AUTH_CONF="basic_auth = { username = \"prom\"; password_file = \"$PWF\"; };"
# write_conf FILE LISTEN [METRICS-EXTRA]: METRICS-EXTRA replaces AUTH_CONF
write_conf() {
	cat >"$1" <<EOF2
server = {
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s";
    metrics = {
      listen = "$2";
      ${3-$AUTH_CONF}
    };
  };
  response_cache = { enabled = true; ttl = "5m"; serve_fresh = true;
                     fresh_ttl = "60s"; };
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result";
           cache = false; };
  cached = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
  down = { target = "http://127.0.0.1:1/map"; value_field = "data.result";
           cache = false; };
$MANY
};
policy_services = {
  pol = { target = "http://127.0.0.1:$BP/policy"; value_field = "policy.result";
          default_action = "DUNNO"; };
};
EOF2
	chmod 0600 "$1"
}

# --------------------------------------------------------- 1. configuration

write_conf "$TC" "127.0.0.1:$MP"
out=$("$TOKEND" -c "$TC" -t 2>&1)
check "tokend -t accepts the metrics configuration" $? "$out"
like "tokend -t shows the endpoint" "$out" "metrics at 127\.0\.0\.1:$MP/metrics \(basic auth\)"

# refused CONF-TEXT LISTEN REGEX
refused() {
	local name=$1 listen=$2 extra=$3 re=$4 out st
	write_conf "$T/bad.conf" "$listen" "$extra"
	out=$("$TOKEND" -c "$T/bad.conf" -t 2>&1)
	st=$?
	if [ $st -ne 0 ] && [[ $out =~ $re ]]; then ok "refused: $name"; else
		not_ok "refused: $name" "status $st" "$out" "want /$re/"
	fi
}
refused "a host name" "localhost:$MP" "" 'bad\.conf:[0-9]+: server\.tokend\.metrics\.listen "localhost:[0-9]+" has no numeric IPv4'
refused "no port" "127.0.0.1" "" 'bad\.conf:[0-9]+: .*listen "127\.0\.0\.1" must be'
refused "port 0" "127.0.0.1:0" "" 'bad\.conf:[0-9]+: .*has no port'
refused "IPv6 without brackets" "::1:$MP" "" 'bad\.conf:[0-9]+: .*IPv6 goes in \[ \]'
refused "relative unix path" "unix:m.sock" "" 'bad\.conf:[0-9]+: .*unix: needs an absolute path'
refused "an unknown key" "127.0.0.1:$MP" 'port = 9;' 'bad\.conf:[0-9]+: unknown setting "port" in server\.tokend\.metrics'
refused "basic_auth without a password" "127.0.0.1:$MP" 'basic_auth = { username = "prom"; };' 'bad\.conf:[0-9]+: .*basic_auth needs password or password_file'
refused "basic_auth with both" "127.0.0.1:$MP" "basic_auth = { username = \"prom\"; password = \"x\"; password_file = \"$PWF\"; };" 'bad\.conf:[0-9]+: .*one of them'
refused "basic_auth without a user" "127.0.0.1:$MP" 'basic_auth = { password = "x"; };' 'bad\.conf:[0-9]+: .*username is required'
refused "a missing password_file" "127.0.0.1:$MP" "basic_auth = { username = \"prom\"; password_file = \"$T/nope\"; };" "bad\.conf:[0-9]+: cannot read server\.tokend\.metrics\.basic_auth\.password_file \"$T/nope\""
: >"$T/empty.pass"
chmod 0600 "$T/empty.pass"
refused "an empty password_file (-t)" "127.0.0.1:$MP" "basic_auth = { username = \"prom\"; password_file = \"$T/empty.pass\"; };" 'password_file .*empty'
cat >"$T/bad.conf" <<EOF2
server = { tokend = { socket = "$SOCK"; metrics = { basic_auth = { username = "a"; password = "b"; }; }; }; };
socket_maps = { demo = { target = "http://127.0.0.1:$BP/map"; }; };
EOF2
out=$("$TOKEND" -c "$T/bad.conf" -t 2>&1)
like "refused: metrics without listen" "$out" 'bad\.conf:1: server\.tokend\.metrics\.listen is required'
write_conf "$T/open.conf" "0.0.0.0:$MP" ""
out=$("$TOKEND" -c "$T/open.conf" -t 2>&1)
like "a non-loopback address without basic_auth is a warning" "$out" 'warning: .*0\.0\.0\.0:[0-9]+ is not a loopback address and has no basic_auth'

# ----------------------------------------------------------- 2. first scrape

tt_start_tokend "$TC" || bail "tokend did not start"
ok "tokend is listening"
URL=http://127.0.0.1:$MP/metrics
wait_for 50 curl -sf -o /dev/null -u "$AUTH" "$URL" || bail "no /metrics on $URL"

# scrape FILE [URL] [CURL-ARGS...] : the page into FILE
scrape() {
	local f=$1 u=${2:-$URL}
	shift 2 2>/dev/null || shift $#
	curl -sS --max-time 5 -u "$AUTH" "$@" -o "$f" -w '%{http_code}' "$u"
}
# mval FILE SERIES : the value of one series ("name{labels}"), or "none"
mval() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }' "$1"; }
# delta A B SERIES : B - A
delta() { echo $(($(mval "$2" "$3") - $(mval "$1" "$3"))); }
L() { printf '{kind="%s",entry="%s"%s}' "$1" "$2" "${3:+,$3}"; }

is "GET /metrics: 200" "$(scrape "$T/s0")" 200
out=$(promtool check metrics <"$T/s0" 2>&1)
check "promtool check metrics accepts the page" $? "$out"
ctype=$(curl -sS -u "$AUTH" -o /dev/null -w '%{content_type}' "$URL")
is "content type is the text format 0.0.4" "$ctype" "text/plain; version=0.0.4; charset=utf-8"
for e in socket_maps:demo socket_maps:cached socket_maps:down policy_services:pol; do
	is "$e: requests found = 0 before any lookup" \
	    "$(mval "$T/s0" "pfxhttp_requests_total$(L "${e%%:*}" "${e#*:}" 'verdict="found"')")" 0
	is "$e: latency count = 0 before any lookup" \
	    "$(mval "$T/s0" "pfxhttp_backend_duration_seconds_count$(L "${e%%:*}" "${e#*:}")")" 0
done
is "open peers 0" "$(mval "$T/s0" pfxhttp_open_peers)" 0
is "no check process (no command entry)" "$(mval "$T/s0" pfxhttp_check_processes)" 0
like "build info carries the version" "$(grep '^pfxhttp_build_info' "$T/s0")" \
    "^pfxhttp_build_info\{version=\"$("$TOKEND" --version | awk '{print $2}')\"\} 1$"
rss=$(mval "$T/s0" pfxhttp_resident_memory_bytes)
num_cmp "resident memory is plausible (>1 MB)" "$rss" -gt 1000000
num_cmp "resident memory is plausible (<1 GB)" "$rss" -lt 1000000000
start=$(mval "$T/s0" pfxhttp_start_time_seconds)
now=$(date +%s)
num_cmp "start time is within the last minute" "$((now - ${start%.*}))" -lt 60
grep -q '^pfxhttp_uptime_seconds [0-9]' "$T/s0"
check "uptime is there" $?

# ------------------------------------------------------------- 3. by value

for k in alice bob carol; do sm "$TC" demo "$k@example.com" >>"$T/answers"; done
sm "$TC" demo x@elsewhere.org >>"$T/answers"
sm "$TC" demo missing@example.com >>"$T/answers"
sm "$TC" demo temp@example.com >>"$T/answers"
sm "$TC" demo temp2@example.com >/dev/null	# not temp@: found
sm "$TC" demo temp@example.com >>"$T/answers"
is "the lookups answered as the backend says" "$(cut -c1-8 "$T/answers" | tr '\n' ' ')" \
    "OK found OK found OK found NOTFOUND NOTFOUND TEMP bac TEMP bac "
scrape "$T/s1" >/dev/null
D=$(L socket_maps demo)
is "found moved by 4" "$(delta "$T/s0" "$T/s1" "pfxhttp_requests_total$(L socket_maps demo 'verdict="found"')")" 4
is "notfound moved by 2" "$(delta "$T/s0" "$T/s1" "pfxhttp_requests_total$(L socket_maps demo 'verdict="notfound"')")" 2
is "temp moved by 2" "$(delta "$T/s0" "$T/s1" "pfxhttp_requests_total$(L socket_maps demo 'verdict="temp"')")" 2
is "perm did not move" "$(delta "$T/s0" "$T/s1" "pfxhttp_requests_total$(L socket_maps demo 'verdict="perm"')")" 0
is "backend calls moved by 8" "$(delta "$T/s0" "$T/s1" "pfxhttp_backend_calls_total$D")" 8
is "http_5xx errors moved by 2 (two 503s)" "$(delta "$T/s0" "$T/s1" "pfxhttp_backend_errors_total$(L socket_maps demo 'class="http_5xx"')")" 2
is "connect errors did not move" "$(delta "$T/s0" "$T/s1" "pfxhttp_backend_errors_total$(L socket_maps demo 'class="connect"')")" 0
is "histogram count = backend calls" "$(mval "$T/s1" "pfxhttp_backend_duration_seconds_count$D")" 8
is "histogram +Inf bucket = count" "$(mval "$T/s1" "pfxhttp_backend_duration_seconds_bucket$(L socket_maps demo 'le="+Inf"')")" 8
le10=$(mval "$T/s1" "pfxhttp_backend_duration_seconds_bucket$(L socket_maps demo 'le="10"')")
le1ms=$(mval "$T/s1" "pfxhttp_backend_duration_seconds_bucket$(L socket_maps demo 'le="0.001"')")
num_cmp "buckets are cumulative (le=0.001 <= le=10)" "$le1ms" -le "$le10"
is "backend reached 8 times" "$(backend_stat "$BP" '.paths["/map"] // 0')" 8
is "other entries did not move" "$(mval "$T/s1" "pfxhttp_backend_calls_total$(L socket_maps cached)")" 0
num_cmp "peers accepted counted (8 spawns)" "$(mval "$T/s1" pfxhttp_peers_accepted_total)" -ge 8

sm "$TC" cached alice@example.com >/dev/null
sm "$TC" cached alice@example.com >/dev/null
sm "$TC" cached alice@example.com >/dev/null
sm "$TC" down alice@example.com >/dev/null
sm "$TC" down bob@example.com >/dev/null
is "policy lookup answered" "$(policy "$TC" pol dunno@example.com)" "action=DUNNO"
scrape "$T/s2" >/dev/null
C=$(L socket_maps cached)
is "cache on: one backend call for three lookups" "$(mval "$T/s2" "pfxhttp_backend_calls_total$C")" 1
is "cache on: two cache hits" "$(mval "$T/s2" "pfxhttp_cache_hits_total$C")" 2
is "cache on: found moved by 3" "$(mval "$T/s2" "pfxhttp_requests_total$(L socket_maps cached 'verdict="found"')")" 3
num_cmp "cache entries counted" "$(mval "$T/s2" pfxhttp_cache_entries)" -ge 1
is "backend down: 2 connect errors" "$(mval "$T/s2" "pfxhttp_backend_errors_total$(L socket_maps down 'class="connect"')")" 2
is "backend down: temp moved by 2" "$(mval "$T/s2" "pfxhttp_requests_total$(L socket_maps down 'verdict="temp"')")" 2
is "backend down: histogram count 2" "$(mval "$T/s2" "pfxhttp_backend_duration_seconds_count$(L socket_maps down)")" 2
is "policy: one found (an action)" "$(mval "$T/s2" "pfxhttp_requests_total$(L policy_services pol 'verdict="found"')")" 1
is "the demo entry did not move since" "$(delta "$T/s1" "$T/s2" "pfxhttp_backend_calls_total$D")" 0
out=$(promtool check metrics <"$T/s2" 2>&1)
check "promtool accepts the page with values" $? "$out"

# ---------------------------------------------------------- 4. HTTP and auth

code() { curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
is "no credentials: 401" "$(code "$URL")" 401
is "wrong password: 401" "$(code -u 'prom:wrong' "$URL")" 401
is "wrong user: 401" "$(code -u 'other:pa55:w"rd' "$URL")" 401
is "password prefix: 401" "$(code -u 'prom:pa55' "$URL")" 401
is "password with a newline: 401" "$(code -u "$AUTH"$'\n' "$URL")" 401
is "right credentials: 200" "$(code -u "$AUTH" "$URL")" 200
hdrs=$(curl -sS -D - -o /dev/null "$URL" | tr -d '\r')
like "401 says WWW-Authenticate: Basic realm=\"pfxhttp\"" "$hdrs" 'WWW-Authenticate: Basic realm="pfxhttp"'
body=$(curl -sS "$URL")
is "401 shows no counters" "$(grep -c pfxhttp_ <<<"$body")" 0
is "other path: 404" "$(code -u "$AUTH" "http://127.0.0.1:$MP/")" 404
is "/metricsx: 404" "$(code -u "$AUTH" "http://127.0.0.1:$MP/metricsx")" 404
is "/metrics?x=1: 200" "$(code -u "$AUTH" "$URL?x=1")" 200
is "POST: 405" "$(code -u "$AUTH" -X POST -d x "$URL")" 405
is "DELETE: 405" "$(code -u "$AUTH" -X DELETE "$URL")" 405
hdrs=$(curl -sS -D - -o /dev/null -u "$AUTH" -X PUT "$URL" | tr -d '\r')
like "405 says Allow: GET, HEAD" "$hdrs" 'Allow: GET, HEAD'
hdrs=$(curl -sS -I -u "$AUTH" "$URL" | tr -d '\r')
like "HEAD: 200" "$hdrs" '^HTTP/1.1 200 OK'
like "Connection: close" "$hdrs" 'Connection: close'
is "HEAD has no body" "$(curl -sS -I -u "$AUTH" "$URL" | sed '1,/^\r$/d' | wc -c)" 0
is "HTTP/1.0 works" "$(code -0 -u "$AUTH" "$URL")" 200
grep -q 'pa55' "$T/tokend.log"
check "the password is not in tokend's log" $((!$?))

# ------------------------------------------------------------ 5. robustness

A=127.0.0.1:$MP
is "garbage: 400" "$($POKE "$A" send "$(printf 'garbage\r\n\r\n' | od -An -tx1 | tr -d ' \n')")" "HTTP/1.1 400 Bad Request"
is "binary garbage: 400" "$($POKE "$A" send 00ff0d0a0d0a)" "HTTP/1.1 400 Bad Request"
is "HTTP/2 preface: 400" "$($POKE "$A" send "$(printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' | od -An -tx1 | tr -d ' \n')")" "HTTP/1.1 400 Bad Request"
is "bare LF request works" "$($POKE "$A" send "$(printf 'GET /metrics HTTP/1.0\nAuthorization: Basic %s\n\n' "$(printf '%s' "$AUTH" | base64 -w0)" | od -An -tx1 | tr -d ' \n')")" "HTTP/1.1 200 OK"
big=$(head -c 10000 /dev/zero | tr '\0' 'a')
is "a 10 kB header: 431" "$(code -u "$AUTH" -H "X-Big: $big" "$URL")" 431
is "a lookup after garbage" "$(sm "$TC" demo dave@example.com)" "OK found:dave@example.com"

# idle connections, more than the cap (8), held 4.5 s (idle limit 3 s);
# then (newer, so not the ones dropped for room) a scraper that stops
# reading and one that sends half a request line
$POKE "$A" idle 12 4.5 >"$T/idle.out" &
IDLE=$!
tt_track $IDLE
sleep 0.3
$POKE "$A" stall "$AUTH" 4 >"$T/stall.out" &
STALL=$!
tt_track $STALL
sleep 0.2
$POKE "$A" half 8 >"$T/half.out" &
HALF=$!
tt_track $HALF
sleep 0.3
timed_check is "a lookup while idle and stalled scrapers hold connections" "OK found:erin@example.com" \
    "... answered in @ms ms" 1000 sm "$TC" demo erin@example.com
is "a scrape meanwhile" "$(code -u "$AUTH" "$URL")" 200
wait $IDLE
is "all 12 idle connections were closed (cap, idle timeout)" "$(cat "$T/idle.out")" 12
wait $STALL
like "a scraper that stops reading a $(wc -c <"$T/s1") byte page is dropped after the idle timeout" \
    "$(cat "$T/stall.out")" '^cut [0-9]+$'
wait $HALF
half=$(cat "$T/half.out")
like "a half-sent request is closed after the idle timeout (${half}s)" "$half" '^[2-4]\.[0-9]$'
is "a lookup afterwards" "$(sm "$TC" demo frank@example.com)" "OK found:frank@example.com"
is "a scrape afterwards" "$(code -u "$AUTH" "$URL")" 200
kill -0 "$TOKEND_PID"
check "tokend is still running" $?

# --------------------------------------------------------------- 6. SIGHUP

reloads() { grep -c 'configuration reloaded' "$T/tokend.log"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
reload_to() {
	local n0
	n0=$(reloads)
	write_conf "$TC" "$@"
	kill -HUP "$TOKEND_PID"
	wait_for 50 reloaded_since "$n0"
}
MS=$T/metrics.sock
reload_to "unix:$MS"
check "SIGHUP to unix:$MS" $?
wait_for 20 test -S "$MS"
check "the unix socket exists" $?
is "scrape on the unix socket: 200" "$(code --unix-socket "$MS" -u "$AUTH" http://localhost/metrics)" 200
scrape "$T/s3" http://localhost/metrics --unix-socket "$MS" >/dev/null
out=$(promtool check metrics <"$T/s3" 2>&1)
check "promtool accepts the page from the unix socket" $? "$out"
is "the counters survived the reload" "$(mval "$T/s3" "pfxhttp_requests_total$(L socket_maps cached 'verdict="found"')")" 3
is "the unix socket needs the password too" "$(code --unix-socket "$MS" http://localhost/metrics)" 401
is "the TCP port is closed" "$(code "$URL")" 000
is "a lookup after the switch" "$(sm "$TC" demo gina@example.com)" "OK found:gina@example.com"

reload_to "unix:$MS"
is "the same address again keeps the socket" "$(code --unix-socket "$MS" -u "$AUTH" http://localhost/metrics)" 200

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	reload_to "[::1]:$MP2" ""
	is "[::1]: scrape without basic_auth: 200" "$(code "http://[::1]:$MP2/metrics")" 200
	is "the unix socket is gone" "$(test -e "$MS" && echo there || echo gone)" gone
else
	ok "# SKIP no IPv6 loopback"
	ok "# SKIP no IPv6 loopback"
fi

reload_to "127.0.0.1:$BP"	# the backend has that port: cannot bind
like "an address that cannot be bound is logged" "$(grep 'metrics: listen on 127.0.0.1:'"$BP" "$T/tokend.log")" 'Address already in use; the metrics endpoint stays as it was'
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	is "... and the old endpoint stays" "$(code "http://[::1]:$MP2/metrics")" 200
else
	is "... and the old endpoint stays" "$(code --unix-socket "$MS" -u "$AUTH" http://localhost/metrics)" 200
fi
reload_to "127.0.0.1:$MP"
is "back to TCP: 200" "$(code -u "$AUTH" "$URL")" 200

# ---------------------------------------------------- 7. the Grafana dashboard

scrape "$T/s4" >/dev/null
jq -e . "$DASH" >/dev/null
check "the dashboard is valid JSON" $?
# the panels' expressions and the variables' queries
names=$(jq -r '.. | objects | (.expr?, .definition?) | strings' "$DASH" |
    grep -o 'pfxhttp_[a-z_]*' | sort -u)
num_cmp "the dashboard uses metrics" "$(wc -w <<<"$names")" -ge 8
missing=
for n in $names; do
	grep -q "^$n[{ ]" "$T/s4" || missing="$missing $n"
done
is "every metric in the dashboard is in a real scrape" "${missing:-none}" none
is "the dashboard's datasource is a variable" \
    "$(jq -r '[.templating.list[] | select(.type == "datasource")] | length' "$DASH")" 1

tt_stop_tokend
check "tokend stopped cleanly" $?
is "the TCP port is closed after stop" "$(code "$URL")" 000
tt_done
