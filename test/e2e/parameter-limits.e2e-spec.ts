import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

/**
 * Parameter limits (maxParameters, maxParameterNameLength, maxParameterLength): beyond one, 400
 * invalid_request naming the parameter, never echoing its value; the large-by-design parameters are
 * bounded by maxBodyBytes only.
 */
const AUTH = basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret);
const REDIRECT = BASIC_CLIENT.redirect_uris[0];
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function expectRefused(res: request.Response, description: string, secret?: string): void {
  expectOAuthError(res, 400, 'invalid_request');
  expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
  expect(res.headers).toMatchObject(NO_STORE);
  if (secret !== undefined) expect(res.text).not.toContain(secret);
}

/** `count` extra parameters nobody reads. */
const padding = (count: number): [string, string][] => Array.from({ length: count }, (_, i) => [`x${i}`, 'v']);

describe('parameter limits (defaults)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const push = (params: Record<string, string> | [string, string][]) =>
    request(t.server).post('/par').set('Authorization', AUTH).type('form').send(form(params));

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts a push of exactly 100 parameters and refuses one of 101', async () => {
    const base = Object.entries(authorizationParams(REDIRECT));
    const ok = await push([...base, ...padding(100 - base.length)]);
    expect(ok.status, ok.text).toBe(201);
    expectRefused(await push([...base, ...padding(101 - base.length)]), 'the request has more than 100 parameters');
  });

  it('counts each value of a repeated parameter', async () => {
    const repeated: [string, string][] = Array.from({ length: 101 }, () => ['scope', 'openid']);
    expectRefused(await push(repeated), 'the request has more than 100 parameters');
  });

  it('refuses a parameter name longer than 128 characters, naming it truncated', async () => {
    const ok = await push({ ...authorizationParams(REDIRECT), ['n'.repeat(128)]: 'v' });
    expect(ok.status, ok.text).toBe(201);
    expectRefused(await push({ ...authorizationParams(REDIRECT), ['n'.repeat(129)]: 'v' }), `parameter name ${'n'.repeat(40)}… is longer than 128 characters`);
  });

  it('refuses a redirect_uri longer than 2048 characters without echoing it', async () => {
    const long = `https://client.example.org/cb?${'q'.repeat(2049 - 'https://client.example.org/cb?'.length)}`;
    expect(long).toHaveLength(2049);
    expectRefused(await push(authorizationParams(long)), 'parameter redirect_uri is longer than 2048 characters', 'qqqqqqqqqq');
  });

  it('refuses a plain parameter of 2049 characters even when unknown, and accepts 2048', async () => {
    const ok = await push({ ...authorizationParams(REDIRECT), extension: 'e'.repeat(2048) });
    expect(ok.status, ok.text).toBe(201);
    expectRefused(await push({ ...authorizationParams(REDIRECT), extension: 'e'.repeat(2049) }), 'parameter extension is longer than 2048 characters', 'eeeeeeeeee');
  });

  it('refuses an overlong client_secret at the token endpoint, naming it only', async () => {
    const secret = 's'.repeat(2049);
    const res = await request(t.server).post('/token').type('form').send(form({ grant_type: 'authorization_code', client_id: BASIC_CLIENT.client_id, client_secret: secret, code: 'c' }));
    expectRefused(res, 'parameter client_secret is longer than 2048 characters', 'ssssssssss');
  });

  it('refuses an overlong code and code_verifier at the token endpoint', async () => {
    const token = (params: Record<string, string>) => request(t.server).post('/token').set('Authorization', AUTH).type('form').send(form({ grant_type: 'authorization_code', ...params }));
    expectRefused(await token({ code: 'c'.repeat(2049), code_verifier: 'v' }), 'parameter code is longer than 2048 characters');
    expectRefused(await token({ code: 'c', code_verifier: 'v'.repeat(2049) }), 'parameter code_verifier is longer than 2048 characters');
  });

  it('bounds claims only by maxBodyBytes (a 4 KiB claims request is accepted)', async () => {
    const claims = JSON.stringify({ id_token: { email: null } }).replace('{', `{${' '.repeat(4096)}`);
    const res = await push({ ...authorizationParams(REDIRECT), claims });
    expect(res.status, res.text).toBe(201);
  });

  it('checks the /authorize query the same way, before anything else', async () => {
    const query = new URLSearchParams({ client_id: BASIC_CLIENT.client_id, response_type: 'code', redirect_uri: REDIRECT, scope: 'x'.repeat(2049) });
    const res = await request(t.server).get(`/authorize?${query.toString()}`).set('Accept', 'application/json');
    expectRefused(res, 'parameter scope is longer than 2048 characters', 'xxxxxxxxxx');
    const many = new URLSearchParams([['client_id', BASIC_CLIENT.client_id], ...padding(100)]);
    expectRefused(await request(t.server).get(`/authorize?${many.toString()}`).set('Accept', 'application/json'), 'the request has more than 100 parameters');
  });
});

describe('parameter limits (configured, host body parser)', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      hostBodyParser: true,
      par: { clients: [BASIC_CLIENT], maxParameters: 20, maxParameterNameLength: 32, maxParameterLength: 300 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const push = (params: Record<string, string> | [string, string][]) =>
    request(t.server).post('/par').set('Authorization', AUTH).type('form').send(form(params));

  it('applies the configured limits to bodies the host parsed', async () => {
    const base = Object.entries(authorizationParams(REDIRECT));
    expect((await push([...base, ...padding(20 - base.length)])).status).toBe(201);
    expectRefused(await push([...base, ...padding(21 - base.length)]), 'the request has more than 20 parameters');
    expectRefused(await push({ ...authorizationParams(REDIRECT), ['n'.repeat(33)]: 'v' }), `parameter name ${'n'.repeat(33)} is longer than 32 characters`);
    expectRefused(await push({ ...authorizationParams(REDIRECT), login_hint: 'h'.repeat(301) }), 'parameter login_hint is longer than 300 characters');
  });
});
