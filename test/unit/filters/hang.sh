#!/bin/sh
# hang.sh - never exits on its own; two children sleep too
echo $$ > "$PIDFILE"
echo "still scanning" >&2
sleep 60 &
sleep 60 &
wait
exit 0
