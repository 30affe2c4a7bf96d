import {
  type ArgumentsHost,
  BadRequestException,
  Body,
  Catch,
  type CallHandler,
  Controller,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  Injectable,
  type NestInterceptor,
  Module,
  type PipeTransform,
  type ArgumentMetadata,
  Post,
} from '@nestjs/common';
import type { Response as ExpressResponse } from 'express';
import { catchError, map, type Observable, throwError } from 'rxjs';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { observable } from '../support/http.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

/** A stand-in for `ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })`: refuses every body. */
@Injectable()
class RejectEveryBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body') throw new BadRequestException('property should not exist');
    return value;
  }
}

/** A catch-all filter that renders every error its own way. */
@Catch()
class WrapEverythingFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<ExpressResponse>().status(418).json({ wrapped: true });
  }
}

/** An interceptor that wraps every response in `{ data }`. */
@Injectable()
class WrapInDataInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((data: unknown) => ({ data })));
  }
}

/** An interceptor that maps every error to the host's own exception (a common "error mapping" interceptor). */
@Injectable()
class MapErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError(() => throwError(() => new BadRequestException({ hostError: true }))));
  }
}

@Controller('host')
class HostController {
  @Get('hello')
  hello(): { hello: string } {
    return { hello: 'world' };
  }

  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [HostController] })
class HostModule {}

const ISSUER = 'https://as.example.com';
const AUTH = basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret);
const REDIRECT = BASIC_CLIENT.redirect_uris[0];
const REQUEST_URI_BODY = /^\{"request_uri":"urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}","expires_in":60\}$/;

type Send = (server: TestApp['server']) => Promise<Response>;

