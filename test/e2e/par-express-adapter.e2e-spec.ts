import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IncomingMessage as NodeIncomingMessage, type Server, ServerResponse as NodeServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMessageClasses, ParExpressAdapter } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp, type TestAppSettings } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

/**
 * ParExpressAdapter: the HTTP server creates requests and responses with the Express app's own
 * prototypes, so that Express's per-request prototype swap changes nothing (and V8 keeps its fast
 * property access). Observed from the server's first 'request' listener, before Express runs.
 */
describe('ParExpressAdapter', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await db?.drop();
  });

  /** An app, and for each request the server receives: whether it arrives with Express's prototypes already. */
  async function boot(settings: Partial<TestAppSettings>): Promise<{ t: TestApp; arrivals: boolean[] }> {
    const t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT] }, ...settings });
    apps.push(t);
    const arrivals: boolean[] = [];
    const app = t.app.getHttpAdapter().getInstance() as Express;
    (t.server as Server).prependListener('request', (req: NodeIncomingMessage, res) => {
      arrivals.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
    });
    return { t, arrivals };
  }

  function push(t: TestApp): request.Test {
    return request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret))
      .type('form')
      .send(form(authorizationParams(BASIC_CLIENT.redirect_uris[0])));
  }

  it('creates requests and responses with the Express app prototypes, and ParModule answers as usual', async () => {
    const { t, arrivals } = await boot({ adapter: new ParExpressAdapter() });
    const res = await push(t);
    expect(res.status).toBe(201);
    expect(res.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(res.headers['cache-control']).toBe('no-store');
    const discovery = await request(t.server).get('/.well-known/oauth-authorization-server');
    expect(discovery.status).toBe(200);
    expect(arrivals).toEqual([true, true]);
  });

  it('is what Nest’s own adapter does not do (the swap happens inside Express, per request)', async () => {
    const { t, arrivals } = await boot({});
    expect((await push(t)).status).toBe(201);
    expect(arrivals).toEqual([false]);
  });

  it('serves HTTPS with httpsOptions, with the same prototypes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'par-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const { t, arrivals } = await boot({ adapter: new ParExpressAdapter(), appOptions: { httpsOptions: { key: readFileSync(join(dir, 'key.pem')), cert } } });
      const res = await push(t).ca(cert);
      expect(res.status).toBe(201);
      expect(arrivals).toEqual([true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the server to Nest with forceCloseConnections (whose connection tracking it keeps)', async () => {
    const { t, arrivals } = await boot({ adapter: new ParExpressAdapter(), appOptions: { forceCloseConnections: true } });
    expect((await push(t)).status).toBe(201);
    expect(arrivals).toEqual([false]);
  });
});

describe('expressMessageClasses', () => {
  it('builds constructors whose instances are Node’s requests and responses with the app’s prototypes', () => {
    const app = express();
    const classes = expressMessageClasses(app);
    expect(classes.IncomingMessage.prototype).toBe(app.request);
    expect(classes.ServerResponse.prototype).toBe(app.response);
    const req = new classes.IncomingMessage(new Socket());
    expect(Object.getPrototypeOf(req)).toBe(app.request);
    expect(req).toBeInstanceOf(NodeIncomingMessage);
    expect(req.headers).toEqual({});
    const res = new classes.ServerResponse(req);
    expect(Object.getPrototypeOf(res)).toBe(app.response);
    expect(res).toBeInstanceOf(NodeServerResponse);
    expect(res.statusCode).toBe(200);
  });

  it('keeps constructors that are classes as they are (they cannot be called as functions)', () => {
    class Incoming extends NodeIncomingMessage {}
    const classes = expressMessageClasses(express(), { IncomingMessage: Incoming, ServerResponse: NodeServerResponse });
    expect(classes).toEqual({ IncomingMessage: Incoming, ServerResponse: NodeServerResponse });
  });
});
