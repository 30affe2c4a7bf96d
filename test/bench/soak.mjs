// `npm run bench:soak`: a soak benchmark, not a test. It prints figures and asserts nothing about speed.
// On a PostgreSQL database of its own (created from DATABASE_URL, dropped at the end), it starts the
// compiled demo server with BENCH_AUTO_APPROVE=1 and runs:
//   1. soak: full flows at CONCURRENCY (16) for SOAK_SECONDS (300), the purge every SOAK_PURGE_INTERVAL
//      (10) s keeping requests and codes SOAK_PURGE_GRACE (60) s past their end, with SOAK_EXPIRED_ROWS (20,000) rows already past retention seeded at the start; every
//      SOAK_INTERVAL (60) s: flows/s, p50/p99, errors, server RSS and the row count of every par_* table.
//   2. preload: with the purge off, push / authorize / token latency (p50, p99) for PRELOAD_SECONDS (30)
//      on an empty database, then with PRELOAD_ROWS (1,000,000) expired rows spread over the tables the
//      hot path touches, then empty again (the two empty runs show the noise).
// env: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), PORT (3110), CONCURRENCY, WARMUP (5),
// PHASES (soak,preload), and the ones above. Figures on a shared machine are noise: run it quiet.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startDemoServer } from './demo-server.mjs';

const env = process.env;
const port = env.PORT ?? '3110';
const issuer = `http://127.0.0.1:${port}`;
const baseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const concurrency = Number(env.CONCURRENCY ?? 16);
const warmup = Number(env.WARMUP ?? 5);
const soakSeconds = Number(env.SOAK_SECONDS ?? 300);
const soakInterval = Number(env.SOAK_INTERVAL ?? 60);
const soakPurgeInterval = Number(env.SOAK_PURGE_INTERVAL ?? 10);
const soakExpiredRows = Number(env.SOAK_EXPIRED_ROWS ?? 20_000);
const soakPurgeGrace = Number(env.SOAK_PURGE_GRACE ?? 60);
// A pushed request is retained for its login (interactionTtl) past its expiry: the shortest allowed, so the soak sees it purged.
const soakInteractionTtl = Number(env.SOAK_INTERACTION_TTL ?? 60);
const preloadRows = Number(env.PRELOAD_ROWS ?? 1_000_000);
const preloadSeconds = Number(env.PRELOAD_SECONDS ?? 30);
const phases = new Set((env.PHASES ?? 'soak,preload').split(',').map((p) => p.trim()));

/** ParModule's tables (par_migrations and par_signing_key are not data that grows). */
const TABLES = ['par_pushed_request', 'par_interaction', 'par_authorization_code', 'par_refresh_token', 'par_used_jti', 'par_revocation'];
/** How long the purge keeps requests and codes past their end in the soak (the `purgeGrace` option). */
const GRACE = `interval '${soakPurgeGrace} seconds'`;
/** Rows the purge may delete now, per table (what "bounded by the purge" is about). */
const PURGEABLE = {
  par_pushed_request: `retain_until < now() - ${GRACE}`,
  par_authorization_code: `expires_at < now() - ${GRACE}`,
  par_refresh_token: 'expires_at < now()',
  par_used_jti: 'expires_at < now()',
  par_revocation: 'expires_at < now()',
};

const mib = (bytes) => (bytes == null ? 'n/a' : (bytes / 1024 / 1024).toFixed(1));
const pctChange = (from, to) => (from ? Number((((to - from) / from) * 100).toFixed(1)) : null);
const log = (line) => process.stderr.write(`${line}\n`);

// A database of its own: the demo uses the default schema of whatever database DATABASE_URL names, so
// a dedicated database keeps its tables away from the tests' schemas and from other runs.
const dbName = `par_soak_${randomBytes(4).toString('hex')}`;
const soakUrl = (() => {
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const db = new pg.Client({ connectionString: soakUrl });
await db.connect();

let server;
async function startServer(purgeInterval, purgeGrace = soakPurgeGrace) {
  server = await startDemoServer({
    port,
    databaseUrl: soakUrl,
    env: { PURGE_INTERVAL: String(purgeInterval), PURGE_GRACE: String(purgeGrace), INTERACTION_TTL: String(soakInteractionTtl) },
  });
}
async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}
let cleaned = false;
async function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  await stopServer();
  await db.end().catch(() => {});
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((error) => log(`could not drop ${dbName}: ${error.message}`));
  await admin.end().catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void cleanUp().then(() => process.exit(130)));

