import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { IsIn, IsString, Length } from 'class-validator';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountInformation, paymentInitiation } from '../../src/demo/demo-authorization-details.js';
import { AccessToken, type AccessTokenClaims, AccessTokenGuard, type AuthorizationDetail, InteractionService, ParModule, RequireAccessToken } from '../../src/par/index.js';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, pushRequest, queryOf, startInteraction } from '../support/flow.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';
import { authorize, introspect, obtainTokens, redeem, refresh, type TestClient } from '../support/tokens.js';

/** A type defined by a class-validator class: unknown fields are refused. */
class ReadDocument {
  @IsString()
  @Length(1, 64)
  documentId!: string;

  @IsIn(['read', 'download'])
  action!: string;
}

const PAYMENT: AuthorizationDetail = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: 'DE02100100109307118603' },
};
const ACCOUNTS: AuthorizationDetail = { type: 'account_information', actions: ['list_accounts', 'read_balances'] };

const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'refresh_token'] } as const;
/** A client registered for payments only (RFC 9396 §10 authorization_details_types). */
const PAYMENTS_ONLY = { ...BASIC_CLIENT, client_id: 'payments-only', authorization_details_types: ['payment_initiation'] } as const;
const REDIRECT = CLIENT.redirect_uris[0];
const AUTH = basicAuth(CLIENT.client_id, CLIENT.client_secret);

@Controller('pay')
@UseGuards(AccessTokenGuard)
class PaymentsController {
  @Get()
  @RequireAccessToken({ authorizationDetailsTypes: ['payment_initiation'] })
  pay(@AccessToken() token: AccessTokenClaims): unknown {
    return { details: token.authorization_details };
  }
}

@Module({ controllers: [PaymentsController] })
class PaymentsModule {}

