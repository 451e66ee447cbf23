#!/bin/sh
# longreject.sh - exit 1 with a 10000-byte last stderr line
printf '550 5.7.1 ' >&2
head -c 10000 /dev/zero | tr '\0' 'x' >&2
echo >&2
exit 1
