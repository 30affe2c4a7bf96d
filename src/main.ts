import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { readDemoConfig } from './demo/demo-config.js';
import { configureDemoApp } from './demo/configure-demo-app.js';
import { ParExpressAdapter, sqlStatementCount } from './par/index.js';

async function main(): Promise<void> {
  const config = readDemoConfig();
  if (config.database.dataDir) mkdirSync(config.database.dataDir, { recursive: true });
  // ParModule parses its own form bodies (512 KiB limit, exact duplicate detection).
  // JSON lines, fields at the top level (requestId, clientId, ...): ParModule logs through this logger.
  const logger = new ConsoleLogger({ json: true, flattenParams: true, logLevels: config.logLevels });
  // ParExpressAdapter: Express without its per-request prototype swap (a third of the framework's CPU per request).
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new ParExpressAdapter(), { bodyParser: false, logger });
  app.enableShutdownHooks();
  if (process.env.BENCH_AUTO_APPROVE === '1') mountBenchStats(app);
  configureDemoApp(app);
  await app.listen(config.port);
  const demoLogger = new Logger('Demo');
  if (process.env.BENCH_AUTO_APPROVE === '1') {
    demoLogger.warn('BENCH_AUTO_APPROVE=1: alice is always signed in and every authorization is approved at once, without a page. For benchmarks only, never in production.');
  }
  const issuer = config.par.issuer;
  demoLogger.log(`authorization server ${issuer} (${config.database.url ? 'PostgreSQL' : `embedded PGlite in ${config.database.dataDir}`})`);
  demoLogger.log(`discovery: ${issuer}/.well-known/oauth-authorization-server`);
  if (config.par.profile === 'fapi2') {
    demoLogger.log('profile fapi2 (FAPI 2.0 Security Profile): PAR, private_key_jwt, DPoP-bound tokens');
    if (config.fapiClientKeyFile) {
      const keyFile = resolve(config.fapiClientKeyFile);
      printHint(
        `fapi-client's private JWK (private_key_jwt): ${keyFile}\n` +
          `  the shared bench driver signs with it as KEY_FILE:\n` +
          `  ISSUER=${issuer} CLIENT_ID=fapi-client KEY_FILE=${keyFile} MODE=par node ../shared/bench/driver/flow.mjs\n` +
          `  (full flows need DPoP proofs at /token, which the driver does not send)`,
      );
    }
    return;
  }
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  printHint(
    `try a push:\n  curl -s -u bench-client:bench-secret-0123456789abcdef0123456789 ${issuer}/par \\\n` +
      `    -d response_type=code -d redirect_uri=http://127.0.0.1:4999/cb -d 'scope=openid profile' \\\n` +
      `    -d code_challenge=${challenge} -d code_challenge_method=S256 -d state=xyz\n` +
      `  (PKCE code_verifier for it: ${verifier})`,
  );
}

/**
 * A hint for the person who started the demo, printed as plain text after the JSON log lines: a command
 * inside a JSON string (escaped newlines and backslashes) could not be copied and pasted.
 */
function printHint(text: string): void {
  process.stdout.write(`\n${text}\n\n`);
}

/**
 * Benchmarks only: counts requests and exposes `GET /__bench/stats` (process CPU, requests, SQL
 * statements, resident set size), the figures the flow driver reports per flow and the soak per minute.
 * Health probes count in neither.
 */
function mountBenchStats(app: NestExpressApplication): void {
  let requests = 0;
  // Counted on the server, not as an Express middleware every request would walk through; probes are not part of a flow.
  (app.getHttpServer() as Server).on('request', (req: IncomingMessage) => {
    if (!req.url?.startsWith('/health/')) requests += 1;
  });
  app.use('/__bench/stats', (_req: unknown, res: { json(body: unknown): void }) => {
    const cpu = process.cpuUsage();
    res.json({ cpuUserUs: cpu.user, cpuSystemUs: cpu.system, requests, sqlStatements: sqlStatementCount(), rssBytes: process.memoryUsage.rss() });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
