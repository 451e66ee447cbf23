#!/bin/sh
# lean-spawn.sh - pfxhttp-spawn links no libcurl, GnuTLS or json-c (a busy
# Postfix keeps hundreds of them), the direct module does, and exports
# nothing but its table.
echo "1..3"
spawn=${PFXHTTP_SPAWN:?} module=${PFXHTTP_DIRECT_MODULE:?}
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
n=$(needed "$spawn")
if echo "$n" | grep -Eq 'curl|gnutls|json-c|ssl|crypto|ssh|krb|ldap'; then
	echo "not ok 1 - pfxhttp-spawn NEEDED has no HTTP, TLS or JSON library"
	echo "# $n"
else
	echo "ok 1 - pfxhttp-spawn NEEDED has no HTTP, TLS or JSON library ($(echo $n))"
fi
if needed "$module" | grep -q curl; then
	echo "ok 2 - pfxhttp-direct.so links libcurl"
else
	echo "not ok 2 - pfxhttp-direct.so links libcurl"
fi
syms=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDRB]$/ && $3 !~ /^_/ {print $3}')
if [ "$syms" = pfxhttp_direct ]; then
	echo "ok 3 - the module exports only pfxhttp_direct"
else
	echo "not ok 3 - the module exports only pfxhttp_direct"
	echo "# $syms" | head -5
fi
