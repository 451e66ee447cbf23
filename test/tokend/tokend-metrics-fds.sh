#!/bin/bash
#
# tokend-metrics-fds.sh - the /metrics listener when tokend is out of
# descriptors.  A scraper's connection that cannot be accepted (EMFILE)
# keeps the listener readable; tokend must pause accepting, as it does
# on its own socket, not spin in its loop.  With tokend's descriptor
# limit lowered (prlimit) to two more than it has open, six scrapers
# connect and send nothing: two are accepted, four wait in the backlog.
# tokend's CPU time over the next 1.5 s must stay small; once the limit
# is raised again the endpoint answers.  Output is TAP.

. "$(dirname "$0")/common.sh"
tt_need python3 curl prlimit
tt_init tokend-metrics-fds

read -r MP <<<"$(free_ports 1)"
SOCK=$T/tokend.sock
C=$T/pfxhttp.conf
cat >"$C" <<CONF
server = {
  tokend = { socket = "$SOCK"; mode = "0600"; timeout = "1s";
    metrics = { listen = "127.0.0.1:$MP"; };
  };
};
socket_maps = {
  demo = { target = "http://127.0.0.1:1/map"; value_field = "data.result"; };
};
CONF
tt_start_tokend "$C" || bail "tokend did not start"
wait_for 100 curl -sf -o /dev/null "http://127.0.0.1:$MP/metrics" ||
    bail "no /metrics at 127.0.0.1:$MP"

# cputicks PID : user + system time of the process, in clock ticks
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

open=$(ls "/proc/$TOKEND_PID/fd" | wc -l)
soft=$(prlimit --pid "$TOKEND_PID" --nofile --output SOFT --noheadings | tr -d ' ')
prlimit --pid "$TOKEND_PID" --nofile=$((open + 2)):
check "tokend's descriptor limit is lowered to $((open + 2))" $? ""
ticks=$(python3 - "$MP" "$TOKEND_PID" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
time.sleep(0.3)
t0 = cpu()
time.sleep(1.5)        # below the 3 s after which idle scrapers are dropped
print(cpu() - t0)
PY
)
# 1.5 s of a spinning loop are some 150 ticks; an idle tokend has none
check "out of descriptors, tokend does not spin (CPU ticks in 1.5 s: $ticks)" \
    "$([ -n "$ticks" ] && [ "$ticks" -lt 30 ]; echo $?)" "ticks: $ticks"
prlimit --pid "$TOKEND_PID" --nofile="$soft":
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://127.0.0.1:$MP/metrics")
is "with descriptors again, /metrics answers" "$code" 200

tt_stop_tokend
check "tokend exits cleanly" $? ""
tt_done
