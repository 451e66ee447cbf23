#!/bin/sh
# reject-silent.sh - exit 1 and nothing on stderr
exit 1
