#!/bin/sh
# demo.sh - a live demo of pfxhttp-spawn: installs what is missing, builds,
# starts the sample HTTP API and pipes real socketmap, tcp_table, policy
# and Dovecot SASL requests through pfxhttp-spawn, as Postfix would send
# them, asks two local check programs (contrib/checks: a key/value map and
# relay access control), relays two messages through its before-queue
# filter; then starts
# pfxhttp-tokend and sends the same lookups through its engine (one
# connection pool, the shared cache, single flight), shows its Prometheus
# metrics and explains one lookup step by step.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# DEMO_BUILD: an existing build to show (the test suite's), else build-demo
build=${DEMO_BUILD:-}
if [ -z "$build" ]; then
	"$top/contrib/deps.sh" demo
	[ -f build-demo/build.ninja ] || meson setup build-demo >/dev/null
	ninja -C build-demo >/dev/null
	build=$top/build-demo
fi
spawn=$build/pfxhttp-spawn/pfxhttp-spawn
tokend=$build/pfxhttp-tokend/pfxhttp-tokend
# an uninstalled build: the direct path is the build's module
export PFXHTTP_DIRECT_MODULE=$build/lib/pfxhttp-direct.so

tmp=$(mktemp -d)
tokend_pid=
downstream=
trap 'kill $backend $downstream $tokend_pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
python3 test/backend/backend.py --port-file "$tmp/port" &
backend=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port")
# the after-filter smtpd of the filter demo: a few lines of Python that
# answer like Postfix and say what they would queue
python3 - "$tmp/dport" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); f = c.makefile("rb"); c.sendall(b"220 after-filter ESMTP\r\n")
    for line in f:
        u = line.upper()
        if u.startswith(b"DATA"):
            c.sendall(b"354 go ahead\r\n"); n = 0
            for x in f:
                if x == b".\r\n": break
                n += len(x)
            else: break
            c.sendall(b"250 2.0.0 Ok: queued (%d bytes)\r\n" % n)
        elif u.startswith(b"QUIT"): c.sendall(b"221 2.0.0 Bye\r\n"); break
        else: c.sendall(b"250 2.0.0 Ok\r\n")
    c.close()
