#!/bin/sh
# login.sh - an exec check for dovecot_sasl in POSIX sh: alice/secret is
# the account "alice", every other login fails (exit 1).  The request is
# the login's attributes as JSON, keys in order (password before username).
read -r req
case $req in
*'"password":"secret"'*'"username":"alice"'*) echo alice; exit 0 ;;
esac
exit 1