/** Runs the flow driver; `onInterval` gets each per-interval line; resolves with the summary line. */
function drive(extraEnv, onInterval = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('driver.mjs', import.meta.url))], {
      env: { ...env, ISSUER: issuer, CONCURRENCY: String(concurrency), WARMUP: String(warmup), ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last;
    const pending = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line);
      if (parsed.interval !== undefined) pending.push(onInterval(parsed));
      else last = parsed;
    });
    child.on('exit', async (code) => {
      await Promise.all(pending);
      if (code === 0 && last) resolve(last);
      else reject(new Error(`driver exited with ${code}`));
    });
  });
}

async function rowCounts() {
  const counts = {};
  for (const table of TABLES) {
    const purgeable = PURGEABLE[table] ? `count(*) FILTER (WHERE ${PURGEABLE[table]})` : '0';
    const { rows } = await db.query(`SELECT count(*)::int AS n, ${purgeable}::int AS purgeable FROM ${table}`);
    counts[table] = rows[0];
  }
  return counts;
}

/** The stored JSON of one real flow (a pushed request's parameters, a code's grant), to copy. */
async function captureTemplate() {
  const { rows } = await db.query(
    `SELECT (SELECT parameters FROM par_pushed_request LIMIT 1) AS parameters, (SELECT grant_data FROM par_authorization_code LIMIT 1) AS grant_data`,
  );
  if (!rows[0].parameters || !rows[0].grant_data) throw new Error('no flow has run yet: nothing to copy rows from');
  return { parameters: rows[0].parameters, grantData: rows[0].grant_data };
}

/**
 * Inserts `total` expired rows with generate_series, spread over the tables the hot path touches, shaped
 * like real ones (JSON copied from one real flow), `age` in the past.
 */
async function insertExpiredRows(total, age, { parameters, grantData }) {
  const share = { requests: 0.4, interactions: 0.1, codes: 0.3, refresh: 0.1, jti: 0.05, revocations: 0.05 };
  const n = Object.fromEntries(Object.entries(share).map(([k, v]) => [k, Math.round(total * v)]));
  const tag = randomBytes(4).toString('hex');
  const hash = (kind) => `encode(sha256(convert_to('${tag}-${kind}-' || g, 'UTF8')), 'hex')`;
  const past = (extra = "interval '0'") => `now() - interval '${age}' - ${extra} - (g % 3600) * interval '1 second'`;
  await db.query(
    `INSERT INTO par_pushed_request (reference_hash, client_id, parameters, dpop_jkt, credentialed, expires_at, first_used_at, retain_until, consumed_at, created_at)
     SELECT ${hash('r')}, 'bench-client', $1::jsonb, NULL, true, ${past()}, CASE WHEN g % 2 = 0 THEN ${past()} END, ${past()},
            CASE WHEN g % 2 = 0 THEN ${past()} END, ${past("interval '60 seconds'")}
       FROM generate_series(1, $2::int) g`,
    [JSON.stringify(parameters), n.requests],
  );
  // Interactions of abandoned logins: they point at (expired) pushed requests.
  await db.query(
    `INSERT INTO par_interaction (uid_hash, binding_hash, request_hash, expires_at, created_at)
     SELECT ${hash('i')}, ${hash('b')}, ${hash('r')}, ${past()}, ${past("interval '600 seconds'")}
       FROM generate_series(1, $1::int) g`,
    [Math.min(n.interactions, n.requests)],
  );
  await db.query(
    `INSERT INTO par_authorization_code (code_hash, client_id, grant_id, grant_data, expires_at, consumed_at, created_at)
     SELECT ${hash('c')}, 'bench-client', ${hash('g')}, $1::jsonb, ${past()}, CASE WHEN g % 4 <> 0 THEN ${past()} END, ${past("interval '60 seconds'")}
       FROM generate_series(1, $2::int) g`,
    [JSON.stringify(grantData), n.codes],
  );
  await db.query(
    `INSERT INTO par_refresh_token (token_hash, client_id, grant_id, grant_data, expires_at, consumed_at, revoked_at, created_at)
     SELECT ${hash('t')}, 'bench-client', ${hash('g')}, $1::jsonb, ${past()}, CASE WHEN g % 2 = 0 THEN ${past()} END, NULL, ${past("interval '14 days'")}
       FROM generate_series(1, $2::int) g`,
    [JSON.stringify(grantData), n.refresh],
  );
  await db.query(`INSERT INTO par_used_jti (key_hash, expires_at) SELECT ${hash('j')}, ${past()} FROM generate_series(1, $1::int) g`, [n.jti]);
  await db.query(`INSERT INTO par_revocation (key_hash, expires_at) SELECT ${hash('v')}, ${past()} FROM generate_series(1, $1::int) g`, [n.revocations]);
  for (const table of TABLES) await db.query(`VACUUM ANALYZE ${table}`);
  await checkpoint();
  return n;
}

