#!/bin/sh
# gen-pki.sh OUTDIR -- throw-away PKI for the OIDC test fixture.
#
# Needs: openssl (Debian package "openssl", 3.x) and node (for the JWKs).
# Everything is regenerated on every run; nothing here is secret.
#
# Files written to OUTDIR:
#   ca.crt ca.key               test CA (trust ca.crt: curl --cacert, CURLOPT_CAINFO)
#   server.crt server.key       TLS server cert for 127.0.0.1 / ::1 / localhost,
#                               signed by the CA (used by idp.js)
#   server-chain.crt            server.crt + ca.crt
#   client-rsa.key              RSA 2048, PKCS#8   "BEGIN PRIVATE KEY"
#   client-rsa.pkcs1.key        same key, PKCS#1   "BEGIN RSA PRIVATE KEY"
#   client-ec256.key            EC P-256, PKCS#8   "BEGIN PRIVATE KEY"
#   client-ec256.sec1.key       same key, SEC1     "BEGIN EC PRIVATE KEY"
#   client-ec384.key            EC P-384, PKCS#8
#   client-ed25519.key          Ed25519, PKCS#8
#   client-rogue-rsa.key        RSA 2048 PKCS#8 registered with NO client
#                               (negative tests: must give invalid_client)
#   client-*.pub.pem            public keys (SPKI PEM)
#   client-*.jwk                public JWK with "kid" = RFC 7638 thumbprint
#                               (rsa, ec256, ec384, ed25519, rogue-rsa)
#   client-*.kid                the thumbprint alone (no newline)
#   client-jwks.json            {"keys":[...]} of rsa, ec256, ec384, ed25519
#
# idp.js reads ca/server files and the client JWKs from this directory
# (IDP_PKI_DIR).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"

command -v openssl >/dev/null || { echo "gen-pki.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }
command -v node >/dev/null || { echo "gen-pki.sh: node not found" >&2; exit 1; }

umask 077
q() { "$@" 2>/dev/null || { echo "gen-pki.sh: failed: $*" >&2; "$@"; exit 1; }; }

# --- CA ---------------------------------------------------------------
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
q openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=pfxhttp test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out ca.crt

# --- TLS server -------------------------------------------------------
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
q openssl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr
cat > server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
q openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -sha256 -days 825 -extfile server.ext -out server.crt
cat server.crt ca.crt > server-chain.crt
rm -f server.csr server.ext ca.srl

# --- client keys for private_key_jwt ----------------------------------
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-rsa.key
q openssl pkey -in client-rsa.key -traditional -out client-rsa.pkcs1.key
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client-ec256.key
q openssl ec -in client-ec256.key -out client-ec256.sec1.key
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out client-ec384.key
q openssl genpkey -algorithm ED25519 -out client-ed25519.key
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-rogue-rsa.key

grep -q "BEGIN RSA PRIVATE KEY" client-rsa.pkcs1.key
grep -q "BEGIN EC PRIVATE KEY" client-ec256.sec1.key
for k in rsa ec256 ec384 ed25519 rogue-rsa; do
    grep -q "BEGIN PRIVATE KEY" client-$k.key
    q openssl pkey -in client-$k.key -pubout -out client-$k.pub.pem
done

# Public JWKs with RFC 7638 thumbprints as kid.
node --input-type=module - <<'EOF'
import { createPublicKey, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
const required = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
const all = [];
for (const k of ['rsa', 'ec256', 'ec384', 'ed25519', 'rogue-rsa']) {
  const jwk = createPublicKey(readFileSync(`client-${k}.pub.pem`)).export({ format: 'jwk' });
  // RFC 7638: JSON of the required members, lexicographic order, no spaces.
  const canon = '{' + required[jwk.kty].map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',') + '}';
  const kid = createHash('sha256').update(canon).digest('base64url');
  const out = { ...jwk, kid, use: 'sig' };
  writeFileSync(`client-${k}.jwk`, JSON.stringify(out, null, 2) + '\n');
  writeFileSync(`client-${k}.kid`, kid);
  if (k !== 'rogue-rsa') all.push(out);
}
writeFileSync('client-jwks.json', JSON.stringify({ keys: all }, null, 2) + '\n');
EOF

# Keys must be readable by the test user only; certs and JWKs by anyone.
chmod 644 ./*.crt ./*.jwk ./*.kid ./*.pub.pem client-jwks.json
echo "gen-pki.sh: PKI written to $out" >&2