describe('ParModule in a host app with global pipes, filters, interceptors and body parser', () => {
  let baselineDb: TestDatabase;
  let hostDb: TestDatabase;
  /** ParModule alone, with its own body parser. */
  let baseline: TestApp;
  /** The same ParModule in a host that customises everything it can. */
  let host: TestApp;

  beforeAll(async () => {
    [baselineDb, hostDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const par = { issuer: ISSUER, clients: [BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT], maxBodyBytes: 64 * 1024 };
    baseline = await createTestApp({ database: baselineDb, par });
    host = await createTestApp({
      database: hostDb,
      par,
      hostBodyParser: true,
      host: { imports: [HostModule] },
      configure: (app) => {
        app.useGlobalPipes(new RejectEveryBodyPipe());
        app.useGlobalFilters(new WrapEverythingFilter());
        app.useGlobalInterceptors(new WrapInDataInterceptor());
      },
    });
  });
  afterAll(async () => {
    await baseline?.close();
    await host?.close();
    await baselineDb?.drop();
    await hostDb?.drop();
  });

  /** Sends the same request to both apps; returns both answers. */
  async function both(send: Send): Promise<[Response, Response]> {
    return [await send(baseline.server), await send(host.server)];
  }

  describe('the host customisations are active', () => {
    it('the interceptor wraps a host route', async () => {
      const res = await request(host.server).get('/host/hello');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { hello: 'world' } });
    });

    it('the pipe refuses a host body, and the filter renders the error', async () => {
      const res = await request(host.server).post('/host/echo').send({ a: 1 });
      expect(res.status).toBe(418);
      expect(res.body).toEqual({ wrapped: true });
    });

    it('the filter renders the host 404', async () => {
      const res = await request(host.server).get('/nowhere');
      expect(res.status).toBe(418);
      expect(res.body).toEqual({ wrapped: true });
    });
  });

  describe('ParModule answers are byte-for-byte unaffected', () => {
    it('201 push success: exactly request_uri and expires_in', async () => {
      const send: Send = (server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT)));
      const [a, b] = await both(send);
      expect(b.status).toBe(201);
      expect(b.text).toMatch(REQUEST_URI_BODY);
      expect(b.headers['cache-control']).toBe('no-store');
      expect(b.headers['content-type']).toBe('application/json; charset=utf-8');
      // The request_uri is random: compare everything else.
      expect(observable(b, ['etag'])).toEqual({ ...observable(a, ['etag']), text: b.text });
    });

    it('201 push success with client_secret_post (credentials in the host-parsed body)', async () => {
      const send: Send = (server) =>
        request(server)
          .post('/par')
          .type('form')
          .send(form({ ...authorizationParams(POST_CLIENT.redirect_uris[0]), client_id: POST_CLIENT.client_id, client_secret: POST_CLIENT.client_secret }));
      const [a, b] = await both(send);
      expect(b.status).toBe(201);
      expect(b.text).toMatch(REQUEST_URI_BODY);
      expect(observable(b, ['etag'])).toEqual({ ...observable(a, ['etag']), text: b.text });
    });

    const errors: [string, Send, number, string][] = [
      [
        '401 invalid_client, wrong Basic secret (with WWW-Authenticate)',
        (server) => request(server).post('/par').set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong')).type('form').send(form(authorizationParams(REDIRECT))),
        401,
        'invalid_client',
      ],
      ['401 invalid_client, no client authentication', (server) => request(server).post('/par').type('form').send(form(authorizationParams(REDIRECT))), 401, 'invalid_client'],
      [
        '400 invalid_request, missing redirect_uri',
        (server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT, { redirect_uri: undefined }))),
        400,
        'invalid_request',
      ],
      [
        '400 invalid_request, duplicated parameter',
        (server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form([...Object.entries(authorizationParams(REDIRECT)), ['state', 'again']])),
        400,
        'invalid_request',
      ],
      [
        '400 invalid_request, a JSON body (which the host parses)',
        (server) => request(server).post('/par').set('Authorization', AUTH).set('Content-Type', 'application/json').send(JSON.stringify(authorizationParams(REDIRECT))),
        400,
        'invalid_request',
      ],
      [
        '400 invalid_scope',
        (server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT, { scope: 'openid admin' }))),
        400,
        'invalid_scope',
      ],
      [
        '400 GET /authorize with an unknown client_id, answered in JSON',
        (server) => request(server).get('/authorize').set('Accept', 'application/json').query({ client_id: 'nobody', request_uri: 'urn:x' }),
        400,
        'invalid_request',
      ],
      [
        '400 form POST /authorize (host-parsed body) with an unknown client_id',
        (server) => request(server).post('/authorize').set('Accept', 'application/json').type('form').send(form({ client_id: 'nobody', request_uri: 'urn:x' })),
        400,
        'invalid_request',
      ],
      [
        '401 invalid_client at /token, wrong Basic secret',
        (server) => request(server).post('/token').set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong')).type('form').send(form({ grant_type: 'client_credentials' })),
        401,
        'invalid_client',
      ],
      [
        '400 unsupported_grant_type at /token',
        (server) => request(server).post('/token').set('Authorization', AUTH).type('form').send(form({ grant_type: 'password', username: 'u', password: 'p' })),
        400,
        'unsupported_grant_type',
      ],
      [
        '401 invalid_client at /introspect',
        (server) => request(server).post('/introspect').set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong')).type('form').send(form({ token: 'x' })),
        401,
        'invalid_client',
      ],
      [
        '401 invalid_client at /revoke',
        (server) => request(server).post('/revoke').set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong')).type('form').send(form({ token: 'x' })),
        401,
        'invalid_client',
      ],
      ['405 GET /token', (server) => request(server).get('/token'), 405, 'invalid_request'],
      ['405 GET /introspect', (server) => request(server).get('/introspect'), 405, 'invalid_request'],
      ['405 GET', (server) => request(server).get('/par'), 405, 'invalid_request'],
      ['405 PUT with a form body', (server) => request(server).put('/par').type('form').send(form(authorizationParams(REDIRECT))), 405, 'invalid_request'],
      ['405 DELETE', (server) => request(server).delete('/par'), 405, 'invalid_request'],
      ['405 OPTIONS', (server) => request(server).options('/par'), 405, 'invalid_request'],
    ];

    it.each(errors)('%s', async (_name, send, status, error) => {
      const [a, b] = await both(send);
      expectOAuthError(b, status, error);
      expect(observable(b)).toEqual(observable(a));
    });

    it('the /authorize error page for browsers', async () => {
      const [a, b] = await both((server) => request(server).get('/authorize').set('Accept', 'text/html').query({ client_id: 'nobody', request_uri: 'urn:x' }));
      expect(b.status).toBe(400);
      expect(b.headers['content-type']).toMatch(/^text\/html/);
      expect(observable(b)).toEqual(observable(a));
    });

    it('the /authorize 303 to the interaction, with its cookie', async () => {
      const send: Send = async (server) => {
        const pushed = await request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT)));
        return request(server).get('/authorize').query({ client_id: BASIC_CLIENT.client_id, request_uri: (pushed.body as { request_uri: string }).request_uri });
      };
      const [a, b] = await both(send);
      expect(b.status).toBe(303);
      expect(b.headers.location).toMatch(/^https:\/\/as\.example\.com\/interaction\/[A-Za-z0-9_-]{43}$/);
      // uid and cookie are random: compare the rest, and the cookie's attributes.
      const attributes = (res: Response) => String(res.headers['set-cookie']).replace(/^par_interaction_[\w-]+=[^;]*/, 'par_interaction_…=…');
      expect(attributes(b)).toBe(attributes(a));
      const varying = ['location', 'set-cookie', 'etag', 'content-length'];
      expect({ ...observable(b, varying), text: '' }).toEqual({ ...observable(a, varying), text: '' });
    });

    it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])('discovery at %s', async (path) => {
      const [a, b] = await both((server) => request(server).get(path));
      expect(b.status).toBe(200);
      expect(JSON.parse(b.text)).toMatchObject({ issuer: ISSUER });
      expect(b.text).not.toContain('"data"');
      expect(observable(b)).toEqual(observable(a));
    });
  });

  it('an unknown bracketed parameter is ignored whatever parsed the body', async () => {
    const [a, b] = await both((server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT, { 'x[y]': 'z' }))));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
  });

  it('maxBodyBytes is enforced whatever parsed the body', async () => {
    const send: Send = (server) => request(server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT, { padding: 'x'.repeat(70 * 1024) })));
    const [a, b] = await both(send);
    expectOAuthError(a, 413, 'invalid_request');
    expectOAuthError(b, 413, 'invalid_request');
  });

  it('limitation: errors of the host body parser itself are the host’s to render', async () => {
    // The host's parsers run before any module middleware and their errors go to the global filters
    // only; ParModule cannot answer them. Documented here so that a change is noticed.
    const malformed: Send = (server) => request(server).post('/par').set('Authorization', AUTH).set('Content-Type', 'application/json').send('{"response_type":');
    const [a, b] = await both(malformed);
    expectOAuthError(a, 400, 'invalid_request', 'application/x-www-form-urlencoded');
    expect({ status: b.status, body: b.body as unknown }).toEqual({ status: 418, body: { wrapped: true } });
  });
});

describe('ParModule in a host app with an error-mapping global interceptor', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { issuer: ISSUER, clients: [BASIC_CLIENT] },
      host: { imports: [HostModule] },
      configure: (app) => app.useGlobalInterceptors(new MapErrorsInterceptor()),
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('the interceptor is active on host routes', async () => {
    const res = await request(t.server).post('/host/echo').send({ a: 1 });
    expect(res.status).toBe(201);
  });

  it('push success is unaffected', async () => {
    const res = await request(t.server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT)));
    expect(res.status).toBe(201);
    expect(res.text).toMatch(REQUEST_URI_BODY);
  });

  it.each(['/par', '/token', '/introspect', '/revoke'])('errors of %s are unaffected', async (path) => {
    const params = path === '/par' ? authorizationParams(REDIRECT) : path === '/token' ? { grant_type: 'client_credentials' } : { token: 'x' };
    const res = await request(t.server).post(path).set('Authorization', basicAuth(BASIC_CLIENT.client_id, 'wrong')).type('form').send(form(params));
    expectOAuthError(res, 401, 'invalid_client', 'client authentication failed');
  });

  it('405 of /par is unaffected', async () => {
    expectOAuthError(await request(t.server).get('/par'), 405, 'invalid_request');
  });
});
