#!/bin/sh
# dashreject.sh - exit 1, the last stderr line "550-..." (a continuation
# marker): passed as it is, smtpd would wait for a last line that never
# comes
echo "550-5.7.1 looks like the first line of a multi-line reply" >&2
exit 1
