#!/bin/sh
# pretend250.sh - exit 1 (reject) with a 2xx text: never a success
echo "250 pretend ok" >&2
exit 1
