#!/bin/bash
#
# migrate.sh - contrib/pfxhttp-migrate, TAP:
#   1. pfxhttp's own long example (pfxhttp-example.yml, from pfxhttp's
#      README as the seed document 001 has it) converts,
#      passes pfxhttp-spawn -t and pfxhttp-tokend -t, and the report has
#      the master.cf/main.cf lines and the keys without an equivalent;
#   2. migrate-all-keys.yml (every key of pfxhttp's configuration) converts
#      and passes both -t, and every key it holds is in the output or the
#      report;
#   3. unparseable YAML is refused with a clear message;
#   4. a converted socketmap and policy entry answer a set of requests
#      byte for byte as a hand-written pfxhttp.conf does, against
#      test/backend/backend.py (pfxhttp-spawn calling it directly).
#
# Environment: PFXHTTP_SRCDIR, PFXHTTP_SPAWN, PFXHTTP_TOKEND,
# PFXHTTP_DIRECT_MODULE, PFXHTTP_BACKEND (meson's test_env).

set -u
src=${PFXHTTP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/test/lib/tap.sh"
here=$src/test/package
migrate=$src/contrib/pfxhttp-migrate
spawn=${PFXHTTP_SPAWN:?} tokend=${PFXHTTP_TOKEND:?}
seed=${PFX_MIGRATE_SEED:-$src/../shared/seeds/001_9bf22fbba85c8d33.txt}

py=$(sed -n '1s/^#! *//p' "$migrate")	# the interpreter it runs with
$py -c 'import yaml' 2>/dev/null || skip_all "$py has no yaml module (apt-get install python3-yaml)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfxhttp-migrate.XXXXXX") || exit 1
BACKEND_PY_PID=
cleanup() {
	[ -n "$BACKEND_PY_PID" ] && kill "$BACKEND_PY_PID" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# both programs check a converted file
check_t() {	# NAME FILE
	local out st
	out=$("$spawn" -c "$2" -t 2>&1)
	st=$?
	check "$1: pfxhttp-spawn -t" "$st" "$out"
	out=$("$tokend" -c "$2" -t 2>&1)
	st=$?
	check "$1: pfxhttp-tokend -t" "$st" "$out"
}
has() {		# NAME FILE ERE: a line of FILE matches
	if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no line matches /$3/ in $2"; fi
}

# -- 1. pfxhttp's long example ---------------------------------------------
# (the fixture is the seed's example; when the seed is at hand, it must
# still be that)
if [ -r "$seed" ]; then
	awk '/Below is a detailed example configuration/ { f = 1 }
	    f && /^```yaml/ { g = 1; next } g && /^```/ { exit } g' "$seed" >"$tmp/seed.yml"
	is "the fixture is the seed README's example" \
		"$(grep -v '^#' "$here/pfxhttp-example.yml" | cksum)" "$(cksum <"$tmp/seed.yml")"
fi
{
	cp "$here/pfxhttp-example.yml" "$tmp/seed.yml"
	"$migrate" "$tmp/seed.yml" >"$tmp/seed.conf" 2>"$tmp/seed.err"
	check "seed example converts" "$?" "$(cat "$tmp/seed.err")"
	check_t "seed example" "$tmp/seed.conf"
	for e in socket_maps.demo_map socket_maps.oidc_demo_map policy_services.example_policy \
	    policy_services.oidc_example_policy dovecot_sasl.dovecot_sasl; do
		has "seed: entry $e written" "$tmp/seed.conf" "^  ${e#*.} = \{"
	done
	has "seed: master.cf socketmap service" "$tmp/seed.err" \
		'^  user=pfxhttp argv=/usr/libexec/pfxhttp/pfxhttp-spawn -c /etc/pfxhttp/pfxhttp.conf socketmap$'
	has "seed: master.cf policy example_policy" "$tmp/seed.err" 'spawn -c \S+ policy example_policy$'
	has "seed: master.cf sasl dovecot_sasl" "$tmp/seed.err" 'spawn -c \S+ sasl dovecot_sasl$'
	has "seed: main.cf socketmap lookup" "$tmp/seed.err" \
		'^socketmap:inet:\[::\]:23450:demo_map -> socketmap:unix:private/pfxhttp-map:demo_map$'
	has "seed: main.cf check_policy_service" "$tmp/seed.err" \
		'^check_policy_service inet:\[::\]:23451 -> check_policy_service unix:private/pfxhttp-policy-example-policy$'
	has "seed: main.cf smtpd_sasl_path" "$tmp/seed.err" '-> smtpd_sasl_path = private/pfxhttp-sasl-dovecot-sasl$'
	for k in server.logging.json server.http_client.max_idle_connections \
	    'server.listen\[0\] \(type, address, port\)'; do
		has "seed: $k reported as not converted" "$tmp/seed.err" "^$k: "
	done
	has "seed: the data.result quirk explained" "$tmp/seed.err" \
		"^socket_maps.demo_map.value_field: 'data.result': pfxhttp looked for a key literally named"
}

# -- 2. every key -----------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=migrate -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
sed "s|@DIR@|$tmp|g" "$here/migrate-all-keys.yml" >"$tmp/all.yml"
"$migrate" "$tmp/all.yml" >"$tmp/all.conf" 2>"$tmp/all.err"
check "every-key file converts" "$?" "$(cat "$tmp/all.err")"
check_t "every-key file" "$tmp/all.conf"
missing=$($py - "$tmp/all.yml" "$tmp/all.conf" "$tmp/all.err" <<'EOF'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
text = (open(sys.argv[2]).read() + open(sys.argv[3]).read()).lower()
keys = set()
def walk(v, top=False):
    if isinstance(v, dict):
        for k, x in v.items():
            if not top or k.lower() in ("server",):
                keys.add(str(k).lower())
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(cfg.get("Server"), True)
for s in ("socket_maps", "policy_services", "dovecot_sasl"):
    for name, e in cfg[s].items():
        walk(e)
# entry keys: grpc's own keys are reported as the grpc block
skip = {"address", "timeout", "metadata", "x-tenant", "client_cert",
        "client_key", "server_name", "min_tls_version", "x-team", "port",
        "type", "kind", "name", "max_workers", "max_queue"}
print(" ".join(sorted(k for k in keys - skip if k not in text)))
EOF
)
is "every key of the file is in the output or the report" "$missing" ""
for k in server.worker_pool server.observability server.chroot server.run_as_user \
    server.run_as_group server.logging.use_systemd dovecot_sasl.smtp.grpc \
    'server.listen\[0\].systemd_socket_name' 'server.listen\[0\].worker_pool'; do
	has "every-key: $k reported with what to do instead" "$tmp/all.err" "^$k: "
done
has "every-key: empty logging.level explained" "$tmp/all.err" '^server.logging.level: empty or unset: pfxhttp discarded every log message'
has "every-key: oidc_auth explained as stale" "$tmp/all.err" '^socket_maps.mailboxes.oidc_auth: a stale key'
has "every-key: upper-case name explained, lower-cased" "$tmp/all.err" "^socket_maps.Domains: pfxhttp \(viper\) lower-cased the name to 'domains'"
has "every-key: a listener that never matched explained" "$tmp/all.err" "^server.listen\[1\]: name 'Policy': pfxhttp knew the entry only lower-cased"
has "every-key: status_code unset explained" "$tmp/all.err" '^policy_services.policy.status_code: unset: pfxhttp compared every answer with 0'
has "every-key: Go trim markers {{- -}} converted" "$tmp/all.conf" '^    payload = "\{\\"mailbox\\": \\"\{\{ \.Key \}\}\\"\}";$'
has "every-key: jwks/auto without audience is an action" "$tmp/all.err" '^dovecot_sasl.smtp.sasl_oidc_auth: validation auto needs audience'
has "every-key: IPv6 listener bracketed" "$tmp/all.err" '^smtpd_sasl_path = inet:\[::1\]:23453 -> '

# -- 3. unparseable input ---------------------------------------------------
printf 'server:\n  listen: [\n' >"$tmp/bad.yml"
out=$("$migrate" "$tmp/bad.yml" 2>&1 >"$tmp/bad.conf")
num_cmp "unparseable YAML: exit status 1" "$?" -eq 1
like "... and says where" "$out" '^pfxhttp-migrate: .*/bad.yml: not valid YAML: line 3, column 1: '
is "... and writes nothing" "$(cat "$tmp/bad.conf")" ""
out=$(echo '[1, 2]' | "$migrate" - 2>&1 >/dev/null)
num_cmp "a YAML list is no pfxhttp configuration" "$?" -eq 1 "$out"

# -- 4. the same answers as a hand-written configuration -------------------
run_backend_py "$tmp/port" "$tmp/backend.log" || bail "backend.py did not start"
port=$BACKEND_PY_PORT
cat >"$tmp/behave.yml" <<EOF
server:
  listen:
    - { kind: socket_map, name: maps, type: tcp, address: 127.0.0.1, port: 23450 }
    - { kind: policy_service, name: rcpt, type: tcp, address: 127.0.0.1, port: 23451 }
  logging: { level: info }
  http_client: { timeout: 5s }
socket_maps:
  defaults:
    status_code: 200
    error_field: error
    no_error_value: none
  users:
    target: http://127.0.0.1:$port/map
    payload: >
      {"name": "users", "key": "{{ .Key }}"}
    value_field: result
policy_services:
  rcpt:
    target: http://127.0.0.1:$port/policy
    payload: "{{ .Key }}"
    status_code: 200
    value_field: result
EOF
cat >"$tmp/hand.conf" <<EOF
# what an admin writes by hand for the same backend (pfxhttp.conf(5))
server = { http_client = { timeout = "5s"; }; };
socket_maps = {
  users = {
    target = "http://127.0.0.1:$port/map";
    payload = "{\"name\": \"users\", \"key\": \"{{ .Key }}\"}";
    value_field = "data.result";
    error_field = "error";
    no_error_value = "none";
  };
};
policy_services = {
  rcpt = {
    target = "http://127.0.0.1:$port/policy";
    value_field = "policy.result";
    default_action = "DEFER Temporary server problem";
  };
};
EOF
"$migrate" --no-tokend "$tmp/behave.yml" >"$tmp/behave.conf" 2>"$tmp/behave.err"
check "behaviour file converts" "$?" "$(cat "$tmp/behave.err")"
out=$("$spawn" -c "$tmp/behave.conf" -t 2>&1)
check "converted: pfxhttp-spawn -t" "$?" "$out"
keys='found@example.com missing@example.com nobody@example.org temp@example.com
perm@example.com error@example.com list@example.com num@example.com garbage@example.com'
req=
for k in $keys 'with space@example.com' '"quoted"@example.com'; do
	req=$req$(ns "users $k")
done
conv=$(printf '%s' "$req" | "$spawn" -c "$tmp/behave.conf" socketmap 2>&1)
hand=$(printf '%s' "$req" | "$spawn" -c "$tmp/hand.conf" socketmap 2>&1)
is "socketmap: 11 lookups answered as by the hand-written file" "$conv" "$hand"
like "... found, not found, temporary and permanent among them" "$conv" \
	'OK found:found@example.com.*NOTFOUND.*TEMP .*PERM .*OK a@x,b@x.*OK 42'
preq=
for r in someone@example.com policy-reject@example.com policy-defer@example.com \
    temp@example.com missing@example.com nobody@example.org; do
	printf -v one 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@example.net\nrecipient=%s\n\n' "$r"
	preq=$preq$one
done
conv=$(printf '%s' "$preq" | "$spawn" -c "$tmp/behave.conf" policy rcpt 2>&1)
hand=$(printf '%s' "$preq" | "$spawn" -c "$tmp/hand.conf" policy rcpt 2>&1)
is "policy: 6 checks answered as by the hand-written file" "$conv" "$hand"
like "... DUNNO, REJECT, DEFER_IF_PERMIT and pfxhttp's DEFER among them" "$(echo "$conv" | tr -s '\n' ' ')" \
	'action=DUNNO action=REJECT 5.7.1 rejected by the HTTP policy action=DEFER_IF_PERMIT try later action=DEFER Temporary server problem'

tap_done
