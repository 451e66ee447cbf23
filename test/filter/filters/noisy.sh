#!/bin/sh
# noisy.sh - writes 1 MB to stderr (more than a pipe holds), then rejects
# with the last line: the helper must drain stderr while waiting
i=0
while [ $i -lt 16 ]; do
	head -c 65536 /dev/zero | tr '\0' 'n' | fold -w 79 >&2
	i=$((i + 1))
done
echo >&2
echo "550 5.7.1 noisy reject after 1 MB of stderr" >&2
exit 1
