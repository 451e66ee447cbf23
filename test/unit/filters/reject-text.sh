#!/bin/sh
# reject-text.sh - exit 1 with text but no reply code
echo "virus found" >&2
exit 1
