#!/bin/sh
# reject-code.sh - exit 1 with a full SMTP reply on stderr
echo "550 5.7.1 spam" >&2
exit 1
