#!/bin/sh
# rewrite-crlf.sh - the same replacement with CRLF line ends
sed 's/$/\r/' "$(dirname "$0")/rewritten.txt" >"$OUTFILE" || exit 3
exit 0
