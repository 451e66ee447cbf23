#!/bin/sh
# dispatch.sh - the smtpfilter test command: runs filters/NAME.sh, NAME
# taken from the message's first "X-Filter: NAME" header in $EMAIL
# (default accept).  An unknown NAME is an exec failure (exit 127).
# Arguments are passed on.
dir=$(dirname "$0")
name=$(sed -n -e '/^$/q' -e 's/^X-Filter: *\([A-Za-z0-9_-]*\).*/\1/p' "$EMAIL" 2>/dev/null | head -n 1)
[ -n "$name" ] || name=accept
exec "$dir/$name.sh" "$@"
