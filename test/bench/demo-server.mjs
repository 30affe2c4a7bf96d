// The compiled demo server as the benchmarks start it: BENCH_AUTO_APPROVE=1, production mode, on the
// given PORT and DATABASE_URL (plus any extra env), ready once its discovery document answers.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `dist/src/main.js` and resolves with its child process once it serves `issuer`. */
export async function startDemoServer({ port, databaseUrl, env = {} }) {
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), ISSUER: issuer, DATABASE_URL: databaseUrl, BENCH_AUTO_APPROVE: '1', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 150; i += 1) {
    try {
      if ((await fetch(`${issuer}/.well-known/oauth-authorization-server`)).ok) return child;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error('the demo server did not start');
}
