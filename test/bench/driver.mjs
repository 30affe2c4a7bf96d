// Load driver for `npm run bench`: CONCURRENCY workers run full PAR flows (or pushes alone) for
// DURATION seconds after WARMUP, with oauth4webapi as the client, against ISSUER. The server must run
// with BENCH_AUTO_APPROVE=1 (the interaction URL signs alice in and approves at once) and expose
// /__bench/stats. Prints one JSON line: rate, latency percentiles, server CPU and SQL per operation.
import * as oauth from 'oauth4webapi';

const env = process.env;
const issuer = new URL(env.ISSUER ?? 'http://127.0.0.1:3000');
const mode = env.MODE ?? 'flow';
const concurrency = Number(env.CONCURRENCY ?? 16);
const duration = Number(env.DURATION ?? 15);
const warmup = Number(env.WARMUP ?? 3);
const redirectUri = env.REDIRECT_URI ?? 'http://127.0.0.1:4999/cb';
const scope = env.SCOPE ?? 'openid api:read';
const insecure = { [oauth.allowInsecureRequests]: true };

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
const client = { client_id: env.CLIENT_ID ?? 'bench-client' };
const auth = oauth.ClientSecretBasic(env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdef0123456789');

async function push() {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const params = { response_type: 'code', redirect_uri: redirectUri, scope, state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
  const res = await oauth.pushedAuthorizationRequest(as, client, auth, params, insecure);
  return { ...(await oauth.processPushedAuthorizationResponse(as, client, res)), verifier, state, nonce };
}

/** Follows the front channel by hand: /authorize → interaction (cookie) → redirect_uri. */
async function frontChannel(requestUri) {
  let url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({ client_id: client.client_id, request_uri: requestUri }).toString();
  const cookies = [];
  for (let hop = 0; hop < 5; hop += 1) {
    const res = await fetch(url, { redirect: 'manual', headers: cookies.length ? { cookie: cookies.join('; ') } : {} });
    await res.arrayBuffer();
    for (const line of res.headers.getSetCookie()) cookies.push(line.split(';')[0]);
    const location = res.headers.get('location');
    if (!location) throw new Error(`front channel stopped at ${url.pathname} with ${res.status}`);
    url = new URL(location, url);
    if (url.href.startsWith(redirectUri)) return url;
  }
  throw new Error('too many redirects');
}

async function flow() {
  const pushed = await push();
  const callback = await frontChannel(pushed.request_uri);
  const params = oauth.validateAuthResponse(as, client, callback, pushed.state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, pushed.verifier, insecure);
  await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: pushed.nonce, requireIdToken: true });
}

const stats = async () => (await fetch(new URL('/__bench/stats', issuer))).json();
const op = mode === 'par' ? push : flow;
if (env.ONCE === '1') {
  await op();
  console.log(JSON.stringify({ ok: true }));
  process.exit(0);
}
const latencies = [];
const errors = new Map();
let measuring = false;
let stop = false;
async function worker() {
  while (!stop) {
    const start = performance.now();
    try {
      await op();
      if (measuring) latencies.push(performance.now() - start);
    } catch (error) {
      if (measuring) errors.set(String(error.message).slice(0, 100), (errors.get(String(error.message).slice(0, 100)) ?? 0) + 1);
    }
  }
}
const workers = Array.from({ length: concurrency }, worker);
await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
const s0 = await stats();
const t0 = performance.now();
measuring = true;
await new Promise((resolve) => setTimeout(resolve, duration * 1000));
measuring = false;
const elapsed = (performance.now() - t0) / 1000;
const s1 = await stats();
stop = true;
await Promise.all(workers);
latencies.sort((a, b) => a - b);
const n = latencies.length;
const pct = (q) => (n ? Number(latencies[Math.min(n - 1, Math.ceil(q * n) - 1)].toFixed(1)) : null);
const per = (x) => (n ? Number((x / n).toFixed(3)) : null);
console.log(
  JSON.stringify({
    mode,
    concurrency,
    ops: n,
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    ...(errors.size > 0 && { error_samples: Object.fromEntries(errors) }),
    rate_per_s: Number((n / elapsed).toFixed(1)),
    p50_ms: pct(0.5),
    p95_ms: pct(0.95),
    p99_ms: pct(0.99),
    server_cpu_ms_per_op: per((s1.cpuUserUs + s1.cpuSystemUs - s0.cpuUserUs - s0.cpuSystemUs) / 1000),
    sql_per_op: per(s1.sqlStatements - s0.sqlStatements),
    http_requests_per_op: per(s1.requests - s0.requests - 1),
  }),
);
process.exit(0);
