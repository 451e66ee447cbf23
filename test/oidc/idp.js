#!/usr/bin/env node
// idp.js -- a real OpenID Provider (npm "oidc-provider", pinned in
// package.json) for pfxhttp's tests, over HTTPS on loopback.
//
//   npm ci --prefix test/oidc            # once
//   test/oidc/gen-pki.sh "$PKI"          # CA, server cert, client keys
//   IDP_PKI_DIR="$PKI" IDP_PORT_FILE="$T/idp.port" node test/oidc/idp.js &
//   port=$(cat "$T/idp.port")            # appears once the server listens
//   curl --cacert "$PKI/ca.crt" https://127.0.0.1:$port/.well-known/openid-configuration
//
// Environment:
//   IDP_PKI_DIR       (required) directory written by gen-pki.sh
//   IDP_PORT          TCP port, default 0 = any free port
//   IDP_PORT_FILE     the chosen port is written here (atomically) when ready
//   IDP_HOST          listen address, default 127.0.0.1 (issuer uses it too)
//   IDP_TOKEN_TTL     client_credentials access token lifetime in s, default 300
//   IDP_STRICT_AUTH   1 (default): a client registered for client_secret_basic
//                     that sends its secret in the body, or a client_secret_post
//                     client that uses an Authorization header, gets
//                     invalid_client (oidc-provider alone accepts both).  0 = off
//   IDP_CLIENTS_FILE  optional JSON array of extra client metadata (RFC 7591
//                     names); an entry whose client_id matches a built-in one
//                     replaces it.  "jwks_file": "client-rsa.jwk" (relative to
//                     IDP_PKI_DIR, a JWK or a JWKS) is turned into "jwks";
//                     "jwks_kid" then replaces each key's kid.
//   IDP_VERBOSE       1 = log every request to stderr
//   IDP_SIGNING_JWKS  optional JWKS file of private keys (each with kid and
//                     alg) that sign the IdP's JWTs instead of one generated
//                     RSA key; /jwks then serves their public halves, plus:
//   IDP_EXTRA_JWKS    optional JWKS file of public keys, re-read on every
//                     GET /jwks and served after the signing keys (a key
//                     "rotated in" before the IdP signs with it)
//
// JWT access tokens (resource indicators, RFC 8707): a client_credentials
// request with resource=URN gets a JWT (typ at+jwt) for these:
//   urn:pfxhttp:smtp           aud urn:pfxhttp:smtp, RS256
//   urn:pfxhttp:smtp:ALG       the same, signed with ALG (ps256, es256,
//                              es384, es512, eddsa): needs such a key in
//                              IDP_SIGNING_JWKS
//   urn:pfxhttp:other          aud urn:pfxhttp:other, RS256
//   urn:pfxhttp:opaque         aud urn:pfxhttp:smtp, an opaque token
// Without resource nothing changes: opaque tokens without aud.  A client in
// IDP_CLIENTS_FILE may have "token_claims": {...}, added to its tokens
// (JWT claims, introspection answers).
//
// Issuer: https://IDP_HOST:PORT (no path).  Endpoints: discovery
// /.well-known/openid-configuration, token /token, introspection
// /token/introspection, revocation /token/revocation, jwks /jwks.
// Scopes: api.read api.write.  Access tokens are opaque; introspection
// reports {active, client_id, scope, exp, iat, iss, token_type: "Bearer"}.
//
// Built-in clients (all may use grant client_credentials with scope
// "api.read api.write", except where noted):
//   cc-basic          client_secret_basic  secret "basic-secret"
//   cc-basic-special  client_secret_basic  secret "s p+e:c%ial/=&"  (RFC 6749
//                     §2.3.1: id and secret must be form-url-encoded before
//                     Basic; unencoded gets 400 invalid_request)
//   cc-post           client_secret_post   secret "post-secret"
//   cc-read-only      client_secret_basic  secret "read-secret", scope api.read
//                     only (asking for api.write gives 400 invalid_scope)
//   cc-jwt-rsa        private_key_jwt, client-rsa.jwk (RS256, PS256, ...)
//   cc-jwt-ec         private_key_jwt, client-ec256.jwk (ES256)
//   cc-jwt-ec384      private_key_jwt, client-ec384.jwk (ES384)
//   cc-jwt-ed         private_key_jwt, client-ed25519.jwk (EdDSA / Ed25519)
//   cc-jwt-multi      private_key_jwt, client-jwks.json (all four keys)
//   cc-jwt-ownkid     private_key_jwt, client-rsa.jwk registered with its own
//                     kid "own-kid-1" (an assertion naming the thumbprint as
//                     kid is refused; one without a kid is accepted)
//   introspector      client_secret_basic  secret "introspect-secret", no
//                     grants; may introspect any token (other clients only
//                     their own)
// Assertion rules (oidc-provider): iss = sub = client_id, aud = issuer or
// token endpoint URL, exp and a unique jti required, kid optional.
//
// Test control endpoints (same server, handled before oidc-provider):
//   GET  /test/stats     JSON counters, see the `stats` object below: per
//                        client id the token requests, tokens issued, errors
//                        and the last request's details (auth method used,
//                        scope, assertion alg/kid/typ/aud/claims, status,
//                        error); discovery/jwks/introspection counts.
//   GET  /test/count/NAME[/CLIENT_ID]  one number as text/plain; NAME is one
//                        of discovery, jwks, token, issued, token_errors,
//                        introspection, requests.  With CLIENT_ID (url-encoded)
//                        the per-client token/issued/token_errors count.
//   POST /test/reset     zero all counters; /test/config back to its defaults
//                        (IDP_TOKEN_TTL, no injected failures or delays)
//   GET|POST /test/config  read / change at run time (JSON body, any subset):
//        {"token_ttl": 300,            lifetime of tokens issued from now on
//         "token_fail_status": 503,    answer the token endpoint with this...
//         "token_fail_count": 2,       ...for the next N requests (-1 = always)
//         "token_delay_ms": 0,         delay every token response
//         "discovery_fail_status": 500, "discovery_fail_count": 1,
//         "discovery_delay_ms": 0,
//         "introspection_fail_status": 503, "introspection_fail_count": 1,
//         "introspection_delay_ms": 0}   delay every introspection answer
//   POST /test/revoke    make every issued access token inactive; body
//                        {"client_id": "cc-basic"} limits it to one client.
//                        Answers {"revoked": N}.
//
// Logs errors to stderr ("idp: ..."); stops cleanly on SIGTERM / SIGINT.

