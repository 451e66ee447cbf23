#!/bin/sh
# virus.sh - exit 1 with a bare text: the reply must be "554 5.7.1 virus found"
echo "virus found" >&2
exit 1
