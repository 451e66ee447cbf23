#!/bin/bash
#
# demo.sh - the README's demo command (contrib/demo.sh) shows what it
# promises: real answers of every kind, from this build (DEMO_BUILD), so
# that a change that breaks the demo breaks the suite.  TAP.
#
# Environment (meson test_env): PFXHTTP_SRCDIR, PFXHTTP_BUILDDIR.

src=${PFXHTTP_SRCDIR:?}
out=$(DEMO_BUILD=${PFXHTTP_BUILDDIR:?} timeout 120 "$src/contrib/demo.sh" 2>&1)
rc=$?
n=0
t() {	# t DESCRIPTION EXTENDED-REGEX
	n=$((n + 1))
	if grep -qE -- "$2" <<<"$out"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "# no line matches: $2"
	fi
}
echo "1..16"
n=$((n + 1))
if [ "$rc" -eq 0 ]; then echo "ok $n - the demo exits 0"; else
	echo "not ok $n - the demo exits $rc"; sed 's/^/# /' <<<"$out" | tail -20; fi
t "-t accepts the demo's configuration" 'configuration OK'
t "socketmap: found, not found, temporary" '^   replies: 26:OK found:alice@example.com,9:NOTFOUND ,30:TEMP backend answered HTTP 503,'
t "tcp_table: a list of values" '^   reply:   200 a@x,b@x$'
t "tcp_table: a backend failure is 400 (temporary)" '^   reply:   400 backend%20answered%20HTTP%20503$'
t "policy: REJECT from the backend" 'recipient=policy-reject@example.com +-> action=REJECT 5.7.1'
t "policy: a backend failure defers" 'recipient=temp@example.com +-> action=DEFER_IF_PERMIT'
t "SASL: the right password logs in" '^   S: OK 1 user=alice@example.org'
t "SASL: the wrong one fails" '^   S: FAIL 2 user=alice'
t "local check kv-map: found, found with a list, not found" '^   replies: 20:OK admin@example.com,37:OK alice@example.com, bob@example.com,9:NOTFOUND ,$'
t "local check relay-acl: a listed client and sender may relay" '^   192.0.2.5/app@example.com +-> action=OK$'
t "local check relay-acl: an unlisted client is refused" '^   198.51.100.9/app@example.com +-> action=REJECT Relay access denied: client 198.51.100.9'
t "filter: the clean message is queued downstream" '^   S: 250 2.0.0 Ok: queued'
t "filter: the virus is refused" '^   S: 550 5.7.1 virus found'
t "tokend: /metrics counts the lookups" 'pfxhttp_requests_total\{kind="socket_maps",entry="mailboxes",verdict="found"\} 4'
t "explain: the lookup step by step, its exit status" '^       exit +2 \(temporary error\)'