import { createServer } from 'node:https';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;

// oidc-provider prints two expected warnings: node 20 is "unsupported" (it
// works), and we hand it pre-read request bodies on purpose.  Drop those.
const quiet = [/Unsupported runtime/, /already parsed request body/];
for (const fn of ['warn', 'info', 'log']) {
  const orig = console[fn].bind(console);
  console[fn] = (...a) => {
    if (!quiet.some((re) => re.test(String(a[0])))) orig(...a);
  };
}
const { default: Provider, errors } = await import('oidc-provider');

const log = (...a) => console.error('idp:', ...a);

const pki = env.IDP_PKI_DIR;
if (!pki) {
  log('IDP_PKI_DIR is required (a directory made by gen-pki.sh)');
  process.exit(2);
}
const host = env.IDP_HOST || '127.0.0.1';
const verbose = env.IDP_VERBOSE === '1';
const strictAuth = (env.IDP_STRICT_AUTH ?? '1') !== '0';

const SCOPES = ['api.read', 'api.write'];
const ROUTES = {
  discovery: '/.well-known/openid-configuration',
  token: '/token',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  jwks: '/jwks',
};

// ---------------------------------------------------------------- clients
function readJwks(file) {
  const v = JSON.parse(readFileSync(join(pki, file), 'utf8'));
  return v.keys ? v : { keys: [v] };
}

function cc(id, extra) {
  return {
    client_id: id,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SCOPES.join(' '),
    ...extra,
  };
}

