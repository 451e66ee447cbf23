#!/bin/sh
# replace.sh - exit 0 with a replacement in OUTFILE
printf 'Subject: replaced\n\nnew body\n' > "$OUTFILE"
exit 0
