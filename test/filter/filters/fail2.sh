#!/bin/sh
# fail2.sh - exit 2: a filter failure (451 4.7.1, or accepted with
# on_failure = "accept")
echo "250 a failing filter's stderr is not a reply" >&2
exit 2
