import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/par/common/secrets.js';
import { PurgeService } from '../../src/par/index.js';
import { PUSHED_REQUEST_STORE, REPLAY_STORE } from '../../src/par/par.constants.js';
import { type OfferedRefreshToken, TokenStore } from '../../src/par/persistence/token-stores.js';
import type { NewAuthorizationCode, NewInteraction, NewPushedRequest, PushedRequestStore, ReplayStore } from '../../src/par/persistence/stores.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** "Now" of the app's clock (used by the purge) and of the store calls below. */
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** How long the login started by a request's first use may run, as the stores take it. */
const INTERACTION_TTL = 10 * MINUTE;

const hash = (): string => sha256(randomBytes(32).toString('base64url'));

/** A pushed request expiring at `expiresAt`, with a random reference hash. */
function pushedRequest(expiresAt: number, createdAt = expiresAt - MINUTE): NewPushedRequest {
  return {
    referenceHash: hash(),
    clientId: BASIC_CLIENT.client_id,
    parameters: { client_id: BASIC_CLIENT.client_id, response_type: 'code', redirect_uri: BASIC_CLIENT.redirect_uris[0], scope: 'openid', state: 'ü∑ "quoted"' },
    dpopJkt: null,
    credentialed: true,
    expiresAt: new Date(expiresAt),
    retainUntil: new Date(expiresAt + INTERACTION_TTL),
    createdAt: new Date(createdAt),
  };
}

/** A new browser binding (hashes of an interaction uid and of its cookie secret). */
const binding = (): NewInteraction => ({ uidHash: hash(), bindingHash: hash() });

/** An authorization code expiring at `expiresAt`. */
const authorizationCode = (expiresAt: number): NewAuthorizationCode => ({
  codeHash: hash(),
  grantId: hash(),
  expiresAt: new Date(expiresAt),
  host: { sub: 'user-1' },
  grantedScope: 'openid',
});

