// Load driver for `npm run bench`: CONCURRENCY workers run full PAR flows (or pushes alone) for
// DURATION seconds after WARMUP, with oauth4webapi as the client, against ISSUER. The server must run
// with BENCH_AUTO_APPROVE=1 (alice is signed in and approves at once: /authorize answers with the code)
// and expose /__bench/stats. Prints one JSON line: rate, latency percentiles (of the whole operation and
// of each step: push, authorize = the first GET /authorize, interaction = the hops after it, 0 when
// there are none, token), server CPU
// and SQL per operation. With INTERVAL=n (seconds) it also prints, every n seconds of the measurement,
// one JSON line {"interval":…} with that interval's rate, p50/p99, errors and the server's RSS (the
// soak reads them); the summary stays the last line.
import * as oauth from 'oauth4webapi';

const env = process.env;
const issuer = new URL(env.ISSUER ?? 'http://127.0.0.1:3000');
const mode = env.MODE ?? 'flow';
const concurrency = Number(env.CONCURRENCY ?? 16);
const duration = Number(env.DURATION ?? 15);
const warmup = Number(env.WARMUP ?? 3);
const redirectUri = env.REDIRECT_URI ?? 'http://127.0.0.1:4999/cb';
const scope = env.SCOPE ?? 'openid api:read';
const interval = Number(env.INTERVAL ?? 0);
const insecure = { [oauth.allowInsecureRequests]: true };

/** Per-step latencies of the measured operations (ms). */
const STEPS = ['push', 'authorize', 'interaction', 'token'];
const steps = Object.fromEntries(STEPS.map((name) => [name, []]));
let measuring = false;
async function timed(step, work) {
  const start = performance.now();
  const result = await work();
  if (measuring) steps[step].push(performance.now() - start);
  return result;
}

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
const client = { client_id: env.CLIENT_ID ?? 'bench-client' };
const auth = oauth.ClientSecretBasic(env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdef0123456789');

async function push() {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const params = { response_type: 'code', redirect_uri: redirectUri, scope, state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
  const pushed = await timed('push', async () => oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, insecure)));
  return { ...pushed, verifier, state, nonce };
}

/** Follows the front channel by hand: /authorize → any interaction hops (cookies kept) → redirect_uri. */
async function frontChannel(requestUri) {
  let url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({ client_id: client.client_id, request_uri: requestUri }).toString();
  const cookies = [];
  const started = performance.now();
  let firstHop = 0;
  for (let hop = 0; hop < 5; hop += 1) {
    const res = await fetch(url, { redirect: 'manual', headers: cookies.length ? { cookie: cookies.join('; ') } : {} });
    await res.arrayBuffer();
    if (hop === 0) {
      firstHop = performance.now() - started;
      if (measuring) steps.authorize.push(firstHop);
    }
    for (const line of res.headers.getSetCookie()) cookies.push(line.split(';')[0]);
    const location = res.headers.get('location');
    if (!location) throw new Error(`front channel stopped at ${url.pathname} with ${res.status}`);
    url = new URL(location, url);
    if (url.href.startsWith(redirectUri)) {
      if (measuring) steps.interaction.push(performance.now() - started - firstHop);
      return url;
    }
  }
  throw new Error('too many redirects');
}

async function flow() {
  const pushed = await push();
  const callback = await frontChannel(pushed.request_uri);
  const params = oauth.validateAuthResponse(as, client, callback, pushed.state);
  await timed('token', async () => {
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, pushed.verifier, insecure);
    await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: pushed.nonce, requireIdToken: true });
  });
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
/** The current interval's latencies and error count (INTERVAL only). */
let window = { latencies: [], errors: 0 };
let stop = false;
async function worker() {
  while (!stop) {
    const start = performance.now();
    try {
      await op();
      if (measuring) {
        latencies.push(performance.now() - start);
        window.latencies.push(performance.now() - start);
      }
    } catch (error) {
      if (measuring) {
        errors.set(String(error.message).slice(0, 100), (errors.get(String(error.message).slice(0, 100)) ?? 0) + 1);
        window.errors += 1;
      }
    }
  }
}
/** The q-quantile of ascending `sorted` (nearest rank), to 0.1 ms. */
const quantile = (sorted, q) => (sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(1)) : null);
const workers = Array.from({ length: concurrency }, worker);
await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
const s0 = await stats();
const t0 = performance.now();
measuring = true;
let reporter;
let index = 0;
let last = performance.now();
/** Prints the current interval's line and starts the next interval. */
async function reportInterval() {
  const { latencies: sample, errors: failed } = window;
  window = { latencies: [], errors: 0 };
  const now = performance.now();
  const seconds = (now - last) / 1000;
  last = now;
  index += 1;
  sample.sort((a, b) => a - b);
  const server = await stats();
  console.log(
    JSON.stringify({
      interval: index,
      t_s: Math.round((now - t0) / 1000),
      ops: sample.length,
      rate_per_s: Number((sample.length / seconds).toFixed(1)),
      p50_ms: quantile(sample, 0.5),
      p99_ms: quantile(sample, 0.99),
      errors: failed,
      rss_bytes: server.rssBytes ?? null,
    }),
  );
}
if (interval > 0) reporter = setInterval(reportInterval, interval * 1000);
await new Promise((resolve) => setTimeout(resolve, duration * 1000));
measuring = false;
clearInterval(reporter);
// The last interval, whole or partial.
if (interval > 0 && performance.now() - last > 1000) await reportInterval();
const elapsed = (performance.now() - t0) / 1000;
const s1 = await stats();
stop = true;
await Promise.all(workers);
latencies.sort((a, b) => a - b);
const n = latencies.length;
const pct = (q) => quantile(latencies, q);
const per = (x) => (n ? Number((x / n).toFixed(3)) : null);
const stepSummary = Object.fromEntries(
  STEPS.filter((name) => steps[name].length > 0).map((name) => {
    const sorted = steps[name].sort((a, b) => a - b);
    return [name, { n: sorted.length, p50_ms: quantile(sorted, 0.5), p99_ms: quantile(sorted, 0.99) }];
  }),
);
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
    // Minus the stats requests themselves (the one at the end, and one per interval report).
    http_requests_per_op: per(s1.requests - s0.requests - 1 - index),
    steps: stepSummary,
    ...(s1.rssBytes !== undefined && { rss_bytes_start: s0.rssBytes, rss_bytes_end: s1.rssBytes }),
  }),
);
process.exit(0);
