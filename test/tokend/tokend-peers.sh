#!/bin/bash
#
# tokend-peers.sh - tokend's peer limits and its last words.
#
#   1. a peer that connects and sends nothing is dropped after
#      server.idle_timeout (2 s here); a spawn whose connection was
#      dropped reconnects for its next lookup.
#   2. with a file limit of 64 (connection cap 32) filled by 60 idle
#      peers, a new spawn is still served (the peer idle longest goes).
#   3. the file limit lowered under a running tokend (prlimit) so that
#      accept fails with EMFILE: tokend does not spin (CPU time over 2 s
#      from /proc/PID/stat) and still answers.
#   4. fatal errors are logged at logging.level = "none"; out of memory
#      (RLIMIT_AS) is logged before tokend exits 75.
#
# Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 jq curl prlimit
tt_init tokend-peers

start_backend main
BP=$BPORT_main
SOCK=$T/tokend.sock
TC=$T/tokend.conf
SC=$T/spawn.conf

# write_conf FILE IDLE_TIMEOUT [LEVEL]
write_conf() {
	cat >"$1" <<EOF
server = {
  logging = { level = "${3:-debug}"; };
  idle_timeout = "$2";
  http_client = { timeout = "2s"; connect_timeout = "1s"; };
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s"; };
  response_cache = { enabled = true; ttl = "5m"; serve_fresh = true; fresh_ttl = "5m"; };
};
socket_maps = {
  demo = { target = "http://127.0.0.1:$BP/map"; value_field = "data.result"; };
};
EOF
}
write_conf "$TC" 2s
write_conf "$SC" 1h
map_count() { backend_stat "$BP" '.paths["/map"] // 0'; }

# hold N : open N idle connections in the background (HOLD_PID); how
# many connected is in $T/held
hold() {
	rm -f "$T/held"
	python3 -c '
import os, socket, sys, time
n, path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
held = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
        held.append(s)
    except OSError:
        s.close()
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % len(held))
os.rename(out + ".tmp", out)
time.sleep(60)
' "$1" "$SOCK" "$T/held" >/dev/null 2>&1 &
	HOLD_PID=$!
	tt_track $HOLD_PID
	wait_for 100 test -s "$T/held"
}
unhold() { kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; }
# cpu_ticks PID : utime + stime
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# ------------------------------------------------------- 1. idle timeout

tt_start_tokend "$TC" || bail "tokend did not start"
t=$(python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(8)
t0 = time.time()
try:
    s.recv(1)
    print(int((time.time() - t0) * 1000))
except socket.timeout:
    print("never")
' "$SOCK")
[[ $t =~ ^[0-9]+$ ]] && [ "$t" -ge 1500 ] && [ "$t" -le 4500 ]
check "a silent peer is dropped after idle_timeout (2 s; after ${t} ms)" $?

b0=$(map_count)
out=$({ ns "demo idle1@example.com"; sleep 3.5; ns "demo idle1@example.com"; } |
    timeout 20 "$SPAWN" -c "$SC" socketmap 2>/dev/null)
is "a spawn idle past it: both lookups found" "$(grep -o 'OK found' <<<"$out" | wc -l)" 2
is "... the second from tokend's cache (spawn reconnected at once)" "$(($(map_count) - b0))" 1
tt_stop_tokend

# ------------------------------------------ 2. the cap, filled by idle peers

write_conf "$TC" 1h
printf '#!/bin/sh\nulimit -n 64\nexec "%s" "$@"\n' "$TOKEND" >"$T/tokend-lowfd"
chmod +x "$T/tokend-lowfd"
REAL_TOKEND=$TOKEND
TOKEND=$T/tokend-lowfd
tt_start_tokend "$TC" || bail "tokend (ulimit -n 64) did not start"
TOKEND=$REAL_TOKEND
is "(tokend runs with a file limit of 64)" "$(awk '/^Max open files/ { print $4 }' "/proc/$TOKEND_PID/limits")" 64
is "fresh lookup (stored)" "$(sm "$SC" demo cap@example.com)" "OK found:cap@example.com"
hold 60
is "60 idle peers connect (more than the cap of 32)" "$(cat "$T/held")" 60
b0=$(map_count)
timed_check is "a new spawn is served from the cache (serve_fresh)" "OK found:cap@example.com" \
    "... at once (@ms ms)" 2000 sm "$SC" demo cap@example.com
is "... without reaching the backend" "$(($(map_count) - b0))" 0
num_cmp "tokend holds at most 32 peers" "$(tstat "$SC" connections)" -le 32
unhold
tt_stop_tokend

# -------------------------------------------- 3. EMFILE: no busy loop

tt_start_tokend "$TC" || bail "tokend did not start"
is "fresh lookup (stored)" "$(sm "$SC" demo emfile@example.com)" "OK found:emfile@example.com"
prlimit --pid "$TOKEND_PID" --nofile=40:40
hold 80
is "80 idle peers connect (file limit 40, lowered at run time)" "$(cat "$T/held")" 80
sleep 0.5
c0=$(cpu_ticks "$TOKEND_PID")
sleep 2
c1=$(cpu_ticks "$TOKEND_PID")
num_cmp "tokend used < 0.3 s of CPU in 2 s (ticks: $((c1 - c0)))" "$((c1 - c0))" -lt 30
b0=$(map_count)
timed_check is "a new spawn is still served" "OK found:emfile@example.com" \
    "... at once (@ms ms)" 2000 sm "$SC" demo emfile@example.com
is "... by tokend's cache, not the backend" "$(($(map_count) - b0))" 0
grep -q 'out of file descriptors' "$T/tokend.log"
check "tokend logged running out of descriptors" $? "$(tail -3 "$T/tokend.log")"
unhold
tt_stop_tokend

# ------------------------------------------------------ 4. last words

write_conf "$TC" 1h none
: >"$SOCK"
timeout 10 python3 "$TT_HERE/ttylog.py" --pidfile "$T/none.pid" "$T/tokend-none.log" "$TOKEND" -f -c "$TC"
is "logging.level none, socket path is a plain file: tokend exits 1" "$?" 1
grep -q 'exists and is not a socket' "$T/tokend-none.log"
check "... and says why, even at level none" $? "$(cat "$T/tokend-none.log")"
rm -f "$SOCK"

if ldd "$TOKEND" 2>/dev/null | grep -q libasan; then
	ok "# SKIP out of memory under ASan (its allocator aborts instead)"
	ok "# SKIP out of memory under ASan"
	tt_done
fi
write_conf "$TC" 1h
tt_start_tokend "$TC" || bail "tokend did not start"
vm=$(awk '/^VmSize/ { print $2 }' "/proc/$TOKEND_PID/status")
prlimit --pid "$TOKEND_PID" --as=$(((vm + 64) * 1024))
# one 250 kB request: its buffer cannot be allocated
python3 -c '
import socket, sys
def ns(b): return str(len(b)).encode() + b":" + b + b","
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
body = ns(b"PFXTOK1") + ns(b"CPUT") + ns(b"socket_maps") + ns(b"demo") + ns(b"k") + ns(b"0") + ns(b"v" * 250000)
try:
    s.sendall(ns(body)); s.recv(1)
except OSError:
    pass
' "$SOCK"
tt_stop_tokend
is "out of memory: tokend exits 75" "$?" 75
grep -q 'fatal: out of memory' "$T/tokend.log"
check "... and logs it first" $? "$(tail -3 "$T/tokend.log")"

tt_done
