#!/bin/sh
# greylist.sh - exit 1 with a 4xx reply: passed as it is
echo "450 4.7.1 greylisted by the test filter, try later" >&2
exit 1
