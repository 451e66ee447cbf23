#!/bin/sh
# reject354.sh - exit 1 with a 3xx text: never a 354 to smtpd
echo "354 go ahead" >&2
exit 1
