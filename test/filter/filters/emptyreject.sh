#!/bin/sh
# emptyreject.sh - exit 1 without a word on stderr
exit 1
