#!/bin/sh
# slowaccept.sh - accepts after 3.1 s: later than the public smtpd's
# smtpd_proxy_timeout in the test (2 s), within the entry's timeout
sleep 3.111
exit 0
