#!/bin/sh
# killed.sh - killed by a signal: a filter failure
kill -KILL $$
