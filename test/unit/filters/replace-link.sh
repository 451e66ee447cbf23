#!/bin/sh
# replace-link.sh - makes OUTFILE a symbolic link: never a replacement
ln -sf /etc/passwd "$OUTFILE"
