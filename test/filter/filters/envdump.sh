#!/bin/sh
# envdump.sh - accept, after recording what the filter saw in
# DUMP/env.TAG (DUMP = the dump directory next to filters/, TAG = the
# message's X-Tag header): the contract's variables, the $EMAIL and
# $OUTFILE files (mode, owner, size, directory), every file in $EMAIL's
# directory, the filter's fds 0-2, its process group and its parent's,
# its arguments; a copy of $EMAIL in DUMP/email.TAG.
dir=$(cd "$(dirname "$0")/.." && pwd)/dump
tag=$(sed -n -e '/^$/q' -e 's/^X-Tag: *\([A-Za-z0-9_.-]*\).*/\1/p' "$EMAIL" | head -n 1)
[ -n "$tag" ] || tag=notag
out=$dir/env.$tag
{
	for v in SENDER RECIPIENT RECIPIENTS RECIPIENTCOUNT CLIENT_ADDRESS \
	    CLIENT_NAME HELO REMOTEIP PATH FILTER_EXTRA FILTER_VIA; do
		eval "printf '%s=%s\n' $v \"\${$v-<unset>}\""
	done
	printf 'ARGC=%s\n' "$#"
	for a in "$@"; do
		printf 'ARG=[%s]\n' "$a"
	done
	printf 'EMAIL_STAT=%s\n' "$(stat -c '%a %U %s' "$EMAIL")"
	printf 'EMAIL_DIR=%s\n' "$(dirname "$EMAIL")"
	printf 'OUTFILE_STAT=%s\n' "$(stat -c '%a %U %s' "$OUTFILE")"
	printf 'OUTFILE_DIR=%s\n' "$(dirname "$OUTFILE")"
	for f in "$(dirname "$EMAIL")"/* "$(dirname "$EMAIL")"/.*; do
		[ -f "$f" ] || continue
		printf 'SPOOLFILE=%s\n' "$(stat -c '%a %U %n' "$f")"
	done
	for fd in 0 1 2; do
		printf 'FD%s=%s\n' "$fd" "$(readlink /proc/$$/fd/$fd)"
	done
	printf 'NFDS=%s\n' "$(ls /proc/$$/fd | wc -l)"
	printf 'PGID=%s\n' "$(ps -o pgid= -p $$ | tr -d ' ')"
	printf 'PARENT_PGID=%s\n' "$(ps -o pgid= -p $PPID | tr -d ' ')"
	printf 'PID=%s\n' "$$"
	printf 'ENVNAMES=%s\n' "$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort | paste -sd' ' -)"
} >"$out.tmp"
cp "$EMAIL" "$dir/email.$tag"
mv "$out.tmp" "$out"
exit 0
