import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InteractionDetails, InteractionService, type ParEvent, type SilentInteractionAnswer } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, interactionFrom, pushRequest, queryOf } from '../support/flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from '../support/oauth.js';

const REDIRECT = BASIC_CLIENT.redirect_uris[0];
const CLIENT = { ...BASIC_CLIENT, client_name: 'Silent App' } as const;

/**
 * The `silentInteraction` option: /authorize asks the host whether the interaction can end without its
 * page (an existing session and grant, or prompt=none), and ends it itself when the host knows.
 */
describe('silentInteraction at /authorize', () => {
  let db: TestDatabase;
  let t: TestApp;
  /** What the host answers, per test. */
  let answer: (details: InteractionDetails) => SilentInteractionAnswer;
  /** What the host was asked: the details, and the Cookie header of the request to /authorize. */
  let asked: { details: InteractionDetails; cookie: string | undefined }[];
  const events: ParEvent[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: {
        clients: [CLIENT],
        requirePushedAuthorizationRequests: false,
        onEvent: (event) => {
          events.push(event);
        },
        silentInteraction: async (req, details) => {
          asked.push({ details, cookie: req.headers.cookie });
          return answer(details);
        },
      },
    });
  });
  beforeEach(() => {
    asked = [];
    events.length = 0;
    answer = () => undefined;
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  async function authorize(requestUri: string, headers: Record<string, string> = {}): Promise<request.Response> {
    return request(t.server).get('/authorize').set(headers).query({ client_id: CLIENT.client_id, request_uri: requestUri });
  }

  async function redeem(code: string, verifier: string): Promise<request.Response> {
    return request(t.server)
      .post('/token')
      .set('Authorization', basicAuth(CLIENT.client_id, CLIENT.client_secret))
      .type('form')
      .send(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }));
  }

  it('issues the code at /authorize when the host answers a result: 303 to the redirect_uri, no interaction cookie, redeemable once', async () => {
    answer = () => ({ subject: 'user-silent', amr: ['pwd'], grantedScopes: ['openid'] });
    const pkce = pkcePair();
    const requestUri = await pushRequest(t, CLIENT, { scope: 'openid profile', state: 'silent-1', code_challenge: pkce.challenge });
    const res = await authorize(requestUri, { Cookie: 'host_session=abc' });
    expect(res.status).toBe(303);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
    const query = queryOf(res.headers.location as string);
    expect((res.headers.location as string).startsWith(`${REDIRECT}?`)).toBe(true);
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query).toMatchObject({ state: 'silent-1', iss: t.issuer });
    // The host saw the browser's cookies and what is asked.
    expect(asked).toHaveLength(1);
    expect(asked[0]?.cookie).toBe('host_session=abc');
    expect(asked[0]?.details).toMatchObject({ client: { clientId: CLIENT.client_id, clientName: 'Silent App' }, scopes: ['openid', 'profile'], redirectUri: REDIRECT, prompt: [] });
    expect(events.map((e) => e.type)).toEqual(['request.pushed', 'interaction.started', 'code.issued']);
    const token = await redeem(query.code as string, pkce.verifier);
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(token.body.scope).toBe('openid');
    expect((await redeem(query.code as string, pkce.verifier)).body.error).toBe('invalid_grant');
    // The request_uri is used up.
    const again = await authorize(requestUri);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_request_uri');
  });

  it('works for a request made directly at /authorize (without PAR) too', async () => {
    answer = () => ({ subject: 'user-silent' });
    const res = await request(t.server)
      .get('/authorize')
      .query({ client_id: CLIENT.client_id, ...authorizationParams(REDIRECT, { state: 'plain' }) });
    expect(res.status).toBe(303);
    expect(queryOf(res.headers.location as string)).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'plain', iss: t.issuer });
  });

  it('sends the browser to the page, with its cookie, when the host answers nothing; the page then finishes it', async () => {
    const res = await authorize(await pushRequest(t, CLIENT, { state: 'paged' }));
    expect(res.status).toBe(303);
    const started = interactionFrom(res);
    expect(started.location).toBe(`${t.issuer}/interaction/${started.uid}`);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.details.uid).toBe(started.uid);
    const interactions = t.app.get(InteractionService);
    expect((await interactions.details(started.uid, browserRequest(started.cookie))).scopes).toEqual(['openid', 'profile']);
    const location = await interactions.finish(started.uid, browserRequest(started.cookie), { subject: 'user-paged' });
    expect(queryOf(location)).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'paged' });
  });

  it('issues exactly one code when one request_uri is opened 20 times at once and the host approves each', async () => {
    answer = () => ({ subject: 'user-race' });
    const requestUri = await pushRequest(t, CLIENT);
    const results = await Promise.all(Array.from({ length: 20 }, () => authorize(requestUri, { Accept: 'application/json' })));
    const codes = results.filter((r) => r.status === 303 && queryOf(r.headers.location as string).code !== undefined);
    expect(codes).toHaveLength(1);
    for (const r of results.filter((x) => !codes.includes(x))) {
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_request_uri');
    }
  });

  it('ends with the error the host answers (consent_required), with state and iss, and the request_uri is dead', async () => {
    answer = () => 'consent_required';
    const requestUri = await pushRequest(t, CLIENT, { prompt: 'none', state: 'silent-2' });
    const res = await authorize(requestUri);
    expect(res.status).toBe(303);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(queryOf(res.headers.location as string)).toEqual({ error: 'consent_required', error_description: 'the end-user has not consented', state: 'silent-2', iss: t.issuer });
    expect(events.map((e) => e.type)).toEqual(['request.pushed', 'interaction.started', 'interaction.denied']);
    expect((await authorize(requestUri)).body.error).toBe('invalid_request_uri');
  });

  it('ends prompt=none with login_required when the host answers nothing (OIDC Core §3.1.2.1: no page may be shown)', async () => {
    const res = await authorize(await pushRequest(t, CLIENT, { prompt: 'none', state: 'silent-3' }));
    expect(res.status).toBe(303);
    expect(queryOf(res.headers.location as string)).toEqual({ error: 'login_required', error_description: 'the end-user is not signed in', state: 'silent-3', iss: t.issuer });
  });

  it('does not ask the host with prompt=login, consent or select_account: those want the page', async () => {
    answer = () => ({ subject: 'user-silent' });
    for (const prompt of ['login', 'consent', 'select_account', 'login consent']) {
      const res = await authorize(await pushRequest(t, CLIENT, { prompt }));
      expect(res.status, prompt).toBe(303);
      interactionFrom(res);
    }
    expect(asked).toEqual([]);
  });

  it('takes a login older than max_age as no answer: the page, or login_required with prompt=none', async () => {
    const old = Math.floor(Date.now() / 1000) - 600;
    answer = () => ({ subject: 'user-silent', authTime: old });
    interactionFrom(await authorize(await pushRequest(t, CLIENT, { max_age: '60' })));
    const none = await authorize(await pushRequest(t, CLIENT, { max_age: '60', prompt: 'none', state: 'silent-4' }));
    expect(queryOf(none.headers.location as string)).toMatchObject({ error: 'login_required', state: 'silent-4' });
    // Recent enough: a code.
    answer = () => ({ subject: 'user-silent', authTime: Math.floor(Date.now() / 1000) - 5 });
    const fresh = await authorize(await pushRequest(t, CLIENT, { max_age: '60', prompt: 'none' }));
    expect(queryOf(fresh.headers.location as string)).toHaveProperty('code');
  });

  it('checks the answer before max_age: an authTime that is not whole seconds is the host\'s bug (500), not an old login (page)', async () => {
    answer = () => ({ subject: 'user-broken', authTime: 1.5 });
    const res = await authorize(await pushRequest(t, CLIENT, { max_age: '60' }), { Accept: 'application/json' });
    expect(res.status).toBe(500);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'server_error', error_description: 'the server could not complete the request' });
  });

  it('answers 500 server_error, without details, for a host answer that breaks the contract, and issues no code', async () => {
    const cases: [string, () => SilentInteractionAnswer][] = [
      ['unknown error', () => 'server_error' as unknown as SilentInteractionAnswer],
      ['not a result', () => 42 as unknown as SilentInteractionAnswer],
      ['scope not requested', () => ({ subject: 'user-broken', grantedScopes: ['email'] })],
      ['empty subject', () => ({ subject: '' })],
    ];
    for (const [name, bad] of cases) {
      answer = bad;
      const res = await authorize(await pushRequest(t, CLIENT), { Accept: 'application/json' });
      expect(res.status, name).toBe(500);
      expect(res.body, name).toEqual({ error: 'server_error', error_description: 'the server could not complete the request' });
    }
    expect(events.filter((e) => e.type === 'code.issued')).toEqual([]);
    const codes = await db.query<{ n: string }>("SELECT count(*) AS n FROM par_authorization_code WHERE grant_data->>'sub' = $1", ['user-broken']);
    expect(Number(codes[0]?.n)).toBe(0);
  });
});
