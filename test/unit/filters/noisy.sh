#!/bin/sh
# noisy.sh - 10 MB on stderr (one huge line, then lines), then a reply
head -c 5000000 /dev/zero | tr '\0' x >&2
yes "noise line" | head -c 5000000 >&2
echo >&2
echo "550 5.7.1 after noise" >&2
exit 1
