#!/usr/bin/env node
// protected-backend.js -- test/backend/backend.py's lookup API, but every
// lookup needs "Authorization: Bearer <token>", checked by RFC 7662
// introspection at idp.js (client "introspector").  Plain HTTP on loopback,
// no npm dependencies.
//
//   BACKEND_IDP_URL=https://127.0.0.1:$IDP_PORT BACKEND_CA=$PKI/ca.crt \
//   BACKEND_PORT_FILE=$T/backend.port node test/oidc/protected-backend.js &
//   curl -H "Authorization: Bearer $tok" -d '{"name":"m","key":"a@example.com"}' \
//        http://127.0.0.1:$(cat $T/backend.port)/map
//
// Environment:
//   BACKEND_IDP_URL         (required) issuer of idp.js, e.g. https://127.0.0.1:PORT
//   BACKEND_INTROSPECTION_URL  default $BACKEND_IDP_URL/token/introspection
//                           (no discovery, so idp.js' discovery count only
//                           shows the code under test)
//   BACKEND_CA              CA file to trust for the IdP (gen-pki.sh's ca.crt)
//   BACKEND_CLIENT_ID       default "introspector"
//   BACKEND_CLIENT_SECRET   default "introspect-secret"
//   BACKEND_REQUIRED_SCOPE  if set, an active token without this scope -> 403
//   BACKEND_PORT            default 0 = any free port
//   BACKEND_PORT_FILE       the chosen port is written here when listening
//   BACKEND_HOST            default 127.0.0.1
//
// Authorization: no header / not "Bearer <tok>" / inactive token -> 401 with
// WWW-Authenticate: Bearer ...; IdP unreachable or not 200 -> 503; missing
// scope -> 403.  Every request is introspected (no cache).
//
// Endpoints (lookups need the token; /stats and /reset do not):
//   POST /map    {"name":..,"key":..}  -> {"data":{"result":"found:<key>"}} for
//                keys ending in example.com, {"data":{"result":null}} otherwise;
//                temp@ -> 503, perm@ -> 403, missing@ -> 404, slow@ sleeps 3 s,
//                error@ -> {"error":"db down"} (as backend.py)
//   GET  /rest?key=..   -> ["found:<key>"] / 404 []
//   POST /policy {attrs} -> {"policy":{"result":"DUNNO"}} (policy-reject@ -> REJECT ..)
//   POST /echo, GET /echo -> {"data":{"result": ...}} (request echoed)
//   GET  /stats  {"requests", "authorized", "unauthorized", "forbidden",
//                 "unavailable", "reasons": {missing, malformed, inactive,
//                 introspection_error, scope}, "by_client": {client_id: n},
//                 "tokens_by_client": {client_id: distinct tokens seen},
//                 "scopes_by_client": {client_id: last scope},
//                 "paths": {...}, "last_authorization": "Bearer ..."}
//   GET  /stats/client/ID  -> number of authorized requests by ID (text)
//   POST /reset  zero the stats
// Logs errors to stderr ("backend: ..."); stops cleanly on SIGTERM.
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const env = process.env;
const log = (...a) => console.error('backend:', ...a);

if (!env.BACKEND_IDP_URL && !env.BACKEND_INTROSPECTION_URL) {
  log('BACKEND_IDP_URL (or BACKEND_INTROSPECTION_URL) is required');
  process.exit(2);
}
const introspectionUrl = new URL(env.BACKEND_INTROSPECTION_URL
  || `${env.BACKEND_IDP_URL.replace(/\/$/, '')}/token/introspection`);
const ca = env.BACKEND_CA ? readFileSync(env.BACKEND_CA) : undefined;
const clientId = env.BACKEND_CLIENT_ID || 'introspector';
const clientSecret = env.BACKEND_CLIENT_SECRET || 'introspect-secret';
const requiredScope = env.BACKEND_REQUIRED_SCOPE || '';
const formEnc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
const basic = Buffer.from(`${formEnc(clientId)}:${formEnc(clientSecret)}`).toString('base64');

function freshStats() {
  return {
    requests: 0,
    authorized: 0,
    unauthorized: 0,
    forbidden: 0,
    unavailable: 0,
    reasons: {
      missing: 0, malformed: 0, inactive: 0, introspection_error: 0, scope: 0,
    },
    by_client: {},
    tokens_by_client: {},
    scopes_by_client: {},
    paths: {},
    last_authorization: null,
  };
}
let stats = freshStats();
let tokensSeen = new Map(); // client_id -> Set(token)

function introspect(token) {
  const body = `token=${formEnc(token)}&token_type_hint=access_token`;
  const req = (introspectionUrl.protocol === 'https:' ? httpsRequest : httpRequest);
  return new Promise((resolve, reject) => {
    const r = req(introspectionUrl, {
      method: 'POST',
      ca,
      headers: {
        Authorization: `Basic ${basic}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': Buffer.byteLength(body),
        Accept: 'application/json',
        'User-Agent': 'pfxhttp-protected-backend',
      },
      timeout: 5000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new Error(`introspection returned ${res.statusCode}: ${text}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`introspection response is not JSON: ${text.slice(0, 200)}`));
        }
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error('introspection timed out')));
    r.on('error', reject);
    r.end(body);
  });
}

