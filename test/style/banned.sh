#!/bin/sh
# banned.sh - fail if a C library call known for overflows or surprises
# appears in pfxhttp's own sources (curl's checksrc idea, small).
# Use buf_printf/buf_append, tok_num/duration_parse and friends instead.
# Every C file of the tree counts, wherever it lives.
root=${PFXHTTP_SRCDIR:-$(dirname "$0")/../..}
pat='\<(gets|sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|atoi|atol|atoll|sscanf|system|popen|alloca|tmpnam|getline)[[:space:]]*\('
echo "1..2"
files=$(find "$root" -name '*.c' -not -path '*/node_modules/*' \
    -not -path "$root/build*" -not -path '*/.git/*' | sort)
if [ -z "$files" ]; then
	echo "not ok 1 - C sources found"
	exit 1
fi
echo "ok 1 - C sources found"
# shellcheck disable=SC2086
if grep -nE "$pat" $files; then
	echo "not ok 2 - no banned calls"
	exit 1
fi
echo "ok 2 - no banned calls"