function builtinClients() {
  return [
    cc('cc-basic', { token_endpoint_auth_method: 'client_secret_basic', client_secret: 'basic-secret' }),
    cc('cc-basic-special', { token_endpoint_auth_method: 'client_secret_basic', client_secret: 's p+e:c%ial/=&' }),
    cc('cc-post', { token_endpoint_auth_method: 'client_secret_post', client_secret: 'post-secret' }),
    cc('cc-read-only', { token_endpoint_auth_method: 'client_secret_basic', client_secret: 'read-secret', scope: 'api.read' }),
    cc('cc-jwt-rsa', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-rsa.jwk' }),
    cc('cc-jwt-ec', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-ec256.jwk' }),
    cc('cc-jwt-ec384', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-ec384.jwk' }),
    cc('cc-jwt-ed', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-ed25519.jwk' }),
    cc('cc-jwt-multi', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-jwks.json' }),
    cc('cc-jwt-ownkid', { token_endpoint_auth_method: 'private_key_jwt', jwks_file: 'client-rsa.jwk', jwks_kid: 'own-kid-1' }),
    {
      client_id: 'introspector',
      client_secret: 'introspect-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ];
}

const tokenClaims = new Map(); // client_id -> extra claims of its tokens

function loadClients() {
  const byId = new Map(builtinClients().map((c) => [c.client_id, c]));
  if (env.IDP_CLIENTS_FILE) {
    for (const c of JSON.parse(readFileSync(env.IDP_CLIENTS_FILE, 'utf8'))) {
      byId.set(c.client_id, c);
    }
  }
  return [...byId.values()].map((c) => {
    const {
      jwks_file: jf, jwks_kid: kid, token_claims: tc, ...rest
    } = c;
    if (tc) tokenClaims.set(c.client_id, tc);
    if (!jf) return rest;
    const jwks = readJwks(jf);
    return { ...rest, jwks: kid ? { keys: jwks.keys.map((k) => ({ ...k, kid })) } : jwks };
  });
}

// ------------------------------------------------------------------ state
function freshStats() {
  return {
    started: new Date().toISOString(),
    requests: 0,
    paths: {},
    discovery: 0,
    jwks: 0,
    revocation: 0,
    token: {
      requests: 0, issued: 0, errors: 0, injected_failures: 0, by_client: {},
    },
    introspection: {
      requests: 0, active: 0, inactive: 0, errors: 0, injected_failures: 0, by_client: {},
    },
  };
}
let stats = freshStats();

const defaultConfig = () => ({
  token_ttl: Number(env.IDP_TOKEN_TTL || 300),
  token_fail_status: 0,
  token_fail_count: 0,
  token_delay_ms: 0,
  discovery_fail_status: 0,
  discovery_fail_count: 0,
  discovery_delay_ms: 0,
  introspection_fail_status: 0,
  introspection_fail_count: 0,
  introspection_delay_ms: 0,
});
let config = defaultConfig();
if (!(config.token_ttl > 0)) {
  log('IDP_TOKEN_TTL must be a positive number of seconds');
  process.exit(2);
}

// ------------------------------------------------------- storage adapter
// Plain in-memory storage we can enumerate (for /test/revoke).
const store = new Map(); // "Model:id" -> { payload, expiresAt }
class Adapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    store.set(this.key(id), {
      payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity,
    });
  }

  async find(id) {
    const e = store.get(this.key(id));
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return e.payload;
  }

  async findByUid(uid) {
    for (const [k, e] of store) {
      if (k.startsWith(`${this.model}:`) && e.payload.uid === uid) return e.payload;
    }
    return undefined;
  }

  async findByUserCode(code) {
    for (const [k, e] of store) {
      if (k.startsWith(`${this.model}:`) && e.payload.userCode === code) return e.payload;
    }
    return undefined;
  }

  async consume(id) {
    const e = store.get(this.key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const [k, e] of store) {
      if (e.payload.grantId === grantId) store.delete(k);
    }
  }
}

function revokeTokens(clientId) {
  let n = 0;
  for (const [k, e] of store) {
    const model = k.slice(0, k.indexOf(':'));
    if (['ClientCredentials', 'AccessToken', 'RefreshToken'].includes(model)
        && (!clientId || e.payload.clientId === clientId)) {
      store.delete(k);
      n += 1;
    }
  }
  return n;
}

// ------------------------------------------------------------ helpers
function b64urlJson(part) {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s; // not properly encoded: report it raw
  }
}

// What a token (or introspection) request says about its client, from the
// raw request, before oidc-provider has looked at it.
function describeAuth(req, form) {
  const d = { auth: 'none', client_id: form.get('client_id') || undefined };
  const authz = req.headers.authorization;
  if (authz !== undefined) {
    const m = /^Basic\s+(\S+)$/i.exec(authz);
    if (m) {
      d.auth = 'client_secret_basic';
      const raw = Buffer.from(m[1], 'base64').toString('utf8');
      const i = raw.indexOf(':');
      d.basic_raw_user = i >= 0 ? raw.slice(0, i) : raw;
      d.client_id = formDecode(d.basic_raw_user);
    } else {
      d.auth = `authorization: ${authz.split(' ')[0]}`;
    }
  }
  if (form.has('client_secret')) {
    d.auth = d.auth === 'none' ? 'client_secret_post' : `${d.auth}+client_secret_post`;
  }
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    d.auth = d.auth === 'none' ? 'private_key_jwt' : `${d.auth}+private_key_jwt`;
    d.client_assertion_type = form.get('client_assertion_type') || undefined;
    const [h, p] = assertion.split('.');
    const header = b64urlJson(h || '') || {};
    const claims = b64urlJson(p || '') || {};
    d.assertion = { header, claims };
    d.alg = header.alg;
    d.kid = header.kid;
    if (!d.client_id) d.client_id = claims.sub || claims.iss;
  }
  if (!d.client_id) d.client_id = '(none)';
  return d;
}

function perClient(table, id) {
  if (!table[id]) {
    table[id] = { requests: 0, issued: 0, errors: 0, last: null };
  }
  return table[id];
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > 1 << 20) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, headers = {}) {
  const body = `${JSON.stringify(obj, null, 1)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function sendText(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// Injected failure for endpoint `what`: true if the request was answered.
function injectFailure(what, res) {
  const status = config[`${what}_fail_status`];
  const count = config[`${what}_fail_count`];
  if (!status || count === 0) return false;
  if (count > 0) config[`${what}_fail_count`] = count - 1;
  if (what === 'token') stats.token.injected_failures += 1;
  if (what === 'introspection') stats.introspection.injected_failures += 1;
  if (status >= 400 && status < 500) {
    sendJson(res, status, { error: 'invalid_request', error_description: `injected ${what} failure` });
  } else {
    sendJson(res, status, { error: 'temporarily_unavailable', error_description: `injected ${what} failure` });
  }
  return true;
}

// ------------------------------------------------------------ test API
async function testApi(req, res, url) {
  const p = url.pathname;
  if (p === '/test/stats' && req.method === 'GET') return sendJson(res, 200, stats);
  if (p === '/test/reset' && req.method === 'POST') {
    await readBody(req);
    stats = freshStats();
    config = defaultConfig();
    return sendJson(res, 200, { ok: true });
  }
  if (p === '/test/config') {
    if (req.method === 'POST') {
      const raw = (await readBody(req)).toString('utf8') || '{}';
      let upd;
      try {
        upd = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
      for (const [k, v] of Object.entries(upd)) {
        if (!(k in config) || typeof v !== 'number') {
          return sendJson(res, 400, { error: `unknown key or non-number value: ${k}` });
        }
      }
      Object.assign(config, upd);
    }
    return sendJson(res, 200, config);
  }
  if (p === '/test/revoke' && req.method === 'POST') {
    const raw = (await readBody(req)).toString('utf8');
    let clientId;
    try {
      clientId = raw ? JSON.parse(raw).client_id : undefined;
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    return sendJson(res, 200, { revoked: revokeTokens(clientId) });
  }
  const m = /^\/test\/count\/([a-z_]+)(?:\/(.+))?$/.exec(p);
  if (m && req.method === 'GET') {
    const [, name, rawClient] = m;
    const client = rawClient === undefined ? undefined : decodeURIComponent(rawClient);
    const top = {
      discovery: stats.discovery,
      jwks: stats.jwks,
      token: stats.token.requests,
      issued: stats.token.issued,
      token_errors: stats.token.errors,
      introspection: stats.introspection.requests,
      requests: stats.requests,
    };
    if (!(name in top)) return sendText(res, 404, 'unknown counter\n');
    if (client === undefined) return sendText(res, 200, `${top[name]}\n`);
    const c = stats.token.by_client[client] || { requests: 0, issued: 0, errors: 0 };
    const field = { token: 'requests', issued: 'issued', token_errors: 'errors' }[name];
    if (!field) return sendText(res, 404, 'per-client counts exist for token, issued, token_errors\n');
    return sendText(res, 200, `${c[field]}\n`);
  }
  return sendJson(res, 404, { error: 'no such test endpoint' });
}

// ---------------------------------------------------------------- main
const tlsOpts = {
  key: readFileSync(join(pki, 'server.key')),
  cert: readFileSync(join(pki, 'server.crt')),
};
const clients = loadClients();
const clientById = new Map(clients.map((c) => [c.client_id, c]));

let providerCallback; // set once the provider exists (needs the port first)

const server = createServer(tlsOpts, (req, res) => {
  handle(req, res).catch((err) => {
    log('handler error:', err?.stack || err);
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
    else res.destroy();
  });
});

async function handle(req, res) {
  const url = new URL(req.url, 'https://x');
  const p = url.pathname;
  if (verbose) log(req.method, req.url);
  if (p.startsWith('/test/')) return testApi(req, res, url);

  stats.requests += 1;
  stats.paths[p] = (stats.paths[p] || 0) + 1;

  if (p === ROUTES.discovery) {
    stats.discovery += 1;
    if (config.discovery_delay_ms) await sleep(config.discovery_delay_ms);
    if (injectFailure('discovery', res)) return undefined;
  } else if (p === ROUTES.jwks) {
    stats.jwks += 1;
    if (publicJwks) return sendJson(res, 200, servedJwks());
  } else if (p === ROUTES.revocation) {
    stats.revocation += 1;
  } else if ((p === ROUTES.token || p === ROUTES.introspection) && req.method === 'POST') {
    // Read the body ourselves; oidc-provider uses req.body when the
    // stream has already been consumed.
    const body = await readBody(req);
    req.body = body;
    const form = new URLSearchParams(body.toString('utf8'));
    const d = describeAuth(req, form);
    if (p === ROUTES.token) return tokenRequest(req, res, form, d);
    return introspectionRequest(req, res, form, d);
  }
  return providerCallback(req, res);
}

function finish(res) {
  return new Promise((resolve) => {
    if (res.writableFinished) resolve();
    else {
      res.on('finish', resolve);
      res.on('close', resolve);
    }
  });
}

// Capture the JSON response body oidc-provider writes.
function captureBody(res) {
  const chunks = [];
  const { write, end } = res;
  res.write = function w(chunk, ...a) {
    if (chunk) chunks.push(Buffer.from(chunk));
    return write.call(this, chunk, ...a);
  };
  res.end = function e(chunk, ...a) {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    return end.call(this, chunk, ...a);
  };
  return () => {
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return {};
    }
  };
}

async function tokenRequest(req, res, form, d) {
  const t = stats.token;
  t.requests += 1;
  const c = perClient(t.by_client, d.client_id);
  c.requests += 1;
  const last = {
    time: new Date().toISOString(),
    auth: d.auth,
    grant_type: form.get('grant_type') || undefined,
    scope: form.get('scope') ?? undefined,
    resource: form.get('resource') ?? undefined,
    accept: req.headers.accept,
    content_type: req.headers['content-type'],
    user_agent: req.headers['user-agent'],
    basic_raw_user: d.basic_raw_user,
    client_assertion_type: d.client_assertion_type,
    alg: d.alg,
    kid: d.kid,
    assertion: d.assertion,
  };
  c.last = last;

  if (config.token_delay_ms) await sleep(config.token_delay_ms);
  if (injectFailure('token', res)) {
    last.status = res.statusCode;
    last.error = 'injected';
    c.errors += 1;
    t.errors += 1;
    return;
  }

  const reg = clientById.get(d.client_id);
  if (strictAuth && reg) {
    const want = reg.token_endpoint_auth_method || 'client_secret_basic';
    if ((want === 'client_secret_basic' || want === 'client_secret_post') && d.auth !== want) {
      const msg = `client ${d.client_id} is registered for ${want} but authenticated with ${d.auth} (IDP_STRICT_AUTH)`;
      log('token error:', msg);
      last.status = 401;
      last.error = 'invalid_client';
      last.error_description = msg;
      c.errors += 1;
      t.errors += 1;
      sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
      return;
    }
  }

  const getBody = captureBody(res);
  providerCallback(req, res);
  await finish(res);
  last.status = res.statusCode;
  const out = getBody();
  if (res.statusCode === 200 && out.access_token) {
    c.issued += 1;
    t.issued += 1;
    last.expires_in = out.expires_in;
    last.granted_scope = out.scope;
  } else {
    c.errors += 1;
    t.errors += 1;
    last.error = out.error;
    last.error_description = out.error_description;
    const err = req.oidcError;
    if (err?.error_detail) last.error_detail = err.error_detail;
  }
}

async function introspectionRequest(req, res, form, d) {
  const s = stats.introspection;
  s.requests += 1;
  s.by_client[d.client_id] = (s.by_client[d.client_id] || 0) + 1;
  if (config.introspection_delay_ms) await sleep(config.introspection_delay_ms);
  if (injectFailure('introspection', res)) {
    s.errors += 1;
    return;
  }
  const getBody = captureBody(res);
  providerCallback(req, res);
  await finish(res);
  const out = getBody();
  if (res.statusCode !== 200) s.errors += 1;
  else if (out.active === true) s.active += 1;
  else s.inactive += 1;
}

function writePortFile(port) {
  if (!env.IDP_PORT_FILE) return;
  const tmp = `${env.IDP_PORT_FILE}.tmp`;
  writeFileSync(tmp, String(port));
  renameSync(tmp, env.IDP_PORT_FILE);
}

// IDP_SIGNING_JWKS: the public halves, served with IDP_EXTRA_JWKS
let publicJwks = null;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function servedJwks() {
  let extra = [];
  if (env.IDP_EXTRA_JWKS) {
    try {
      const v = JSON.parse(readFileSync(env.IDP_EXTRA_JWKS, 'utf8'));
      extra = v.keys ? v.keys : [v];
    } catch (err) {
      if (err.code !== 'ENOENT') log('IDP_EXTRA_JWKS:', err.message);
    }
  }
  return { keys: [...publicJwks, ...extra] };
}

const RESOURCES = {
  'urn:pfxhttp:smtp': { aud: 'urn:pfxhttp:smtp', alg: 'RS256' },
  'urn:pfxhttp:smtp:ps256': { aud: 'urn:pfxhttp:smtp', alg: 'PS256' },
  'urn:pfxhttp:smtp:es256': { aud: 'urn:pfxhttp:smtp', alg: 'ES256' },
  'urn:pfxhttp:smtp:es384': { aud: 'urn:pfxhttp:smtp', alg: 'ES384' },
  'urn:pfxhttp:smtp:es512': { aud: 'urn:pfxhttp:smtp', alg: 'ES512' },
  'urn:pfxhttp:smtp:eddsa': { aud: 'urn:pfxhttp:smtp', alg: 'EdDSA' },
  'urn:pfxhttp:other': { aud: 'urn:pfxhttp:other', alg: 'RS256' },
  'urn:pfxhttp:opaque': { aud: 'urn:pfxhttp:smtp', alg: null },
};

function makeProvider(issuer) {
  let keys;
  if (env.IDP_SIGNING_JWKS) {
    ({ keys } = JSON.parse(readFileSync(env.IDP_SIGNING_JWKS, 'utf8')));
    publicJwks = keys.map((k) => Object.fromEntries(
      Object.entries(k).filter(([n]) => !PRIVATE_MEMBERS.includes(n)),
    ));
  } else {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signing = privateKey.export({ format: 'jwk' });
    signing.kid = createHash('sha256').update(signing.n).digest('base64url').slice(0, 16);
    signing.use = 'sig';
    signing.alg = 'RS256';
    keys = [signing];
  }
  const signingAlgs = [...new Set(['RS256', ...keys.map((k) => k.alg).filter(Boolean)])];

  const provider = new Provider(issuer, {
    adapter: Adapter,
    clients,
    jwks: { keys },
    extraTokenClaims: async (ctx, token) => tokenClaims.get(token.clientId),
    scopes: ['openid', ...SCOPES],
    claims: { openid: ['sub'] },
    routes: {
      token: ROUTES.token,
      introspection: ROUTES.introspection,
      revocation: ROUTES.revocation,
      jwks: ROUTES.jwks,
    },
    cookies: { keys: ['pfxhttp-test-cookie-key-not-secret'] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: signingAlgs,
      clientAuthSigningAlgValues: [
        'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
        'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
      ],
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (ctx, indicator) => {
          const r = RESOURCES[indicator];
          if (!r) throw new errors.InvalidTarget();
          return {
            scope: SCOPES.join(' '),
            audience: r.aud,
            accessTokenTTL: config.token_ttl,
            ...(r.alg ? { accessTokenFormat: 'jwt', jwt: { sign: { alg: r.alg } } }
              : { accessTokenFormat: 'opaque' }),
          };
        },
      },
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => client.clientId === 'introspector'
          || client.clientId === token.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => client.clientId === token.clientId,
      },
    },
    ttl: {
      ClientCredentials: () => config.token_ttl,
      AccessToken: () => config.token_ttl,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
      IdToken: 600,
      RefreshToken: 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  });
  provider.proxy = false;

  for (const ev of ['server_error', 'grant.error', 'introspection.error', 'revocation.error',
    'jwks.error', 'discovery.error', 'end_session.error', 'authorization.error']) {
    provider.on(ev, (ctx, err) => {
      const who = ctx?.oidc?.client?.clientId || '-';
      if (ctx?.req) ctx.req.oidcError = err;
      const detail = err?.error_detail ? ` (${err.error_detail})` : '';
      const cause = err?.cause?.message ? ` [cause: ${err.cause.message}]` : '';
      if (ev === 'server_error') log(`${ev}: client=${who}:`, err?.stack || err);
      else log(`${ev}: client=${who}: ${err?.error || err?.name}: ${err?.error_description || err?.message}${detail}${cause}`);
    });
  }
  return provider;
}

server.on('tlsClientError', (err) => {
  if (verbose) log('TLS client error:', err.message);
});

server.listen(Number(env.IDP_PORT || 0), host, () => {
  const { port } = server.address();
  const h = host.includes(':') ? `[${host}]` : host;
  const issuer = `https://${h}:${port}`;
  try {
    providerCallback = makeProvider(issuer).callback();
  } catch (err) {
    log('cannot configure oidc-provider:', err?.stack || err);
    process.exit(1);
  }
  writePortFile(port);
  log(`listening, issuer ${issuer}, ${clients.length} clients, token ttl ${config.token_ttl}s`);
});

server.on('error', (err) => {
  log('server error:', err?.stack || err);
  process.exit(1);
});

let stopping = false;
function stop(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: stopping`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