async function truncateAll() {
  await db.query(`TRUNCATE ${TABLES.join(', ')}`);
  for (const table of TABLES) await db.query(`VACUUM ANALYZE ${table}`);
  // Write out what the previous run dirtied (hundreds of MB after a preload) now, not during the next run.
  await checkpoint();
}

/** Writes dirty buffers out between runs (needs a superuser; skipped otherwise). */
async function checkpoint() {
  await db.query('CHECKPOINT').catch(() => log('CHECKPOINT not allowed for this user: runs may overlap PostgreSQL writing out the previous one'));
}

const stepCell = (r, step) => (r.steps?.[step] ? `${r.steps[step].p50_ms} / ${r.steps[step].p99_ms}` : 'n/a');
const report = [];

async function soak() {
  log(`soak: ${soakSeconds} s of full flows at ${concurrency} concurrent, purge every ${soakPurgeInterval} s, ${soakExpiredRows} expired rows seeded`);
  await startServer(soakPurgeInterval);
  const booted = await (await fetch(`${issuer}/__bench/stats`)).json();
  await drive({ MODE: 'flow', ONCE: '1' });
  const seeded = soakExpiredRows > 0 ? await insertExpiredRows(soakExpiredRows, '2 hours', await captureTemplate()) : {};
  const start = await rowCounts();
  const intervals = [];
  const summary = await drive({ MODE: 'flow', DURATION: String(soakSeconds), INTERVAL: String(soakInterval) }, async (line) => {
    const counts = await rowCounts();
    intervals.push({ ...line, counts });
    log(`  ${line.t_s} s: ${line.rate_per_s} flows/s, p50 ${line.p50_ms} ms, p99 ${line.p99_ms} ms, ${line.errors} errors, RSS ${mib(line.rss_bytes)} MiB, rows ${TABLES.map((t) => `${t.slice(4)}=${counts[t].n}`).join(' ')}`);
  });
  const end = await rowCounts();
  await stopServer();
  await truncateAll();

  const p99s = intervals.map((i) => i.p99_ms).filter((p) => p != null);
  const p99Spread = p99s.length ? pctChange(Math.min(...p99s), Math.max(...p99s)) : null;
  const rssGrowth = pctChange(summary.rss_bytes_start, summary.rss_bytes_end);
  // The heap keeps growing to its working size for a while: growth after the first interval is the leak signal.
  const rssFirst = intervals[0]?.rss_bytes;
  const rssGrowthAfterFirst = intervals.length > 1 ? pctChange(rssFirst, summary.rss_bytes_end) : null;
  const maxInteractions = Math.max(0, ...intervals.map((i) => i.counts.par_interaction.n), end.par_interaction.n);
  const purgeableLeft = Object.keys(PURGEABLE).reduce((sum, t) => sum + end[t].purgeable, 0);
  const purgeableStart = Object.keys(PURGEABLE).reduce((sum, t) => sum + start[t].purgeable, 0);
  const live = (t) => end[t].n - end[t].purgeable;

  console.log('\n## Soak\n');
  console.log(`${soakSeconds} s of full flows at ${concurrency} concurrent (driver: ${summary.ops} flows, ${summary.errors} errors), purge every ${soakPurgeInterval} s.\n`);
  console.log(`| interval (${soakInterval} s) | flows/s | p50 ms | p99 ms | errors | RSS MiB | ${TABLES.map((t) => t.replace('par_', '')).join(' | ')} |`);
  console.log('|---|---|---|---|---|---|' + TABLES.map(() => '---').join('|') + '|');
  for (const i of intervals) {
    console.log(`| ${i.interval} (${i.t_s} s) | ${i.rate_per_s} | ${i.p50_ms} | ${i.p99_ms} | ${i.errors} | ${mib(i.rss_bytes)} | ${TABLES.map((t) => `${i.counts[t].n}${i.counts[t].purgeable ? ` (${i.counts[t].purgeable} expired)` : ''}`).join(' | ')} |`);
  }
  console.log(`\n- RSS: ${mib(booted.rssBytes)} MiB after boot, ${mib(summary.rss_bytes_start)} MiB after ${warmup} s of warm-up, ${mib(summary.rss_bytes_end)} MiB at the end: growth ${rssGrowth} % (goal < 10 %); ${rssGrowthAfterFirst} % since the end of the first interval (${mib(rssFirst)} MiB)`);
  console.log(`- p99 per interval: ${p99s.join(', ')} ms; spread (max - min) / min = ${p99Spread} %; first → last ${pctChange(p99s[0], p99s.at(-1))} %`);
  console.log(`- par_interaction (deleted when its login finishes): at most ${maxInteractions} rows seen, for ${concurrency} concurrent flows: ${maxInteractions <= concurrency * 2 ? 'bounded' : 'NOT bounded'}`);
  // Under load, rows keep crossing their retention between two purge runs: what one interval's flows
  // expire (a request and a code each, with some slack) may be left at any moment.
  const backlogBound = Math.ceil(summary.rate_per_s * soakPurgeInterval * 2 * 1.5);
  console.log(
    `- rows past retention, which only the purge deletes: ${purgeableStart} at the start (seeded: ${JSON.stringify(seeded)}; the interactions go with their requests), ` +
      `${purgeableLeft} at the end (what expires between two runs at ${summary.rate_per_s} flows/s is up to about ${backlogBound}): ${purgeableLeft <= backlogBound ? 'the purge keeps up' : 'NOT drained'}`,
  );
  console.log(
    `- par_pushed_request (${live('par_pushed_request')} live rows) and par_authorization_code (${live('par_authorization_code')}) keep one row per flow ` +
      `(${summary.ops} flows measured, plus warm-up) until purgeGrace (${soakPurgeGrace} s) past their end (a request's end is its expiry, 60 s, ` +
      `plus interactionTtl, ${soakInteractionTtl} s): they level off at about flows/s × (60 + ${soakInteractionTtl} + ${soakPurgeGrace} + ${soakPurgeInterval}) rows ` +
      `for requests; par_refresh_token, par_used_jti and par_revocation get no rows from these flows ` +
      `(no offline_access, client_secret_basic, nothing revoked).`,
  );
  report.push(`| soak ${soakSeconds} s | RSS ${mib(summary.rss_bytes_start)} → ${mib(summary.rss_bytes_end)} MiB (${rssGrowth} %, ${rssGrowthAfterFirst} % after the first interval) | p99 per interval ${p99s.join(' / ')} ms (spread ${p99Spread} %) | interactions ≤ ${maxInteractions}, expired rows ${purgeableStart} → ${purgeableLeft} |`);
}