function send(res, status, obj, headers = {}) {
  const data = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': typeof obj === 'string' ? 'text/plain' : 'application/json',
    'Content-Length': Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// [status, value] as backend.py's answer_for; undefined value = not found.
async function answerFor(key) {
  const local = key.split('@')[0];
  if (local === 'temp') return [503];
  if (local === 'perm') return [403];
  if (local === 'missing') return [404];
  if (local === 'slow') await sleep(3000);
  if (local === 'error') return [200, { error: 'db down' }];
  if (key.endsWith('example.com')) return [200, `found:${key}`];
  return [200, null];
}

const unauthorized = (res, reason, desc) => {
  stats.unauthorized += 1;
  stats.reasons[reason] += 1;
  const err = reason === 'missing' ? '' : `, error="invalid_token", error_description="${desc}"`;
  send(res, 401, { error: 'unauthorized', reason }, {
    'WWW-Authenticate': `Bearer realm="pfxhttp-test"${err}`,
  });
};

// Returns the introspection result, or undefined after answering.
async function authorize(req, res) {
  const h = req.headers.authorization;
  stats.last_authorization = h ?? null;
  if (h === undefined) return unauthorized(res, 'missing', 'no token');
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(h);
  if (!m) return unauthorized(res, 'malformed', 'not a Bearer token');
  let info;
  try {
    info = await introspect(m[1]);
  } catch (err) {
    log('introspection failed:', err.message);
    stats.unavailable += 1;
    stats.reasons.introspection_error += 1;
    send(res, 503, { error: 'introspection failed' });
    return undefined;
  }
  if (info.active !== true) return unauthorized(res, 'inactive', 'token is not active');
  const scopes = (info.scope || '').split(' ').filter(Boolean);
  if (requiredScope && !scopes.includes(requiredScope)) {
    stats.forbidden += 1;
    stats.reasons.scope += 1;
    send(res, 403, { error: 'insufficient_scope' }, {
      'WWW-Authenticate': `Bearer realm="pfxhttp-test", error="insufficient_scope", scope="${requiredScope}"`,
    });
    return undefined;
  }
  const cid = info.client_id || '(unknown)';
  stats.authorized += 1;
  stats.by_client[cid] = (stats.by_client[cid] || 0) + 1;
  stats.scopes_by_client[cid] = info.scope ?? null;
  if (!tokensSeen.has(cid)) tokensSeen.set(cid, new Set());
  tokensSeen.get(cid).add(m[1]);
  stats.tokens_by_client[cid] = tokensSeen.get(cid).size;
  return info;
}

async function handle(req, res) {
  const u = new URL(req.url, 'http://x');
  const p = u.pathname;
  if (req.method === 'GET' && p === '/stats') return send(res, 200, stats);
  const sc = /^\/stats\/client\/(.+)$/.exec(p);
  if (req.method === 'GET' && sc) {
    return send(res, 200, `${stats.by_client[decodeURIComponent(sc[1])] || 0}\n`);
  }
  if (req.method === 'POST' && p === '/reset') {
    await readBody(req);
    stats = freshStats();
    tokensSeen = new Map();
    return send(res, 200, { ok: true });
  }

  const raw = await readBody(req);
  stats.requests += 1;
  stats.paths[p] = (stats.paths[p] || 0) + 1;
  if (!(await authorize(req, res))) return undefined;

  if (req.method === 'GET' && p === '/echo') return send(res, 200, { data: { result: req.url } });
  if (req.method === 'GET' && p === '/rest') {
    const [status, val] = await answerFor(u.searchParams.get('key') || '');
    if (status !== 200) return send(res, status, { error: 'status' });
    if (val === null) return send(res, 404, []);
    return send(res, 200, Array.isArray(val) ? val : [val]);
  }
  if (req.method !== 'POST') return send(res, 404, { error: 'no such path' });

  let body;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    return send(res, 400, { error: 'request is not JSON' });
  }
  if (p === '/echo') {
    return send(res, 200, { data: { result: JSON.stringify(body, Object.keys(body).sort()) } });
  }
  if (p === '/map') {
    const [status, val] = await answerFor(String(body.key ?? ''));
    if (status !== 200) return send(res, status, { error: 'status' });
    if (val && typeof val === 'object') return send(res, 200, val);
    return send(res, 200, { data: { result: val } });
  }
  if (p === '/policy') {
    const rcpt = String(body.recipient ?? '');
    const [status] = await answerFor(rcpt);
    if (status !== 200) return send(res, status, { error: 'status' });
    const local = rcpt.split('@')[0];
    let act = 'DUNNO';
    if (local === 'policy-reject') act = 'REJECT 5.7.1 rejected by the HTTP policy';
    else if (local === 'policy-defer') act = 'DEFER_IF_PERMIT try later';
    return send(res, 200, { policy: { result: act } });
  }
  return send(res, 404, { error: 'no such path' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    log('handler error:', err?.stack || err);
    if (!res.headersSent) send(res, 500, { error: 'internal error' });
    else res.destroy();
  });
});

server.on('error', (err) => {
  log('server error:', err?.stack || err);
  process.exit(1);
});

server.listen(Number(env.BACKEND_PORT || 0), env.BACKEND_HOST || '127.0.0.1', () => {
  const { port } = server.address();
  if (env.BACKEND_PORT_FILE) {
    const tmp = `${env.BACKEND_PORT_FILE}.tmp`;
    writeFileSync(tmp, String(port));
    renameSync(tmp, env.BACKEND_PORT_FILE);
  }
  log(`listening on ${env.BACKEND_HOST || '127.0.0.1'}:${port}, introspecting at ${introspectionUrl}`);
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
