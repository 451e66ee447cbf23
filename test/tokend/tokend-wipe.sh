#!/bin/bash
#
# tokend-wipe.sh - a password that went through pfxhttp-tokend to the
# backend is gone from tokend's memory once the login is answered.
#
# A dovecot_sasl entry through tokend checks PLAIN logins at
# test/backend/backend.py's /api/v1/auth/json; the passwords are unique
# markers.  After the logins, every readable mapping of tokend's memory
# (/proc/PID/mem, as root) is searched: no marker may be left, in tokend's
# own buffers or in libcurl's (tokend hands libcurl wiping allocator
# functions, and wipes when the configuration holds credentials).  A
# lookup key of a cached socketmap answer, which tokend keeps on purpose,
# shows that the search does find what is there.  Output is TAP.

. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to read another process's memory"
tt_need python3 curl
tt_init tokend-wipe

start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
C=$T/pfxhttp.conf
cat >"$C" <<CONF
server = {
  logging = { level = "info"; };
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; };
};
dovecot_sasl = {
  smtp = { target = "http://127.0.0.1:$BP/api/v1/auth/json"; };
};
socket_maps = {
  kept = { target = "http://127.0.0.1:$BP/socketmap/demo"; value_field = "demo.result"; };
};
CONF
chmod 600 "$C"
tt_start_tokend "$C" || bail "tokend did not start"

# login USER PASSWORD : one AUTH PLAIN dialogue, as smtpd speaks it;
# prints the server's answer line (OK/FAIL/...)
login() {
	python3 - "$SPAWN" "$C" "$1" "$2" <<'EOF'
import base64, socket, subprocess, sys
spawn, conf, user, pw = sys.argv[1:5]
a, b = socket.socketpair()
p = subprocess.Popen([spawn, "-c", conf, "sasl", "smtp"], stdin=b, stdout=b,
                     stderr=subprocess.DEVNULL)
b.close()
resp = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()
a.sendall(b"VERSION\t1\t2\nCPID\t4242\n")
f = a.makefile("rb")
while True:
    line = f.readline()
    if not line or line == b"DONE\n":
        break
a.sendall(("AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\t"
           "rip=192.0.2.7\tresp=%s\n" % resp).encode())
ans = f.readline().decode().split("\t")[0].strip()
f.close()
a.shutdown(socket.SHUT_RDWR)
a.close()
p.wait(timeout=20)
print(ans or "EOF")
EOF
}

tag=$$-$RANDOM$RANDOM
key="kept-$tag@example.com"
out=$(sm "$C" kept "$key")
check "a socketmap lookup through tokend is answered" "$([ -n "$out" ] && [ "${out#EOF}" = "$out" ]; echo $?)" "$out"
is "the search finds the key tokend keeps in its cache" "$(memhas "$TOKEND_PID" "$key")" 1

fails=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(login alice "Wipe-Pw-$tag-$i")" = FAIL ] || fails=$((fails + 1))
done
is "eight logins with wrong passwords each get FAIL" "$fails" 0
left=0
for i in 1 2 3 4 5 6 7 8; do
	left=$((left + $(memhas "$TOKEND_PID" "Wipe-Pw-$tag-$i")))
done
is "no password is left anywhere in tokend's memory" "$left" 0
is "... nor the base64 the client sent" "$(memhas "$TOKEND_PID" "$(printf '\0alice\0Wipe-Pw-%s-8' "$tag" | base64 -w0)")" 0

tt_stop_tokend
check "tokend exits cleanly" $? ""

# A proxy's credentials are a credential too: with nothing else secret
# in the configuration, libcurl's Proxy-Authorization header (base64 of
# user:password; backend.py serves the absolute-form requests of a
# proxy) must not be left behind in its freed memory.
C2=$T/proxy.conf
cat >"$C2" <<CONF
server = {
  logging = { level = "info"; };
  http_client = { timeout = "2s"; connect_timeout = "1s";
    proxy = "http://pxuser:Proxy-Pw-$tag@127.0.0.1:$BP"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = false; };
};
socket_maps = {
  viaproxy = { target = "http://192.0.2.1:9/map"; value_field = "data.result"; };
};
CONF
chmod 600 "$C2"
tt_start_tokend "$C2" || bail "tokend did not start"
answered=0
for i in 1 2 3 4 5 6 7 8; do
	out=$(sm "$C2" viaproxy "px$i-$tag@example.com")
	case $out in
	OK*|NOTFOUND*) answered=$((answered + 1));;
	*) echo "# lookup $i through the proxy: $out";;
	esac
done
is "eight lookups through the proxy (to an address only it reaches) are answered" "$answered" 8
is "the proxy's credentials are not left in tokend's memory" \
    "$(memhas "$TOKEND_PID" "$(printf 'pxuser:Proxy-Pw-%s' "$tag" | base64 -w0)")" 0
tt_stop_tokend
check "tokend exits cleanly (proxy)" $? ""
tt_done
