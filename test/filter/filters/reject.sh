#!/bin/sh
# reject.sh - exit 1 with a full SMTP reply as the last stderr line (an
# earlier line must not be used)
echo "a first stderr line that is not the reply" >&2
echo "550 5.7.1 rejected by the test filter" >&2
exit 1
