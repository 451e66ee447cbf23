#!/bin/sh
# daemon.sh - leaves a sleeping daemon in its group (orphaned: its parent
# subshell is gone before the filter exits), then accepts
echo $$ > "$PIDFILE"
(sleep 60 </dev/null >/dev/null 2>&1 & echo $! > "$PIDFILE.daemon")
exit 0
