#!/usr/bin/env node
// make-assertion.js -- print a private_key_jwt client assertion (RFC 7523)
// signed with node's crypto only (no npm dependencies).
//
//   node test/oidc/make-assertion.js --key KEYFILE --client-id ID --aud URL
//        [--alg RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA|Ed25519]
//        [--kid KID | --kid-file FILE] [--exp-in SECONDS] [--iat-offset SECONDS]
//        [--jti JTI] [--no-typ]
//
// KEYFILE is any PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC).  The
// default alg follows the key: RSA -> RS256, P-256 -> ES256, P-384 -> ES384,
// P-521 -> ES512, Ed25519 -> EdDSA.  Claims: iss = sub = ID, aud = URL,
// iat = now + iat-offset (default 0), exp = iat + exp-in (default 300),
// jti = random unless given.  Header: {alg, typ: "JWT"[, kid]}.
// Use it as:  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//             -d client_assertion=$(node make-assertion.js ...)
import { createPrivateKey, sign, randomUUID, constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    key: { type: 'string' },
    'client-id': { type: 'string' },
    aud: { type: 'string' },
    alg: { type: 'string' },
    kid: { type: 'string' },
    'kid-file': { type: 'string' },
    'exp-in': { type: 'string', default: '300' },
    'iat-offset': { type: 'string', default: '0' },
    jti: { type: 'string' },
    'no-typ': { type: 'boolean', default: false },
  },
});
if (!o.key || !o['client-id'] || !o.aud) {
  console.error('usage: make-assertion.js --key KEYFILE --client-id ID --aud URL [--alg ALG] [--kid KID|--kid-file F]');
  process.exit(2);
}

const key = createPrivateKey(readFileSync(o.key));
const curveAlg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
let alg = o.alg;
if (!alg) {
  if (key.asymmetricKeyType === 'rsa') alg = 'RS256';
  else if (key.asymmetricKeyType === 'ec') alg = curveAlg[key.asymmetricKeyDetails.namedCurve];
  else if (key.asymmetricKeyType === 'ed25519') alg = 'EdDSA';
  if (!alg) {
    console.error(`make-assertion.js: no default alg for this key (${key.asymmetricKeyType})`);
    process.exit(2);
  }
}

const kid = o.kid ?? (o['kid-file'] ? readFileSync(o['kid-file'], 'utf8').trim() : undefined);
const now = Math.floor(Date.now() / 1000) + Number(o['iat-offset']);
const header = { alg, ...(o['no-typ'] ? {} : { typ: 'JWT' }), ...(kid ? { kid } : {}) };
const claims = {
  iss: o['client-id'],
  sub: o['client-id'],
  aud: o.aud,
  iat: now,
  exp: now + Number(o['exp-in']),
  jti: o.jti ?? randomUUID(),
};
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const input = Buffer.from(`${b64(header)}.${b64(claims)}`);

let sig;
const hash = (a) => `sha${a.slice(2)}`;
if (/^RS\d+$/.test(alg)) {
  sig = sign(hash(alg), input, key);
} else if (/^PS\d+$/.test(alg)) {
  sig = sign(hash(alg), input, {
    key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8,
  });
} else if (/^ES\d+$/.test(alg)) {
  sig = sign(hash(alg), input, { key, dsaEncoding: 'ieee-p1363' });
} else if (alg === 'EdDSA' || alg === 'Ed25519') {
  sig = sign(null, input, key);
} else {
  console.error(`make-assertion.js: unsupported alg ${alg}`);
  process.exit(2);
}
process.stdout.write(`${input}.${sig.toString('base64url')}\n`);
