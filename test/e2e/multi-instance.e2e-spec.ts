import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionService } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, freePort, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, pushRequest, queryOf, startInteraction } from '../support/flow.js';
import { pkcePair } from '../support/oauth.js';
import { introspect, manualClock, type IssuedCode, redeem, refresh, type TokenBody } from '../support/tokens.js';

/**
 * All state lives in the database: several app instances on one database serve one flow whichever
 * instance each request reaches, and a restarted instance carries on where the old one stopped.
 */
const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'refresh_token'] };
const SCOPE = 'openid offline_access';

/** Pushes at `push`, starts the login at `browser`, finishes it through `browser`'s InteractionService: the code. */
async function frontChannel(push: TestApp, browser: TestApp, subject: string): Promise<IssuedCode> {
  const { verifier, challenge } = pkcePair();
  const requestUri = await pushRequest(push, CLIENT, { scope: SCOPE, code_challenge: challenge, state: `state-${subject}` });
  const { uid, cookie } = await startInteraction(browser, CLIENT.client_id, requestUri);
  const location = await browser.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject });
  const query = queryOf(location);
  expect(query).toMatchObject({ state: `state-${subject}`, iss: push.issuer });
  return { code: query.code as string, verifier, redirectUri: CLIENT.redirect_uris[0], state: `state-${subject}`, nonce: 'nonce-456' };
}

describe('two app instances on one database', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const issuer = `http://127.0.0.1:${await freePort()}`;
    a = await createTestApp({ database: db, par: { clients: [CLIENT], issuer } });
    b = await createTestApp({ database: db, par: { clients: [CLIENT], issuer } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('completes 200 flows whose requests alternate between the instances', async () => {
    const FLOWS = 200;
    const CONCURRENCY = 8;
    let next = 0;
    let completed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < FLOWS; i = next++) {
          // Even flows: push at A, browser at B, token at A, refresh at B, introspect at A; odd ones the other way.
          const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
          const issued = await frontChannel(first, second, `user-${i}`);
          const res = await redeem(first, CLIENT, issued);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          const tokens = res.body as TokenBody;
          const refreshed = await refresh(second, CLIENT, tokens.refresh_token);
          expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
          expect((await introspect(first, CLIENT, (refreshed.body as TokenBody).access_token)).body).toMatchObject({ active: true, sub: `user-${i}` });
          completed += 1;
        }
      }),
    );
    expect(completed).toBe(FLOWS);
    const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM par_refresh_token');
    expect(Number(row?.n)).toBe(FLOWS);
  });

  it('redeems a code exactly once when 20 redemptions race across both instances, and the replays end the grant', async () => {
    const issued = await frontChannel(a, b, 'racer');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => redeem(i % 2 === 0 ? a : b, CLIENT, issued)));
    const winners = answers.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    const refused = answers.filter((res) => res.status !== 200);
    expect(refused).toHaveLength(19);
    for (const res of refused) expectOAuthError(res, 400, 'invalid_grant', 'the authorization code is invalid, expired or already used');
    // RFC 6749 §4.1.2: the replays revoke what the winner got, on both instances.
    const tokens = winners[0]?.body as TokenBody;
    for (const t of [a, b]) {
      expect((await introspect(t, CLIENT, tokens.access_token)).body).toEqual({ active: false });
      expectOAuthError(await refresh(t, CLIENT, tokens.refresh_token), 400, 'invalid_grant');
    }
  });

  it('lets the instance that did not start an interaction deny it, and the request_uri is dead for both', async () => {
    const requestUri = await pushRequest(a, CLIENT, { scope: SCOPE });
    const { uid, cookie } = await startInteraction(a, CLIENT.client_id, requestUri);
    const location = await b.app.get(InteractionService).deny(uid, browserRequest(cookie));
    expect(queryOf(location)).toMatchObject({ error: 'access_denied', iss: a.issuer });
    for (const t of [a, b]) {
      const res = await request(t.server).get('/authorize').query({ client_id: CLIENT.client_id, request_uri: requestUri });
      expectOAuthError(res, 400, 'invalid_request_uri');
    }
  });
});

describe('restarting the app (a new instance on the same database)', () => {
  let db: TestDatabase;
  let issuer: string;
  const clock = manualClock();
  let app: TestApp | undefined;

  const start = async (): Promise<TestApp> => createTestApp({ database: db, par: { clients: [CLIENT], issuer, clock } });

  beforeAll(async () => {
    db = await createTestDatabase();
    issuer = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('serves request_uris, interactions and tokens from before the restart, within their windows only', async () => {
    const before = await start();
    app = before;
    // A finished flow, a pushed request not used yet, a login in progress, and a request that will expire.
    const done = await frontChannel(before, before, 'alice');
    const tokens = (await redeem(before, CLIENT, done)).body as TokenBody;
    const { verifier, challenge } = pkcePair();
    const pushed = await pushRequest(before, CLIENT, { scope: SCOPE, code_challenge: challenge });
    const inProgress = await startInteraction(before, CLIENT.client_id, await pushRequest(before, CLIENT, { scope: SCOPE }));
    await before.close();
    app = undefined;

    clock.advance(30);
    const after = await start();
    app = after;
    // The request_uri pushed before the restart, 30 s into its 60 s window.
    const { uid, cookie } = await startInteraction(after, CLIENT.client_id, pushed);
    const code = queryOf(await after.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'bob' })).code as string;
    const res = await redeem(after, CLIENT, { code, verifier, redirectUri: CLIENT.redirect_uris[0], state: 'state-123', nonce: 'nonce-456' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The login started before the restart finishes after it.
    const resumed = await after.app.get(InteractionService).finish(inProgress.uid, browserRequest(inProgress.cookie), { subject: 'carol' });
    expect(queryOf(resumed).code).toEqual(expect.any(String));
    // Tokens issued before the restart: same signing key (kept in the database), same grant.
    expect((await introspect(after, CLIENT, tokens.access_token)).body).toMatchObject({ active: true, sub: 'alice' });
    expect((await refresh(after, CLIENT, tokens.refresh_token)).status).toBe(200);

    // A request_uri outlives no restart past its window.
    const late = await pushRequest(after, CLIENT, { scope: SCOPE });
    await after.close();
    app = undefined;
    clock.advance(61);
    const later = await start();
    app = later;
    expectOAuthError(await request(later.server).get('/authorize').query({ client_id: CLIENT.client_id, request_uri: late }), 400, 'invalid_request_uri', 'request_uri is unknown, expired or already used');
  });
});
