#!/bin/sh
# scribble.sh - overwrites $EMAIL (which it may not change) and accepts
# with an empty $OUTFILE: what goes down must still be the message
printf 'Subject: scribbled\n\nthe filter overwrote $EMAIL\n' >"$EMAIL" 2>/dev/null
exit 0
