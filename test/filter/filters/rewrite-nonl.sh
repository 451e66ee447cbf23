#!/bin/sh
# rewrite-nonl.sh - a replacement whose last line has no line end
printf 'From: filter@example.org\nTo: bob@example.com\nSubject: no final newline\nMessage-Id: <nonl@filter.example>\nDate: Wed, 02 Dec 2026 01:00:00 +0000\n\nthe last line has no newline' >"$OUTFILE" || exit 3
exit 0
