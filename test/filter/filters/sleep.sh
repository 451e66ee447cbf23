#!/bin/sh
# sleep.sh - never finishes in time: ignores SIGTERM (so does every child
# it starts), keeps a child and a grandchild sleeping; the test looks for
# them by the marker pfxfilter-sleep-marker and the sleep lengths
trap '' TERM HUP INT
sh -c 'sleep 57.321; : pfxfilter-sleep-marker' &
sleep 56.789
wait
exit 0
