#!/bin/bash
#
# tokend-h1.sh - tokend's own HTTP/1.1 client (h1pool.c), which serves
# plain-HTTP backends at an IP address, against a backend that frames its
# answers every way a server may and breaks them (h1-backend.py):
#
#   1. it is the one in use: tokend -s counts its connections, and the
#      request is what libcurl would send (request line, Host, Accept,
#      User-Agent, Content-Type and Content-Length; no Expect);
#   2. chunked bodies with a trailer, "Connection: close" and an HTTP/1.0
#      body that runs to the close are read whole;
#   3. kept alive: many lookups share one connection;
#   4. a kept-alive connection the backend closes as the request arrives
#      costs nothing: the request goes again on a new connection, once;
#      a backend that never answers is a temporary error, not a loop;
#   5. answers that could be read two ways (Content-Length and chunked),
#      cut short or late are temporary errors, and the next lookup on the
#      same entry is answered;
#   6. a reload ends the queue as well as the exchange under way: with
#      max_connections_per_host = 1, one 3 s call under way and three
#      waiting for the connection, SIGHUP answers all four with a
#      temporary error and sends no waiting request on the way.
#
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3
tt_init tokend-h1

mkdir -p "$T/h1"
python3 "$TT_HERE/h1-backend.py" "$T/h1/port" "$T/h1" 2>"$T/h1/stderr" &
tt_track $!
wait_for 100 test -s "$T/h1/port" || bail "h1-backend.py did not start: $(cat "$T/h1/stderr")"
P=$(cat "$T/h1/port")
SOCK=$T/tokend.sock
C=$T/pfxhttp.conf
entries=
for e in chunked close http10 drop dropall smuggle cut slow plain; do
	entries="$entries $e = { target = \"http://127.0.0.1:$P/$e\"; value_field = \"data.result\"; };"
done
cat >"$C" <<CONF
server = {
  logging = { level = "info"; };
  http_client = { timeout = "1s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "2s"; };
};
tcp_tables = { $entries };
CONF
tt_start_tokend "$C" || bail "tokend did not start"
conns() { cat "$T/h1/conns" 2>/dev/null || echo 0; }

# 1. in use, and the request libcurl would have sent
is "a plain lookup is answered" "$(tcp "$C" plain k1)" "200 PLAIN"
n=$(tstat "$C" http1_connections)
num_cmp "tokend -s: its own client holds the connection (http1_connections)" "${n:-0}" -ge 1
head=$(tr -d '\r' <"$T/h1/head")
# hasline NAME ERE : a line of the request head matches
hasline() { grep -qE "$2" <<<"$head"; check "$1" $? "$head"; }
hasline "request line" '^POST /plain HTTP/1\.1$'
hasline "Host names the address and port" "^Host: 127\\.0\\.0\\.1:$P\$"
hasline "Accept: application/json" '^Accept: application/json$'
hasline "User-Agent: pfxhttp/..." '^User-Agent: pfxhttp/'
hasline "Content-Type: application/json" '^Content-Type: application/json$'
hasline "Content-Length" '^Content-Length: [0-9]+$'
! grep -qi '^Expect' <<<"$head"
check "no Expect header" $? "$head"

# 2. framings
is "chunked body with a trailer" "$(tcp "$C" chunked k)" "200 CHUNKED"
is "Connection: close" "$(tcp "$C" close k)" "200 CLOSE"
is "HTTP/1.0, the body up to the close" "$(tcp "$C" http10 k)" "200 HTTP10"
is "Connection: close again (a new connection)" "$(tcp "$C" close k2)" "200 CLOSE"

# 3. keep-alive: 20 lookups on one spawn connection, one backend connection
c0=$(conns)
out=$(for i in $(seq 20); do printf 'get key%d\n' "$i"; done |
    timeout 30 "$SPAWN" -c "$C" tcp chunked 2>/dev/null | sort | uniq -c | awk '{print $1, $2, $3}')
is "20 chunked lookups, all answered" "$out" "20 200 CHUNKED"
is "... over at most one new backend connection" "$(( $(conns) - c0 <= 1 ))" 1

# 4. a kept-alive connection closed as the request arrives
is "drop: first lookup (a new connection)" "$(tcp "$C" drop k1)" "200 DROP"
c0=$(conns)
is "drop: the next one, sent again on a new connection" "$(tcp "$C" drop k2)" "200 DROP"
is "drop: ... which took one connection more" "$(( $(conns) - c0 ))" 1
got=$(tcp "$C" dropall k)
like "dropall: a backend that never answers is a temporary error" "$got" '^400 '
is "the entry after it still answers" "$(tcp "$C" plain k3)" "200 PLAIN"

# 5. two readings, a cut answer, a late one
like "Content-Length and chunked: temporary error" "$(tcp "$C" smuggle k)" '^400 '
like "a body cut short: temporary error" "$(tcp "$C" cut k)" '^400 '
like "an answer after the 1 s timeout: temporary error" "$(tcp "$C" slow k)" '^400 '
is "after all that, chunked still answers" "$(tcp "$C" chunked k9)" "200 CHUNKED"
is "tokend refused no peer" "$(tstat "$C" connections_refused)" 0

tt_stop_tokend
is "tokend exits 0 on SIGTERM" "$?" 0

# 6. a reload while three lookups wait for the one connection
C2=$T/pfxhttp-queue.conf
cat >"$C2" <<CONF
server = {
  logging = { level = "info"; };
  http_client = { timeout = "8s"; connect_timeout = "1s"; max_connections_per_host = 1; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "2s"; };
};
tcp_tables = { slow = { target = "http://127.0.0.1:$P/slow"; value_field = "data.result"; }; };
CONF
tt_start_tokend "$C2" "$T/tokend-queue.log" || bail "tokend (queue) did not start"
c0=$(conns)
qpids=()
for i in 1 2 3 4; do
	tcp "$C2" slow "q$i" >"$T/q$i.out" &
	qpids+=("$!")
	sleep 0.1
done
more_conns() { [ "$(conns)" -gt "$1" ]; }
wait_for 50 more_conns "$c0"
sleep 0.3	# the other three are in the queue by now
is "queue: one connection while four lookups wait" "$(( $(conns) - c0 ))" 1
kill -HUP "$TOKEND_PID"
wait "${qpids[@]}"
got=$(cat "$T"/q[1-4].out | cut -c1-4 | sort | uniq -c | awk '{print $1, $2}')
is "queue: SIGHUP answers all four with a temporary error" "$got" "4 400"
sleep 0.3	# a request sent on the way would have connected by now
is "queue: ... and no waiting request reached the backend" "$(( $(conns) - c0 ))" 1
tt_stop_tokend
tt_done