describe('PostgreSQL stores (one atomic statement per operation)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let requests: PushedRequestStore;
  let replay: ReplayStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT], clock: { now: () => NOW } } });
    requests = t.app.get<PushedRequestStore>(PUSHED_REQUEST_STORE);
    replay = t.app.get<ReplayStore>(REPLAY_STORE);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const open = (request: NewPushedRequest, now: number, interaction = binding()) =>
    requests.openInteraction(request.referenceHash, request.clientId, interaction, new Date(now), INTERACTION_TTL);
  /**
   * Ends an interaction, consuming its request: with a code (`finishInteraction`) or without one
   * (`endInteraction`). True when this call consumed it.
   */
  const complete = async (interaction: NewInteraction, now: number, code?: NewAuthorizationCode): Promise<boolean> =>
    code === undefined
      ? requests.endInteraction(interaction.uidHash, interaction.bindingHash, new Date(now))
      : (await requests.finishInteraction(interaction.uidHash, interaction.bindingHash, new Date(now), code)) !== undefined;
  const consumedAt = async (request: NewPushedRequest): Promise<(number | null)[]> =>
    (await db.query<{ consumed_at: Date | null }>('SELECT consumed_at FROM par_pushed_request WHERE reference_hash = $1', [request.referenceHash])).map((r) =>
      r.consumed_at === null ? null : new Date(r.consumed_at).getTime(),
    );

  describe('PushedRequestStore: claimed requests (silentInteraction), without an interaction row', () => {
    const claim = (request: NewPushedRequest, now: number, clientId = request.clientId) => requests.claimRequest(request.referenceHash, clientId, new Date(now), INTERACTION_TTL);
    const interactionRows = async (request: NewPushedRequest): Promise<number> =>
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM par_interaction WHERE request_hash = $1', [request.referenceHash])).map((r) => Number(r.n))[0] ?? 0;

    it('claims under the same rules as opening (client, expiry, the login window) and stores no interaction', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      expect(await claim(request, NOW, 'other-client')).toBeUndefined();
      expect(await requests.claimRequest(hash(), request.clientId, new Date(NOW), INTERACTION_TTL)).toBeUndefined();
      const claimed = await claim(request, NOW);
      const { retainUntil: _retainUntil, ...inserted } = request;
      expect(claimed?.request).toEqual({ ...inserted, firstUsedAt: new Date(NOW), consumedAt: null });
      expect(claimed?.expiresAt).toEqual(new Date(NOW + INTERACTION_TTL));
      expect(claimed?.createdAt).toEqual(new Date(NOW));
      expect(await interactionRows(request)).toBe(0);
      // Past the push's expiry, within the window its first use opened: claimed again (reload).
      expect(await claim(request, NOW + 2 * MINUTE)).toBeDefined();
      expect(await claim(request, NOW + INTERACTION_TTL + SECOND)).toBeUndefined();
      const late = pushedRequest(NOW);
      await requests.insert(late);
      expect(await claim(late, NOW + SECOND), 'expired before its first use').toBeUndefined();
    });

    it('20 concurrent finishes of one claimed request: exactly one consumes it and stores its code', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      expect(await claim(request, NOW)).toBeDefined();
      const codes = Array.from({ length: 20 }, () => authorizationCode(NOW + MINUTE));
      const results = await Promise.all(codes.map((code, n) => (n % 4 === 3 ? requests.endRequest(request.referenceHash, new Date(NOW + SECOND)) : requests.finishRequest(request.referenceHash, new Date(NOW + SECOND), code))));
      const won = (r: unknown): boolean => r !== undefined && r !== false;
      expect(results.filter(won)).toHaveLength(1);
      expect(await consumedAt(request)).toEqual([NOW + SECOND]);
      const winner = results.findIndex(won);
      const stored = await db.query<{ code_hash: string }>('SELECT code_hash FROM par_authorization_code WHERE code_hash = ANY($1)', [codes.map((c) => c.codeHash)]);
      expect(stored.map((r) => r.code_hash), 'the winner\'s code only, none when an ending won').toEqual(winner % 4 === 3 ? [] : [codes[winner]?.codeHash]);
      expect(await claim(request, NOW + SECOND)).toBeUndefined();
    });

    it('finishes with the code bound to the request, and returns the request', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      await claim(request, NOW);
      const code = authorizationCode(NOW + MINUTE);
      const finished = await requests.finishRequest(request.referenceHash, new Date(NOW), code);
      expect(finished?.referenceHash).toBe(request.referenceHash);
      expect(finished?.consumedAt).toEqual(new Date(NOW));
      const rows = await db.query<{ grant_data: Record<string, unknown> }>('SELECT grant_data FROM par_authorization_code WHERE code_hash = $1', [code.codeHash]);
      expect(rows[0]?.grant_data).toMatchObject({ sub: 'user-1', client_id: request.clientId, redirect_uri: BASIC_CLIENT.redirect_uris[0], scope: 'openid' });
    });

    it('neither finishes nor ends a request that was never claimed', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      expect(await requests.finishRequest(request.referenceHash, new Date(NOW), authorizationCode(NOW + MINUTE))).toBeUndefined();
      expect(await requests.endRequest(request.referenceHash, new Date(NOW))).toBe(false);
      expect(await requests.addInteraction(request.referenceHash, binding(), new Date(NOW), INTERACTION_TTL)).toBe(false);
    });

    it('adds the interaction of a claimed request for the page, which then finishes it; not once it is consumed', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      await claim(request, NOW);
      const interaction = binding();
      expect(await requests.addInteraction(request.referenceHash, interaction, new Date(NOW), INTERACTION_TTL)).toBe(true);
      const found = await requests.findInteraction(interaction.uidHash, interaction.bindingHash, new Date(NOW));
      expect(found?.expiresAt).toEqual(new Date(NOW + INTERACTION_TTL));
      expect(await complete(interaction, NOW, authorizationCode(NOW + MINUTE))).toBe(true);
      expect(await requests.addInteraction(request.referenceHash, binding(), new Date(NOW), INTERACTION_TTL)).toBe(false);
    });
  });

  describe('PushedRequestStore: a pushed request is consumed exactly once', () => {
    it('20 concurrent completions of interactions of one request: exactly one consumes it and stores its code', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      const interactions = Array.from({ length: 20 }, binding);
      // Opening it again (reload, other browser) is allowed while the first login runs.
      const opened = await Promise.all(interactions.map((interaction) => open(request, NOW, interaction)));
      expect(opened.every((record) => record !== undefined)).toBe(true);
      const { retainUntil: _retainUntil, ...inserted } = request;
      expect(opened[0]?.request).toEqual({ ...inserted, firstUsedAt: new Date(NOW), consumedAt: null });
      expect(opened[0]?.expiresAt).toEqual(new Date(NOW + INTERACTION_TTL));

      const attempts = interactions.map((interaction) => ({ interaction, code: authorizationCode(NOW + MINUTE) }));
      const results = await Promise.all(attempts.map(({ interaction, code }) => complete(interaction, NOW + SECOND, code)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await consumedAt(request)).toEqual([NOW + SECOND]);
      const stored = await db.query<{ code_hash: string; client_id: string }>('SELECT code_hash, client_id FROM par_authorization_code WHERE code_hash = ANY($1)', [
        attempts.map(({ code }) => code.codeHash),
      ]);
      expect(stored).toEqual([{ code_hash: attempts[results.indexOf(true)]?.code.codeHash, client_id: request.clientId }]);
    });

    it('20 concurrent endings of the same interaction, with and without a code: exactly one succeeds', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      const interaction = binding();
      expect(await open(request, NOW, interaction)).toBeDefined();
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? complete(interaction, NOW) : complete(interaction, NOW, authorizationCode(NOW + MINUTE)))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('a consumed request can be neither opened nor found again', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      const first = binding();
      const second = binding();
      expect(await open(request, NOW, first)).toBeDefined();
      expect(await open(request, NOW, second)).toBeDefined();
      expect(await complete(first, NOW)).toBe(true);
      expect(await open(request, NOW)).toBeUndefined();
      expect(await requests.findInteraction(second.uidHash, second.bindingHash, new Date(NOW))).toBeUndefined();
      expect(await complete(second, NOW)).toBe(false);
    });

    it('gives nothing for an unknown reference or another client', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      expect(await requests.openInteraction(hash(), request.clientId, binding(), new Date(NOW), INTERACTION_TTL)).toBeUndefined();
      expect(await requests.openInteraction(request.referenceHash, 'other-client', binding(), new Date(NOW), INTERACTION_TTL)).toBeUndefined();
      expect(await open(request, NOW)).toBeDefined();
    });

    it('gives nothing once expired at the given now, and leaves the row unused', async () => {
      const request = pushedRequest(NOW);
      await requests.insert(request);
      expect(await open(request, NOW + SECOND)).toBeUndefined();
      expect(await open(request, NOW)).toBeUndefined();
      const rows = await db.query<{ first_used_at: Date | null; consumed_at: Date | null }>(
        'SELECT first_used_at, consumed_at FROM par_pushed_request WHERE reference_hash = $1',
        [request.referenceHash],
      );
      expect(rows).toEqual([{ first_used_at: null, consumed_at: null }]);
      // A millisecond before expiry it is still good.
      expect((await open(request, NOW - 1))?.request.referenceHash).toBe(request.referenceHash);
    });

    it('after its first use, reopens only while that login runs (interaction TTL), not past it', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      const first = binding();
      expect(await open(request, NOW, first)).toBeDefined();
      // Past expires_at but within the login started by the first use.
      expect((await open(request, NOW + 5 * MINUTE))?.expiresAt).toEqual(new Date(NOW + INTERACTION_TTL));
      expect(await open(request, NOW + INTERACTION_TTL)).toBeUndefined();
      expect(await requests.findInteraction(first.uidHash, first.bindingHash, new Date(NOW + INTERACTION_TTL - 1))).toBeDefined();
      expect(await requests.findInteraction(first.uidHash, first.bindingHash, new Date(NOW + INTERACTION_TTL))).toBeUndefined();
      expect(await complete(first, NOW + INTERACTION_TTL)).toBe(false);
      expect(await consumedAt(request)).toEqual([null]);
    });

    it('finds an interaction only with its own browser binding', async () => {
      const request = pushedRequest(NOW + MINUTE);
      await requests.insert(request);
      const interaction = binding();
      await open(request, NOW, interaction);
      expect(await requests.findInteraction(interaction.uidHash, hash(), new Date(NOW))).toBeUndefined();
      expect(await complete({ uidHash: interaction.uidHash, bindingHash: hash() }, NOW)).toBe(false);
      expect(await complete({ uidHash: interaction.uidHash, bindingHash: hash() }, NOW, authorizationCode(NOW + MINUTE))).toBe(false);
      expect((await requests.findInteraction(interaction.uidHash, interaction.bindingHash, new Date(NOW)))?.request.referenceHash).toBe(request.referenceHash);
    });
  });

  describe('TokenStore.redeemCode: the code and its refresh token in one statement', () => {
    /** A code as finishInteraction stores it, for `scope`, expiring at `expiresAt`. */
    const storeCode = async (scope: string, expiresAt = NOW + MINUTE): Promise<{ codeHash: string; grantId: string }> => {
      const code = { codeHash: hash(), grantId: hash() };
      const grant = {
        client_id: BASIC_CLIENT.client_id,
        redirect_uri: BASIC_CLIENT.redirect_uris[0],
        scope,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        nonce: 'n-0S6_WzA2Mj',
        max_age: 60,
        dpop_jkt: 'code-key',
        sub: 'user-1',
        auth_time: NOW / 1000,
        amr: ['pwd'],
        claims: { userinfo: { email: null } },
      };
      await db.query('INSERT INTO par_authorization_code (code_hash, client_id, grant_id, grant_data, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        code.codeHash,
        BASIC_CLIENT.client_id,
        code.grantId,
        JSON.stringify(grant),
        new Date(expiresAt),
        new Date(NOW),
      ]);
      return code;
    };
    const offer = (overrides: Partial<OfferedRefreshToken> = {}): OfferedRefreshToken => ({
      tokenHash: hash(),
      clientId: BASIC_CLIENT.client_id,
      expiresAt: new Date(NOW + HOUR),
      dpopJkt: undefined,
      ...overrides,
    });
    const refreshRows = (tokenHash: string) =>
      db.query<{ client_id: string; grant_id: string; grant_data: Record<string, unknown> }>('SELECT client_id, grant_id, grant_data FROM par_refresh_token WHERE token_hash = $1', [tokenHash]);
    let tokens: TokenStore;
    beforeAll(() => {
      tokens = t.app.get(TokenStore);
    });

    it('stores the offered refresh token with what the user granted, not the one-time bindings of the request', async () => {
      const code = await storeCode('openid offline_access');
      const offered = offer({ dpopJkt: 'public-client-key' });
      const redemption = await tokens.redeemCode(code.codeHash, new Date(NOW), offered);
      expect(redemption).toMatchObject({ kind: 'redeemed', code: { grantId: code.grantId, refreshTokenStored: true } });
      expect(await refreshRows(offered.tokenHash)).toEqual([
        {
          client_id: BASIC_CLIENT.client_id,
          grant_id: code.grantId,
          grant_data: { scope: 'openid offline_access', sub: 'user-1', auth_time: NOW / 1000, amr: ['pwd'], claims: { userinfo: { email: null } }, dpop_jkt: 'public-client-key' },
        },
      ]);
    });

    it('leaves the code unused when the refresh token cannot be stored: nothing is half-written', async () => {
      const code = await storeCode('offline_access api:read');
      const taken = offer();
      const other = await storeCode('offline_access');
      await tokens.redeemCode(other.codeHash, new Date(NOW), taken);
      // The same token hash again violates the primary key: the whole statement fails.
      await expect(tokens.redeemCode(code.codeHash, new Date(NOW), taken)).rejects.toThrow();
      const consumed = await db.query<{ consumed_at: Date | null }>('SELECT consumed_at FROM par_authorization_code WHERE code_hash = $1', [code.codeHash]);
      expect(consumed).toEqual([{ consumed_at: null }]);
      const retry = offer();
      expect(await tokens.redeemCode(code.codeHash, new Date(NOW), retry)).toMatchObject({ kind: 'redeemed', code: { refreshTokenStored: true } });
    });

    it('stores none for an OpenID grant without offline_access, another client, or an expired code, and still redeems the code', async () => {
      const cases = [
        { code: await storeCode('openid profile'), offered: offer() },
        { code: await storeCode('openid offline_access'), offered: offer({ clientId: 'someone-else' }) },
        { code: await storeCode('openid offline_access', NOW - SECOND), offered: offer() },
      ];
      for (const { code, offered } of cases) {
        expect(await tokens.redeemCode(code.codeHash, new Date(NOW), offered)).toMatchObject({ kind: 'redeemed', code: { refreshTokenStored: false } });
        expect(await refreshRows(offered.tokenHash)).toEqual([]);
      }
    });

    it('stores one for a plain OAuth grant (no openid), and reports a second redemption as a replay that stores nothing', async () => {
      const code = await storeCode('api:read');
      const first = offer();
      expect(await tokens.redeemCode(code.codeHash, new Date(NOW), first)).toMatchObject({ kind: 'redeemed', code: { refreshTokenStored: true } });
      const second = offer();
      expect(await tokens.redeemCode(code.codeHash, new Date(NOW), second)).toEqual({ kind: 'replayed', grantId: code.grantId });
      expect(await refreshRows(second.tokenHash)).toEqual([]);
    });
  });

  describe('ReplayStore.firstUse', () => {
    it('answers true to exactly one of 20 concurrent uses of a key', async () => {
      const key = `client_assertion\n${BASIC_CLIENT.client_id}\n${randomBytes(8).toString('hex')}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => replay.firstUse(key, new Date(NOW + MINUTE), new Date(NOW))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const rows = await db.query<{ key_hash: string }>('SELECT key_hash FROM par_used_jti WHERE key_hash = $1', [sha256(key)]);
      expect(rows).toHaveLength(1);
    });

    it('keeps only a hash of the key', async () => {
      const key = `client_assertion\nplain-${randomBytes(8).toString('hex')}`;
      expect(await replay.firstUse(key, new Date(NOW + MINUTE), new Date(NOW))).toBe(true);
      const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM par_used_jti WHERE key_hash = $1 OR key_hash LIKE '%plain-%'", [key]);
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('refuses a replay while remembered and lets an expired key be used again', async () => {
      const key = `jti-${randomBytes(8).toString('hex')}`;
      const expiresAt = NOW + MINUTE;
      expect(await replay.firstUse(key, new Date(expiresAt), new Date(NOW))).toBe(true);
      expect(await replay.firstUse(key, new Date(expiresAt + HOUR), new Date(expiresAt - 1))).toBe(false);
      // Expired: used again, remembered until its new expiry.
      expect(await replay.firstUse(key, new Date(expiresAt + HOUR), new Date(expiresAt + 1))).toBe(true);
      const rows = await db.query<{ expires_at: Date }>('SELECT expires_at FROM par_used_jti WHERE key_hash = $1', [sha256(key)]);
      expect(rows.map((r) => new Date(r.expires_at).getTime())).toEqual([expiresAt + HOUR]);
      expect(await replay.firstUse(key, new Date(expiresAt + 2 * HOUR), new Date(expiresAt + 2))).toBe(false);
    });

    it('lets exactly one of 20 concurrent uses of an expired key take it over', async () => {
      const key = `jti-${randomBytes(8).toString('hex')}`;
      expect(await replay.firstUse(key, new Date(NOW), new Date(NOW - MINUTE))).toBe(true);
      const results = await Promise.all(Array.from({ length: 20 }, () => replay.firstUse(key, new Date(NOW + HOUR), new Date(NOW + SECOND))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps keys apart', async () => {
      const suffix = randomBytes(8).toString('hex');
      expect(await replay.firstUse(`a-${suffix}`, new Date(NOW + MINUTE), new Date(NOW))).toBe(true);
      expect(await replay.firstUse(`b-${suffix}`, new Date(NOW + MINUTE), new Date(NOW))).toBe(true);
    });
  });

  describe('PurgeService.purgeOnce', () => {
    beforeEach(async () => {
      await db.query('DELETE FROM par_interaction');
      await db.query('DELETE FROM par_pushed_request');
      await db.query('DELETE FROM par_authorization_code');
      await db.query('DELETE FROM par_used_jti');
    });

    it('deletes rows an hour past their end (requests, codes) or past expiry (replay), and keeps the rest', async () => {
      const purge = t.app.get(PurgeService);
      // An unused request is kept for the interaction TTL past its expiry (a login started at its last
      // moment may still run), then an hour more.
      const unused = {
        expiredTwoHoursAgo: pushedRequest(NOW - 2 * HOUR),
        retainedJustOverAnHourAgo: pushedRequest(NOW - HOUR - SECOND - INTERACTION_TTL),
        expiredHalfAnHourAgo: pushedRequest(NOW - 30 * MINUTE),
        live: pushedRequest(NOW + MINUTE),
      };
      for (const request of Object.values(unused)) await requests.insert(request);
      // Used three hours ago, its login ended 10 minutes later: gone, with its code and the
      // interaction another browser abandoned.
      const oldUsed = pushedRequest(NOW - 3 * HOUR + MINUTE);
      await requests.insert(oldUsed);
      const oldInteraction = binding();
      await open(oldUsed, NOW - 3 * HOUR, oldInteraction);
      await open(oldUsed, NOW - 3 * HOUR);
      const oldCode = authorizationCode(NOW - 3 * HOUR + 2 * MINUTE);
      expect(await complete(oldInteraction, NOW - 3 * HOUR + MINUTE, oldCode)).toBe(true);
      // Expired 70 minutes ago, but first used just before and its (long) login still runs: kept.
      const longLogin = { ...pushedRequest(NOW - 70 * MINUTE), retainUntil: new Date(NOW - 70 * MINUTE + 2 * HOUR) };
      await requests.insert(longLogin);
      const longInteraction = binding();
      await requests.openInteraction(longLogin.referenceHash, longLogin.clientId, longInteraction, new Date(NOW - 71 * MINUTE), 2 * HOUR);
      // A code that expired half an hour ago is still kept (replays of it are recognised).
      const recent = pushedRequest(NOW + MINUTE);
      await requests.insert(recent);
      const recentInteraction = binding();
      await open(recent, NOW - 40 * MINUTE, recentInteraction);
      const recentCode = authorizationCode(NOW - 30 * MINUTE);
      expect(await complete(recentInteraction, NOW - 39 * MINUTE, recentCode)).toBe(true);
      const jtis = { expired: 'jti-expired', live: 'jti-live' };
      await replay.firstUse(jtis.expired, new Date(NOW - SECOND), new Date(NOW - MINUTE));
      await replay.firstUse(jtis.live, new Date(NOW + MINUTE), new Date(NOW - MINUTE));

      // Requests: two unused + oldUsed; codes: oldCode; replay: one.
      expect(await purge.purgeOnce()).toBe(5);

      const remaining = await db.query<{ reference_hash: string }>('SELECT reference_hash FROM par_pushed_request');
      expect(remaining.map((r) => r.reference_hash).sort()).toEqual(
        [unused.expiredHalfAnHourAgo.referenceHash, unused.live.referenceHash, longLogin.referenceHash, recent.referenceHash].sort(),
      );
      const interactions = await db.query<{ uid_hash: string }>('SELECT uid_hash FROM par_interaction');
      expect(interactions).toEqual([{ uid_hash: longInteraction.uidHash }]);
      const codes = await db.query<{ code_hash: string }>('SELECT code_hash FROM par_authorization_code');
      expect(codes).toEqual([{ code_hash: recentCode.codeHash }]);
      const used = await db.query<{ key_hash: string }>('SELECT key_hash FROM par_used_jti');
      expect(used).toEqual([{ key_hash: sha256(jtis.live) }]);
      expect(await purge.purgeOnce()).toBe(0);
    });

    it('deletes more than one batch in a run', async () => {
      await db.query(`INSERT INTO par_used_jti (key_hash, expires_at) SELECT 'k' || g, $1 FROM generate_series(1, 1234) AS g`, [new Date(NOW - MINUTE)]);
      await db.query(
        `INSERT INTO par_pushed_request (reference_hash, client_id, parameters, expires_at, retain_until, created_at)
         SELECT 'r' || g, 'c', '{}'::jsonb, $1, $1, $1 FROM generate_series(1, 777) AS g`,
        [new Date(NOW - 2 * HOUR)],
      );
      await replay.firstUse('jti-live', new Date(NOW + MINUTE), new Date(NOW));

      expect(await t.app.get(PurgeService).purgeOnce()).toBe(1234 + 777);
      expect(await db.query('SELECT count(*)::int AS n FROM par_used_jti')).toEqual([{ n: 1 }]);
      expect(await db.query('SELECT count(*)::int AS n FROM par_pushed_request')).toEqual([{ n: 0 }]);
    });

    it('drains every expired row in one run, however many batches that takes (a busy server expires hundreds a second)', async () => {
      // 25 batches of 500: more than the 20 a run used to stop at.
      await db.query(`INSERT INTO par_used_jti (key_hash, expires_at) SELECT 'k' || g, $1 FROM generate_series(1, 12500) AS g`, [new Date(NOW - MINUTE)]);
      expect(await t.app.get(PurgeService).purgeOnce()).toBe(12_500);
      expect(await db.query('SELECT count(*)::int AS n FROM par_used_jti')).toEqual([{ n: 0 }]);
    });
  });

  it('keeps requests and codes for purgeGrace seconds past their end, not an hour, when configured', async () => {
    const own = await createTestDatabase();
    const app = await createTestApp({ database: own, par: { clients: [BASIC_CLIENT], clock: { now: () => NOW }, purgeGrace: 60, purgeInterval: 0 } });
    try {
      const ownRequests = app.app.get<PushedRequestStore>(PUSHED_REQUEST_STORE);
      const pastGrace = pushedRequest(NOW - 2 * MINUTE, NOW - 3 * MINUTE);
      const withinGrace = pushedRequest(NOW - 30 * SECOND, NOW - MINUTE);
      for (const request of [pastGrace, withinGrace]) await ownRequests.insert({ ...request, retainUntil: request.expiresAt });
      expect(await app.app.get(PurgeService).purgeOnce()).toBe(1);
      expect(await own.query('SELECT reference_hash FROM par_pushed_request')).toEqual([{ reference_hash: withinGrace.referenceHash }]);
    } finally {
      await app.close();
      await own.drop();
    }
  });
});
