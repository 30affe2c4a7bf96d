import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyHttpServerLimits, ParConfigurationError } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * applyHttpServerLimits: Node's own bounds against slow clients and oversized headers, which act
 * before the app (and ParModule) sees a request.
 */
interface Outcome {
  /** Everything the server sent before closing. */
  received: string;
  /** Bytes the client had managed to send when the server closed the socket. */
  sent: number;
}

/** Opens a socket, sends `head` at once, then `drip` one byte every 20 ms; resolves when the server closes it. */
function slowClient(port: number, head: string, drip: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = head.length;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (socket.destroyed || drip === '') return;
        if (i >= drip.length) {
          clearInterval(timer);
          reject(new Error('the client sent everything: it was never cut off'));
          return;
        }
        socket.write(drip[i++] ?? '');
        sent += 1;
      }, 20);
    });
  });
}

describe('applyHttpServerLimits', () => {
  let db: TestDatabase;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { clients: [BASIC_CLIENT] },
      configure: (app) =>
        void applyHttpServerLimits(app.getHttpServer() as Server, {
          headersTimeout: 300,
          requestTimeout: 600,
          keepAliveTimeout: 1000,
          connectionsCheckingInterval: 50,
          maxHeaderSize: 2048,
        }),
    });
    port = Number(new URL(t.issuer).port);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('disconnects a slowloris client that sends its headers byte by byte and never finishes, with 408', async () => {
    const outcome = await slowClient(port, 'POST /par HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'a'.repeat(5000)}`);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(outcome.sent).toBeLessThan(5000);
  });

  it('cuts off a body trickled in slower than requestTimeout allows, with 408', async () => {
    const body = 'response_type=code&'.repeat(100);
    const head = `POST /par HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
    const outcome = await slowClient(port, head, body);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(outcome.sent).toBeLessThan(head.length + body.length);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const outcome = await slowClient(port, 'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '');
    expect(outcome.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // Node announces the timeout in whole seconds (its default would say 5).
    expect(outcome.received).toMatch(/\r\nKeep-Alive: timeout=1\r\n/);
  });

  it('has Node answer 431 to a header section larger than maxHeaderSize, before the app', async () => {
    const res = await request(t.server).post('/par').set('X-Large', 'a'.repeat(3000)).type('form').send('response_type=code');
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBeUndefined();
    const fits = await request(t.server).post('/par').set('X-Large', 'a'.repeat(1000)).type('form').send('response_type=code');
    expect(fits.status).toBe(401);
  });
});

describe('applyHttpServerLimits options', () => {
  it('sets documented defaults', () => {
    const server = createServer();
    expect(applyHttpServerLimits(server)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: 1000,
      maxHeadersCount: 100,
      maxHeaderSize: 16_384,
    });
    expect(server).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5000, connectionsCheckingInterval: 1000, maxHeadersCount: 100, maxHeaderSize: 16_384 });
  });

  it('refuses bad values, naming the option', () => {
    const server = createServer();
    expect(() => applyHttpServerLimits(server, { headersTimeout: 0 })).toThrow(
      new ParConfigurationError('httpServerLimits.headersTimeout', 'must be an integer from 100 to 600000 (got 0)'),
    );
    expect(() => applyHttpServerLimits(server, { headersTimeout: 20_000, requestTimeout: 10_000 })).toThrow(
      'ParModule option "httpServerLimits.headersTimeout" must not exceed requestTimeout (10000)',
    );
    expect(server.headersTimeout).toBe(60_000);
  });
});
