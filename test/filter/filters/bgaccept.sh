#!/bin/sh
# bgaccept.sh - leaves a background child holding stdout and stderr
# open, then accepts at once: the verdict must not wait for the child,
# and the child must not outlive the filter (its process group is killed)
sleep 33.333 &
exit 0
