# fixture.sh -- start/stop the OIDC fixture from a shell test (POSIX sh;
# source it, do not run it).
#
#   . "$PFXHTTP_SRCDIR/test/oidc/fixture.sh"
#   oidc_fixture_start "$T" || exit $?     # 77 = skip (no node/npm/openssl)
#   ... use $OIDC_TOKEN_ENDPOINT, $OIDC_BACKEND_URL/map, $OIDC_PKI/ca.crt ...
#   oidc_fixture_stop                      # SIGTERM both, wait
#
# oidc_fixture_start WORKDIR installs the node deps if missing (npm ci), runs
# gen-pki.sh WORKDIR/pki, starts idp.js and protected-backend.js on free
# loopback ports (logs WORKDIR/idp.log, WORKDIR/backend.log) and exports:
#   OIDC_PKI              WORKDIR/pki (ca.crt, client-*.key, client-*.jwk, ...)
#   OIDC_IDP_URL          issuer, https://127.0.0.1:PORT
#   OIDC_IDP_PORT
#   OIDC_DISCOVERY_URL    $OIDC_IDP_URL/.well-known/openid-configuration
#   OIDC_TOKEN_ENDPOINT   $OIDC_IDP_URL/token
#   OIDC_INTROSPECTION_ENDPOINT  $OIDC_IDP_URL/token/introspection
#   OIDC_BACKEND_URL      http://127.0.0.1:PORT (the protected backend)
#   OIDC_BACKEND_PORT
#   OIDC_IDP_PID OIDC_BACKEND_PID
# Set IDP_TOKEN_TTL, IDP_STRICT_AUTH, IDP_CLIENTS_FILE, IDP_VERBOSE,
# BACKEND_REQUIRED_SCOPE in the environment beforehand to change them.

# Where idp.js lives: $OIDC_FIXTURE_DIR, else $PFXHTTP_SRCDIR/test/oidc (set by
# meson's test_env), else (bash only) this file's directory.
if [ -z "${OIDC_FIXTURE_DIR:-}" ]; then
    if [ -n "${PFXHTTP_SRCDIR:-}" ]; then
        OIDC_FIXTURE_DIR=$PFXHTTP_SRCDIR/test/oidc
    elif [ -n "${BASH_SOURCE:-}" ]; then
        OIDC_FIXTURE_DIR=$(cd "$(dirname "$BASH_SOURCE")" && pwd)
    fi
fi

_oidc_wait_file() {
    _i=0
    while [ $_i -lt 200 ]; do
        [ -s "$1" ] && return 0
        sleep 0.1
        _i=$((_i + 1))
    done
    return 1
}

oidc_fixture_start() {
    _w=$1
    for _c in node npm curl openssl; do
        command -v $_c >/dev/null 2>&1 || { echo "# oidc fixture: $_c not found" >&2; return 77; }
    done
    if [ ! -f "$OIDC_FIXTURE_DIR/node_modules/oidc-provider/package.json" ]; then
        npm ci --prefix "$OIDC_FIXTURE_DIR" --no-audit --no-fund --loglevel=error >&2 ||
            { echo "# oidc fixture: npm ci failed" >&2; return 77; }
    fi
    mkdir -p "$_w"
    OIDC_PKI=$_w/pki
    "$OIDC_FIXTURE_DIR/gen-pki.sh" "$OIDC_PKI" 2>"$_w/pki.log" ||
        { cat "$_w/pki.log" >&2; return 1; }
    rm -f "$_w/idp.port" "$_w/backend.port"
    IDP_PKI_DIR=$OIDC_PKI IDP_PORT_FILE=$_w/idp.port \
        node "$OIDC_FIXTURE_DIR/idp.js" 2>"$_w/idp.log" &
    OIDC_IDP_PID=$!
    _oidc_wait_file "$_w/idp.port" || { cat "$_w/idp.log" >&2; oidc_fixture_stop; return 1; }
    OIDC_IDP_PORT=$(cat "$_w/idp.port")
    OIDC_IDP_URL=https://127.0.0.1:$OIDC_IDP_PORT
    OIDC_DISCOVERY_URL=$OIDC_IDP_URL/.well-known/openid-configuration
    OIDC_TOKEN_ENDPOINT=$OIDC_IDP_URL/token
    OIDC_INTROSPECTION_ENDPOINT=$OIDC_IDP_URL/token/introspection
    BACKEND_IDP_URL=$OIDC_IDP_URL BACKEND_CA=$OIDC_PKI/ca.crt BACKEND_PORT_FILE=$_w/backend.port \
        node "$OIDC_FIXTURE_DIR/protected-backend.js" 2>"$_w/backend.log" &
    OIDC_BACKEND_PID=$!
    _oidc_wait_file "$_w/backend.port" || { cat "$_w/backend.log" >&2; oidc_fixture_stop; return 1; }
    OIDC_BACKEND_PORT=$(cat "$_w/backend.port")
    OIDC_BACKEND_URL=http://127.0.0.1:$OIDC_BACKEND_PORT
    export OIDC_PKI OIDC_IDP_URL OIDC_IDP_PORT OIDC_DISCOVERY_URL OIDC_TOKEN_ENDPOINT \
        OIDC_INTROSPECTION_ENDPOINT OIDC_BACKEND_URL OIDC_BACKEND_PORT OIDC_IDP_PID OIDC_BACKEND_PID
    return 0
}

# oidc_fixture_stop: SIGTERM both servers and wait; returns non-zero if one
# did not exit with status 0.
oidc_fixture_stop() {
    _rc=0
    for _p in ${OIDC_IDP_PID:-} ${OIDC_BACKEND_PID:-}; do
        kill -TERM "$_p" 2>/dev/null
    done
    for _p in ${OIDC_IDP_PID:-} ${OIDC_BACKEND_PID:-}; do
        wait "$_p" || _rc=1
    done
    OIDC_IDP_PID= OIDC_BACKEND_PID=
    return $_rc
}