describe('authorization_details (RFC 9396)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const push = (details: unknown, client: TestClient & { client_secret: string } = CLIENT) =>
    request(t.server)
      .post('/par')
      .set('Authorization', basicAuth(client.client_id, client.client_secret))
      .type('form')
      .send(form(authorizationParams(client.redirect_uris[0] as string, { authorization_details: typeof details === 'string' ? details : JSON.stringify(details) })));

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: {
        clients: [CLIENT, PAYMENTS_ONLY, PUBLIC_CLIENT],
        authorizationDetailsTypes: { payment_initiation: paymentInitiation, account_information: accountInformation, read_document: ReadDocument },
      },
      register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
      host: { imports: [PaymentsModule] },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts valid details at the PAR endpoint and stores them parsed (§2, §3)', async () => {
    const res = await push([PAYMENT, ACCOUNTS, { type: 'read_document', documentId: 'doc-1', action: 'read' }]);
    expect(res.status).toBe(201);
    const rows = await db.query<{ parameters: { authorization_details: unknown } }>("SELECT parameters FROM par_pushed_request WHERE parameters->>'authorization_details' IS NOT NULL ORDER BY created_at DESC LIMIT 1");
    expect(rows[0]?.parameters.authorization_details).toEqual([PAYMENT, ACCOUNTS, { type: 'read_document', documentId: 'doc-1', action: 'read' }]);
  });

  it.each([
    ['malformed JSON', '[{"type":', 'authorization_details is not valid JSON'],
    ['not an array', { type: 'payment_initiation' }, 'authorization_details must be a JSON array'],
    ['an empty array', [], 'authorization_details must not be empty'],
    ['an element that is not an object', ['payment_initiation'], 'authorization_details[0] must be an object'],
    ['a missing type', [{ creditorName: 'x' }], 'authorization_details[0] must have a string type'],
    ['a type that is not a string', [{ type: 42 }], 'authorization_details[0] must have a string type'],
    ['an unknown type', [PAYMENT, { type: 'crypto_transfer' }], 'authorization_details[1] has an unknown type "crypto_transfer"'],
    ['an unknown field', [{ ...PAYMENT, bonus: true }], 'authorization_details[0] (payment_initiation): unknown field bonus'],
    ['a wrong field type', [{ ...PAYMENT, instructedAmount: { currency: 'EUR', amount: 12 } }], 'instructedAmount.amount must be a decimal string'],
    ['an invalid value', [{ ...PAYMENT, instructedAmount: { currency: 'euro', amount: '1' } }], 'instructedAmount.currency must be an ISO 4217 code'],
    ['a missing required field', [{ type: 'account_information' }], 'actions must be a non-empty array'],
    ['a class-validator type with an unknown field', [{ type: 'read_document', documentId: 'd', action: 'read', extra: 1 }], 'property extra should not exist'],
    ['a class-validator type with a bad value', [{ type: 'read_document', documentId: 'd', action: 'delete' }], 'action must be one of the following values: read, download'],
  ])('refuses %s with 400 invalid_authorization_details (§5)', async (_, details, description) => {
    expectOAuthError(await push(details), 400, 'invalid_authorization_details', description);
  });

  it("refuses a type the client is not registered for (§10: the client's authorization_details_types)", async () => {
    expect((await push([PAYMENT], PAYMENTS_ONLY)).status).toBe(201);
    expectOAuthError(await push([ACCOUNTS], PAYMENTS_ONLY), 400, 'invalid_authorization_details', 'the client may not use type "account_information"');
  });

  it('redirects invalid details at /authorize when PAR is optional, with state and iss', async () => {
    const res = await request(t.server)
      .get('/authorize')
      .query({ ...authorizationParams(REDIRECT, { authorization_details: '[{}]', state: 'st' }), client_id: CLIENT.client_id });
    expect(res.status).toBe(303);
    expect(queryOf(res.headers.location as string)).toEqual({ error: 'invalid_authorization_details', error_description: 'authorization_details[0] must have a string type', state: 'st', iss: t.issuer });
  });

  it('shows the details to the host, which may grant some of them, and never more', async () => {
    const requestUri = await pushRequest(t, CLIENT, { authorization_details: JSON.stringify([PAYMENT, ACCOUNTS]) });
    const { uid, cookie } = await startInteraction(t, CLIENT.client_id, requestUri);
    const interactions = t.app.get(InteractionService);
    expect((await interactions.details(uid, browserRequest(cookie))).authorizationDetails).toEqual([PAYMENT, ACCOUNTS]);
    await expect(
      interactions.finish(uid, browserRequest(cookie), { subject: 'u', grantedAuthorizationDetails: [{ ...PAYMENT, creditorName: 'Someone else' }] }),
    ).rejects.toThrow(/grantedAuthorizationDetails must be requested/);
    const codes = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM par_authorization_code WHERE grant_data->'authorization_details' @> $1::jsonb", [JSON.stringify([{ creditorName: 'Someone else' }])]);
    expect(codes[0]?.n).toBe('0');
  });

  it('returns the granted details in the token response, the access token and introspection (§7, §9)', async () => {
    const issued = await authorize(t, CLIENT, {
      push: { scope: 'openid', authorization_details: JSON.stringify([PAYMENT, ACCOUNTS]) },
      result: { subject: 'u', grantedAuthorizationDetails: [PAYMENT] },
    });
    const res = await redeem(t, CLIENT, issued);
    expect(res.status).toBe(200);
    expect(res.body.authorization_details).toEqual([PAYMENT]);
    expect(decodeJwt(res.body.access_token as string).authorization_details).toEqual([PAYMENT]);
    const info = await introspect(t, CLIENT, res.body.access_token as string);
    expect(info.body.authorization_details).toEqual([PAYMENT]);
  });

  it('keeps null fields inside a granted detail (they are data, not absent members)', async () => {
    const withNull = { type: 'account_information', actions: ['list_accounts'], locations: null };
    const tokens = await obtainTokens(t, CLIENT, { push: { authorization_details: JSON.stringify([withNull]) } });
    expect(decodeJwt(tokens.access_token).authorization_details).toEqual([withNull]);
  });

  it('lets the token request ask for a subset, refusing anything else (§6.1)', async () => {
    const both = JSON.stringify([PAYMENT, ACCOUNTS]);
    const subset = await redeem(t, CLIENT, await authorize(t, CLIENT, { push: { authorization_details: both } }), { authorization_details: JSON.stringify([ACCOUNTS]) });
    expect(subset.status).toBe(200);
    expect(subset.body.authorization_details).toEqual([ACCOUNTS]);
    const more = await redeem(t, CLIENT, await authorize(t, CLIENT, { push: { authorization_details: JSON.stringify([ACCOUNTS]) } }), { authorization_details: both });
    expectOAuthError(more, 400, 'invalid_authorization_details', 'asks for more than was granted');
  });

  it('keeps the grant on refresh, where a subset may be asked again', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid offline_access', authorization_details: JSON.stringify([PAYMENT, ACCOUNTS]) } });
    expect(tokens.refresh_token).toBeDefined();
    const all = await refresh(t, CLIENT, tokens.refresh_token);
    expect(all.body.authorization_details).toEqual([PAYMENT, ACCOUNTS]);
    const one = await refresh(t, CLIENT, tokens.refresh_token, { authorization_details: JSON.stringify([PAYMENT]) });
    expect(one.body.authorization_details).toEqual([PAYMENT]);
    expectOAuthError(await refresh(t, CLIENT, tokens.refresh_token, { authorization_details: JSON.stringify([{ ...ACCOUNTS, actions: ['read_transactions'] }]) }), 400, 'invalid_authorization_details');
  });

  it('lets a resource server require a type of authorization details (§9)', async () => {
    const payment = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', nonce: undefined, authorization_details: JSON.stringify([PAYMENT]) } });
    const ok = await request(t.server).get('/pay').set('Authorization', `Bearer ${payment.access_token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ details: [PAYMENT] });
    const accounts = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', nonce: undefined, authorization_details: JSON.stringify([ACCOUNTS]) } });
    const denied = await request(t.server).get('/pay').set('Authorization', `Bearer ${accounts.access_token}`);
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('publishes authorization_details_types_supported (§10)', async () => {
    const res = await request(t.server).get('/.well-known/oauth-authorization-server');
    expect(res.body.authorization_details_types_supported).toEqual(['payment_initiation', 'account_information', 'read_document']);
  });

  it('carries a large request (about 50 KB of authorization details) through PAR to the token response', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ ...PAYMENT, creditorName: `Merchant number ${i} with a long descriptive name`, remittanceInformationUnstructured: `invoice ${i} `.padEnd(100, '.') }));
    const details = JSON.stringify(many);
    expect(details.length).toBeGreaterThan(50_000);
    // As a URL it would exceed the ~8 KB that browsers and proxies accept; pushed, it is no problem.
    expect(encodeURIComponent(details).length).toBeGreaterThan(8 * 1024);
    const tokens = await obtainTokens(t, CLIENT, { push: { authorization_details: details } });
    expect((decodeJwt(tokens.access_token).authorization_details as unknown[]).length).toBe(250);
  });

  it('is refused when no type is configured on the server', async () => {
    const plainDb = await createTestDatabase();
    const plain = await createTestApp({ database: plainDb, par: { clients: [CLIENT] } });
    try {
      const res = await request(plain.server).post('/par').set('Authorization', AUTH).type('form').send(form(authorizationParams(REDIRECT, { authorization_details: JSON.stringify([PAYMENT]) })));
      expectOAuthError(res, 400, 'invalid_authorization_details', 'unknown type "payment_initiation"');
    } finally {
      await plain.close();
      await plainDb.drop();
    }
  });
});
