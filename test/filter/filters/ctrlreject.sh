#!/bin/sh
# ctrlreject.sh - exit 1, the last stderr line holding a CR, a TAB, a
# ^A and an escape byte: the reply must stay one well-formed line
printf '550 5.7.1 with\rCR\tTAB\001ctl\033esc\n' >&2
exit 1