async function preload() {
  log(`preload: push / authorize / token latency on an empty database, then with ${preloadRows} expired rows (purge off), ${preloadSeconds} s each`);
  await startServer(0);
  await drive({ MODE: 'flow', ONCE: '1' });
  const template = await captureTemplate();
  // Each measurement starts from empty tables: only the rows it adds itself (and the preload).
  await truncateAll();
  const measure = async (label) => {
    const result = await drive({ MODE: 'flow', DURATION: String(preloadSeconds) });
    log(`  ${label}: ${result.rate_per_s} flows/s, push ${stepCell(result, 'push')}, authorize ${stepCell(result, 'authorize')}, token ${stepCell(result, 'token')} ms (p50 / p99)`);
    return result;
  };
  const empty = await measure('empty');
  await truncateAll();
  const startedAt = performance.now();
  const inserted = await insertExpiredRows(preloadRows, '2 days', template);
  const insertSeconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const { rows: sizes } = await db.query(`SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS size FROM pg_class c WHERE c.relname = ANY($1)`, [TABLES]);
  log(`  inserted ${JSON.stringify(inserted)} in ${insertSeconds} s (tables now ${sizes[0].size})`);
  const loaded = await measure('preloaded');
  // Empty again: the drift between the two empty runs is the noise the difference must stand out from.
  await truncateAll();
  const emptyAgain = await measure('empty again');
  await stopServer();
  const mean = (step, key) => {
    const values = [empty, emptyAgain].map((r) => (step ? r.steps?.[step]?.[key] : r[key])).filter((v) => v != null);
    return values.length ? Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)) : null;
  };

  console.log('\n## Preloaded database\n');
  console.log(`${preloadRows.toLocaleString('en')} expired rows (${JSON.stringify(inserted)}, tables ${sizes[0].size}, inserted in ${insertSeconds} s), purge off; ${preloadSeconds} s of full flows at ${concurrency} concurrent each.\n`);
  console.log('Empty before and after the preloaded run; Δ is preloaded against the mean of the two empty runs.\n');
  console.log('| step | empty p50 / p99 ms | preloaded p50 / p99 ms | empty again p50 / p99 ms | p50 Δ % | p99 Δ % |');
  console.log('|---|---|---|---|---|---|');
  for (const step of ['push', 'authorize', 'token']) {
    console.log(
      `| ${step} | ${stepCell(empty, step)} | ${stepCell(loaded, step)} | ${stepCell(emptyAgain, step)} | ${pctChange(mean(step, 'p50_ms'), loaded.steps?.[step]?.p50_ms)} | ${pctChange(mean(step, 'p99_ms'), loaded.steps?.[step]?.p99_ms)} |`,
    );
  }
  console.log(
    `| full flow | ${empty.p50_ms} / ${empty.p99_ms} | ${loaded.p50_ms} / ${loaded.p99_ms} | ${emptyAgain.p50_ms} / ${emptyAgain.p99_ms} | ${pctChange(mean(null, 'p50_ms'), loaded.p50_ms)} | ${pctChange(mean(null, 'p99_ms'), loaded.p99_ms)} |`,
  );
  console.log(
    `\nflows/s: ${empty.rate_per_s} empty, ${loaded.rate_per_s} preloaded, ${emptyAgain.rate_per_s} empty again; SQL statements per flow: ${empty.sql_per_op} / ${loaded.sql_per_op} / ${emptyAgain.sql_per_op}; errors: ${empty.errors} / ${loaded.errors} / ${emptyAgain.errors}. Goal: each step within 10 %.`,
  );
  for (const step of ['push', 'authorize', 'token']) {
    report.push(`| ${step}: ${preloadRows.toLocaleString('en')} expired rows vs empty | p50 Δ ${pctChange(mean(step, 'p50_ms'), loaded.steps?.[step]?.p50_ms)} % | p99 Δ ${pctChange(mean(step, 'p99_ms'), loaded.steps?.[step]?.p99_ms)} % | |`);
  }
}

try {
  if (phases.has('soak')) await soak();
  if (phases.has('preload')) await preload();
  console.log('\n## Summary\n');
  console.log('| run | figure | figure | figure |');
  console.log('|---|---|---|---|');
  for (const line of report) console.log(line);
} finally {
  await cleanUp();
}
process.exit(0);