PY
downstream=$!
i=0
while [ ! -s "$tmp/dport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
dport=$(cat "$tmp/dport")
cat >"$tmp/scan.sh" <<'SH'
#!/bin/sh
# postprox's contract: $EMAIL is the message; exit 1 rejects with the
# last line on stderr
if grep -q 'EICAR' "$EMAIL"; then echo "550 5.7.1 virus found: EICAR" >&2; exit 1; fi
exit 0
SH
chmod 755 "$tmp/scan.sh"

printf '# KEY VALUE\npostmaster admin@example.com\nsales alice@example.com, bob@example.com\n' >"$tmp/aliases"
printf '# CLIENT_NETWORK [SENDER_PATTERN ...]\n192.0.2.0/28 @example.com <>\n' >"$tmp/relays"
cat >"$tmp/pfxhttp.conf" <<CONF
server = { http_client = { timeout = "2s"; }; };
socket_maps = {
  mailboxes = { target = "http://127.0.0.1:$port/map";
                payload = "{\"key\": \"{{ .Key }}\"}";
                value_field = "data.result"; };
  aliases = { command = [ "$top/contrib/checks/kv-map", "--file", "$tmp/aliases" ]; };
};
tcp_tables = {
  domains = { target = "http://127.0.0.1:$port/rest"; method = "GET"; };
};
policy_services = {
  rcpt = { target = "http://127.0.0.1:$port/policy";
           value_field = "policy.result"; };
  relay = { command = [ "$top/contrib/checks/relay-acl", "--file", "$tmp/relays" ]; };
};
dovecot_sasl = {
  smtp = { target = "http://127.0.0.1:$port/api/v1/auth/json"; };
};
smtp_filters = {
  scan = { downstream = "127.0.0.1:$dport"; command = "$tmp/scan.sh";
           tempdir = "$tmp"; };
};
CONF
echo "== configuration check"
"$spawn" -c "$tmp/pfxhttp.conf" -t

netstring() { printf '%d:%s,' "$(printf '%s' "$1" | wc -c)" "$1"; }

echo
echo "== socketmap (socketmap:unix:...:mailboxes), one connection, 4 lookups"
for k in alice@example.com nobody@elsewhere.org temp@example.com \
    'quoted user@example.com'; do
	netstring "mailboxes $k"
done >"$tmp/sm.in"
printf '   request: %s\n' "$(cat "$tmp/sm.in")"
printf '   replies: %s\n' "$("$spawn" -c "$tmp/pfxhttp.conf" socketmap <"$tmp/sm.in")"

echo
echo "== tcp_table (tcp:127.0.0.1:PORT), GET ?key=, %XX-encoded"
printf 'get list@example.com\nget a%%20b@example.com\nget nobody@org\nget temp@example.com\n' >"$tmp/tcp.in"
sed 's/^/   request: /' "$tmp/tcp.in"
"$spawn" -c "$tmp/pfxhttp.conf" tcp domains <"$tmp/tcp.in" | sed 's/^/   reply:   /'

echo
echo "== policy delegation (check_policy_service), three requests"
for r in policy-reject@example.com friend@example.com temp@example.com; do
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.1\nsender=s@example.org\nrecipient=%s\n\n' "$r"
done >"$tmp/pol.in"
"$spawn" -c "$tmp/pfxhttp.conf" policy rcpt <"$tmp/pol.in" |
	grep -v '^$' | paste -d' ' - /dev/null |
	awk -v r="policy-reject@example.com friend@example.com temp@example.com" \
	    'BEGIN { split(r, rc, " ") } { printf "   recipient=%-28s -> %s\n", rc[NR], $0 }'
echo
echo "== Dovecot SASL (smtpd_sasl_type = dovecot): the handshake at connect,"
echo "   then AUTH PLAIN right and wrong, AUTH LOGIN, a backend failure"
b64() { printf "$1" | base64 | tr -d '\n'; }
A='service=smtp	nologin	lip=127.0.0.1	rip=192.0.2.7'
{
	printf "VERSION\t1\t0\nCPID\t4242\n"
	printf "AUTH\t1\tPLAIN\t$A\tresp=%s\n" "$(b64 '\0alice\0secret')"
	printf "AUTH\t2\tPLAIN\t$A\tresp=%s\n" "$(b64 '\0alice\0wrong')"
	printf "AUTH\t3\tLOGIN\t$A\n"
	printf "CONT\t3\t%s\n" "$(b64 bob)"
	printf "CONT\t3\t%s\n" "$(b64 hunter2)"
	printf "AUTH\t4\tPLAIN\t$A\tresp=%s\n" "$(b64 '\0temp\0x')"
} >"$tmp/sasl.in"
sed 's/^/   C: /' "$tmp/sasl.in" | tr '\t' ' '
"$spawn" -c "$tmp/pfxhttp.conf" sasl smtp <"$tmp/sasl.in" | tr '\t' ' ' |
	sed 's/^/   S: /'
echo "   (AUTH 4: the backend failed, so the connection is closed: smtpd"
echo "   answers 454 4.7.0, a temporary failure, not 535)"

echo
echo "== local checks (contrib/checks), programs instead of HTTP APIs"
echo "   kv-map --file aliases, as socketmap:...:aliases"
for k in postmaster sales nobody; do netstring "aliases $k"; done >"$tmp/kv.in"
printf '   replies: %s\n' "$("$spawn" -c "$tmp/pfxhttp.conf" socketmap <"$tmp/kv.in")"
echo "   relay-acl --file relays ($(grep -v '^#' "$tmp/relays")), as check_policy_service"
for c in "192.0.2.5 app@example.com" "192.0.2.5 spam@elsewhere.org" "198.51.100.9 app@example.com"; do
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\nsender=%s\nrecipient=x@remote.test\n\n' $c
done >"$tmp/relay.in"
"$spawn" -c "$tmp/pfxhttp.conf" policy relay <"$tmp/relay.in" | grep -v '^$' |
	awk -v r="192.0.2.5/app@example.com 192.0.2.5/spam@elsewhere.org 198.51.100.9/app@example.com" \
	    'BEGIN { split(r, rc, " ") } { printf "   %-31s -> %s\n", rc[NR], $0 }'

echo
echo "== before-queue filter (smtpd_proxy_filter): two transactions as the"
echo "   before-filter smtpd sends them; the second holds a test virus"
for body in 'Subject: hello\r\n\r\nHi Bob.\r\n' \
    'Subject: look\r\n\r\nX5O!P%%@AP EICAR-STANDARD-ANTIVIRUS-TEST\r\n'; do
	python3 - "$spawn" "$tmp/pfxhttp.conf" "$body" <<'PY'
import subprocess, sys
p = subprocess.Popen([sys.argv[1], "-c", sys.argv[2], "smtpfilter", "scan"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def reply():
    out = b""
    while True:
        l = p.stdout.readline(); out += l
        if not l or l[3:4] != b"-": return out
def say(b):
    print("   C: " + b.decode().rstrip("\r\n").replace("\r\n", "\\r\\n"))
    p.stdin.write(b); p.stdin.flush()
    for l in reply().decode().splitlines(): print("   S: " + l)
for l in reply().decode().splitlines(): print("   S: " + l)
for c in (b"EHLO before.example\r\n", b"MAIL FROM:<alice@example.org>\r\n",
          b"RCPT TO:<bob@example.com>\r\n", b"DATA\r\n",
          sys.argv[3].replace("%%", "%").encode().decode("unicode_escape").encode() + b".\r\n"):
    say(c)
p.stdin.write(b"QUIT\r\n"); p.stdin.close(); p.wait()
PY
	echo
done
echo "   (the refused message never reached the after-filter smtpd: the"
echo "   filter dropped that connection without the final \".\")"

echo
echo "== the same socketmap lookups through pfxhttp-tokend's engine"
mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s|^server = {|server = { tokend = { socket = \"$tmp/tokend.sock\"; mode = \"0600\";\n    metrics = { listen = \"127.0.0.1:$mport\"; }; };\n  response_cache = { enabled = true; ttl = \"5m\"; serve_fresh = true; };|" \
    "$tmp/pfxhttp.conf" >"$tmp/engine.conf"
"$tokend" -f -c "$tmp/engine.conf" 2>"$tmp/tokend.log" &
tokend_pid=$!
i=0
while [ ! -S "$tmp/tokend.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
printf '   replies: %s\n' "$("$spawn" -c "$tmp/engine.conf" socketmap <"$tmp/sm.in")"
printf '   again:   %s\n' "$("$spawn" -c "$tmp/engine.conf" socketmap <"$tmp/sm.in")"
echo "   pfxhttp-tokend -s: the second round's found answers came from the"
echo "   shared cache (serve_fresh), the others from the backend again:"
"$tokend" -c "$tmp/engine.conf" -s | grep -E '^socket_maps\.mailboxes (requests_|backend_calls|cache_hits)' |
	sed 's/^/     /'
echo
echo "== pfxhttp-tokend's /metrics (Prometheus text format), a few of them"
curl -s "http://127.0.0.1:$mport/metrics" |
	grep -E '^pfxhttp_(requests_total|backend_calls_total|cache_hits_total)\{kind="socket_maps"' |
	grep -v ' 0$' | sed 's/^/   /'

echo
echo "== pfxhttp-spawn explain: one lookup, step by step (through tokend)"
"$spawn" -c "$tmp/engine.conf" explain socketmap mailboxes temp@example.com |
	sed 's/^/   /'

echo
echo "Backends that fail give Postfix temporary errors (TEMP, 400,"
echo "DEFER_IF_PERMIT), never a wrong permanent answer."
