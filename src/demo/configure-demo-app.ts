import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyHttpServerLimits } from '../par/index.js';

/** What the demo sets on its app before it listens (src/main.ts, and the tests that boot the demo). */
export function configureDemoApp(app: NestExpressApplication): void {
  // No framework banner in every answer (it tells an attacker what to look up, and costs bytes).
  app.disable('x-powered-by');
  // Slow clients (slowloris) and oversized headers are cut off by Node before they reach the app.
  applyHttpServerLimits(app.getHttpServer() as Server);
}
