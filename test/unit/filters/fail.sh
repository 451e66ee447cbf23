#!/bin/sh
# fail.sh - exit 2: a filter failure, not a verdict
echo "clamd: cannot connect" >&2
exit 2
