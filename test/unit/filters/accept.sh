#!/bin/sh
# accept.sh - exit 0, OUTFILE left empty: the message passes
exit 0
