#!/usr/bin/env node
// jwt-tool.js -- make keys and (good and bad) JWTs for pfxhttp's token tests.
//
//   node jwt-tool.js gen KTY KID ALG           private JWK on stdout
//        KTY: rsa | ec256 | ec384 | ec521 | ed25519
//   node jwt-tool.js public FILE               a JWK set's (or key's) public halves
//   node jwt-tool.js sign FILE KID ALG HEADER CLAIMS
//        FILE a private JWK (or a JWKS: the key with kid KID); KID "-" = no kid
//        in the header; HEADER and CLAIMS are JSON objects (HEADER's members
//        are added to {alg, typ: "at+jwt", kid})
//   node jwt-tool.js none CLAIMS               alg "none", empty signature
//   node jwt-tool.js hmac SECRET-FILE ALG CLAIMS   HS256/384/512 with the file's
//        bytes as the secret (e.g. a public key: the alg-confusion attack)
//   node jwt-tool.js tamper TOKEN CLAIMS       the token's claims replaced,
//        its header and signature kept
//   node jwt-tool.js flipsig TOKEN             one bit of the signature flipped
//
// Only node's own crypto: no dependency.

import { createPrivateKey, createPublicKey, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const b64 = (b) => Buffer.from(b).toString('base64url');
const json = (o) => b64(JSON.stringify(o));
const die = (m) => { process.stderr.write(`jwt-tool: ${m}\n`); process.exit(2); };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const pub = (k) => Object.fromEntries(Object.entries(k).filter(([n]) => !PRIVATE_MEMBERS.includes(n)));

function loadKey(file, kid) {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  if (!v.keys) return v;
  const k = v.keys.find((x) => x.kid === kid);
  if (!k) die(`no key ${kid} in ${file}`);
  return k;
}

function signWith(jwk, alg, input) {
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('RS')) return sign(hash, input, key);
  if (alg.startsWith('PS')) {
    return sign(hash, input, { key, padding: 6, saltLength: Number(alg.slice(2)) / 8 });
  }
  if (alg.startsWith('ES')) {
    const h = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' }[alg];
    return sign(h, input, { key, dsaEncoding: 'ieee-p1363' });
  }
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, input, key);
  return die(`cannot sign ${alg}`);
}

const [cmd, ...a] = process.argv.slice(2);
switch (cmd) {
  case 'gen': {
    const [kty, kid, alg] = a;
    const opts = {
      rsa: ['rsa', { modulusLength: 2048 }],
      ec256: ['ec', { namedCurve: 'P-256' }],
      ec384: ['ec', { namedCurve: 'P-384' }],
      ec521: ['ec', { namedCurve: 'P-521' }],
      ed25519: ['ed25519', {}],
    }[kty];
    if (!opts) die(`unknown key type ${kty}`);
    const { privateKey } = generateKeyPairSync(...opts);
    const jwk = privateKey.export({ format: 'jwk' });
    process.stdout.write(`${JSON.stringify({ ...jwk, kid, alg, use: 'sig' })}\n`);
    break;
  }
  case 'public': {
    const v = JSON.parse(readFileSync(a[0], 'utf8'));
    const out = v.keys ? { keys: v.keys.map(pub) } : pub(v);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    break;
  }
  case 'pem': {
    // a JWK's public key as PEM (for the HMAC confusion attack)
    const k = createPublicKey({ key: pub(loadKey(a[0], a[1])), format: 'jwk' });
    process.stdout.write(k.export({ type: 'spki', format: 'pem' }));
    break;
  }
  case 'sign': {
    const [file, kid, alg, header, claims] = a;
    const jwk = loadKey(file, kid);
    const h = { alg, typ: 'at+jwt', ...(kid !== '-' ? { kid } : {}), ...JSON.parse(header) };
    for (const [n, v] of Object.entries(h)) if (v === null) delete h[n];
    const input = `${json(h)}.${json(JSON.parse(claims))}`;
    process.stdout.write(`${input}.${b64(signWith(jwk, alg, input))}\n`);
    break;
  }
  case 'none':
    process.stdout.write(`${json({ alg: 'none', typ: 'JWT' })}.${json(JSON.parse(a[0]))}.\n`);
    break;
  case 'hmac': {
    const [file, alg, claims] = a;
    const input = `${json({ alg, typ: 'JWT' })}.${json(JSON.parse(claims))}`;
    const mac = createHmac(`sha${alg.slice(2)}`, readFileSync(file)).update(input).digest();
    process.stdout.write(`${input}.${b64(mac)}\n`);
    break;
  }
  case 'tamper': {
    const [h, , s] = a[0].split('.');
    process.stdout.write(`${h}.${json(JSON.parse(a[1]))}.${s}\n`);
    break;
  }
  case 'flipsig': {
    const [h, p, s] = a[0].split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[sig.length >> 1] ^= 1;
    process.stdout.write(`${h}.${p}.${b64(sig)}\n`);
    break;
  }
  default:
    die('usage: gen|public|pem|sign|none|hmac|tamper|flipsig ...');
}
