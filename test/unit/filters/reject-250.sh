#!/bin/sh
# reject-250.sh - exit 1 with a success code: must never pass as success
echo "250 pretend ok" >&2
exit 1
