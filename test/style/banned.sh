#!/bin/sh
# banned.sh - fail if a C library call known for overflows or surprises
# appears in pfxhttp's own sources (curl's checksrc idea, small).
# Use buf_printf/buf_append, tok_num/duration_parse and friends instead.
root=${PFXHTTP_SRCDIR:-$(dirname "$0")/../..}
pat='\<(gets|sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|atoi|atol|atoll|sscanf|system|popen|alloca|tmpnam|getline)[[:space:]]*\('
echo "1..1"
if grep -nE "$pat" "$root"/lib/*.c "$root"/pfxhttp-spawn/*.c \
    "$root"/pfxhttp-tokend/*.c; then
	echo "not ok 1 - no banned calls"
	exit 1
fi
echo "ok 1 - no banned calls"
