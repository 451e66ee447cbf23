#!/bin/sh
# reject-with.sh - exit 1, stderr is $REPLY with printf %b escapes
printf '%b' "$REPLY" >&2
exit 1
