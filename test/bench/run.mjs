// `npm run bench`: starts the compiled demo server on PostgreSQL with BENCH_AUTO_APPROVE=1, checks one
// flow end to end, then measures pushes alone and full flows at CONCURRENCY (16) for DURATION (15 s)
// after WARMUP (3 s). A benchmark, not a test: it prints figures and asserts nothing about speed.
// env: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), PORT (3100), CONCURRENCY, DURATION, WARMUP.
// The rate limiter stays on (its cost is part of the figures) with a limit no run can reach.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.mjs';

const port = process.env.PORT ?? '3100';
const issuer = `http://127.0.0.1:${port}`;
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const server = await startDemoServer({
  port,
  databaseUrl,
  env: { RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? '100000000' },
});
const stopServer = () => server.kill('SIGTERM');
process.on('exit', stopServer);

function drive(extraEnv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('driver.mjs', import.meta.url))], {
      env: { ...process.env, ISSUER: issuer, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`driver exited with ${code}`))));
  });
}

await drive({ MODE: 'flow', ONCE: '1' });
const results = [];
for (const mode of ['par', 'flow']) {
  const result = await drive({ MODE: mode });
  results.push(result);
  console.log(JSON.stringify(result));
}
console.log(`\n| mode | ops/s | p50 ms | p95 ms | p99 ms | server CPU ms/op | SQL/op | HTTP req/op | errors |`);
console.log(`|---|---|---|---|---|---|---|---|---|`);
for (const r of results) {
  console.log(`| ${r.mode} | ${r.rate_per_s} | ${r.p50_ms} | ${r.p95_ms} | ${r.p99_ms} | ${r.server_cpu_ms_per_op} | ${r.sql_per_op} | ${r.http_requests_per_op} | ${r.errors} |`);
}
stopServer();
process.exit(0);
