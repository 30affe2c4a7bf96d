import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientAssertionAudiencePolicy, type ClientMetadata, resolveParOptions } from '../../src/par/index.js';
import { BASIC_CLIENT, type JwtClientFixture, makeJwtClient, ODD_ID_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, clientAssertion, form, JWT_BEARER } from '../support/oauth.js';

/*
 * Client authentication at POST /par (RFC 9126 §2: "the same as at the token endpoint"):
 * RFC 6749 §2.3 and §5.2, RFC 7523 §3, OIDC Core §9, draft-ietf-oauth-rfc7523bis (assertion audience).
 */

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
/** RFC 7617 §2: a Basic challenge, whose realm parameter is required. */
const BASIC_CHALLENGE = /^Basic realm="[^"]*"/;
const JWT_REDIRECT = 'https://jwt.example.org/cb';
const GENERIC_FAILURE = 'client authentication failed';

/**
 * ODD_ID_CLIENT with a client_id inside RFC 6749 Appendix A.1 (VSCHAR, %x20-7E), which ParModule
 * enforces at boot: the committed fixture's "ü" makes the whole app refuse to start (see the test
 * "refuses at boot a client_id outside ... VSCHAR"). Every character that makes §2.3.1
 * form-encoding matter is kept: space, ':', '/', and '%', '+', '&' added.
 */
const ODD_CLIENT = ODD_ID_CLIENT;

/** A whole-string match, for exact error_description values. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** RFC 9126 §2.2 success: 201 with a request_uri. */
function expectPushed(res: Response): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({
    status: 201,
    body: { request_uri: expect.stringMatching(REQUEST_URI), expires_in: 60 },
  });
}

/**
 * 401 invalid_client with exactly `description`; a `WWW-Authenticate: Basic` challenge when the client
 * tried HTTP Basic (RFC 6749 §5.2 MUST), none otherwise.
 */
function expectInvalidClient(res: Response, description: string | RegExp, basicChallenge = false): void {
  expectOAuthError(res, 401, 'invalid_client', typeof description === 'string' ? exactly(description) : description);
  const challenge: unknown = res.headers['www-authenticate'];
  if (basicChallenge) expect(challenge, 'WWW-Authenticate: Basic challenge (RFC 6749 §5.2)').toEqual(expect.stringMatching(BASIC_CHALLENGE));
  else expect(challenge, 'no WWW-Authenticate header').toBeUndefined();
}

/** Neither the body nor any header of the answer repeats one of `values`. */
function expectNotEchoed(res: Response, values: readonly string[]): void {
  const answer = `${res.text}\n${JSON.stringify(res.headers)}`;
  for (const value of values) expect(answer).not.toContain(value);
}

/** A JWT and each of its non-empty parts (a signature or payload alone would leak as much). */
function jwtParts(jwt: string): string[] {
  return [jwt, ...jwt.split('.').filter((part) => part.length > 0)];
}

interface PushInput {
  redirectUri: string;
  /** Body parameters added to a valid authorization request (client_id, client_secret, client_assertion...). */
  credentials?: Record<string, string>;
  authorization?: string;
}

function push(t: TestApp, { redirectUri, credentials = {}, authorization }: PushInput): request.Test {
  const req = request(t.server).post('/par').type('form');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(form({ ...authorizationParams(redirectUri), ...credentials }));
}

function pushAssertion(t: TestApp, assertion: string, extra: Record<string, string> = {}): request.Test {
  return push(t, { redirectUri: JWT_REDIRECT, credentials: { client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra } });
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An unsecured JWT (alg none, RFC 7519 §6) with the claims of a valid assertion. */
function unsecuredAssertion(clientId: string, audience: string): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = nowSeconds();
  return `${encode({ alg: 'none' })}.${encode({ iss: clientId, sub: clientId, aud: audience, jti: `none-${now}`, iat: now, exp: now + 60 })}.`;
}

describe('client_secret_basic, client_secret_post and none at POST /par (RFC 6749 §2.3)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwt: JwtClientFixture;
  const BASIC_REDIRECT = BASIC_CLIENT.redirect_uris[0];
  const POST_REDIRECT = POST_CLIENT.redirect_uris[0];

  beforeAll(async () => {
    jwt = await makeJwtClient();
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, POST_CLIENT, PUBLIC_CLIENT, ODD_CLIENT, jwt.metadata] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  describe('client_secret_basic', () => {
    it('accepts the registered id and secret in HTTP Basic', async () => {
      expectPushed(await push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret) }));
    });

    it('accepts the same client_id in the body as in the Basic credentials', async () => {
      const res = await push(t, {
        redirectUri: BASIC_REDIRECT,
        authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret),
        credentials: { client_id: BASIC_CLIENT.client_id },
      });
      expectPushed(res);
    });

    it('form-decodes the id and the secret before comparing them (RFC 6749 §2.3.1)', async () => {
      const authorization = basicAuth(ODD_CLIENT.client_id, ODD_CLIENT.client_secret);
      // The fixture really needs the encoding: raw, the first ':' of the id would end it.
      expect(authorization).not.toBe(`Basic ${Buffer.from(`${ODD_CLIENT.client_id}:${ODD_CLIENT.client_secret}`).toString('base64')}`);
      expectPushed(await push(t, { redirectUri: ODD_CLIENT.redirect_uris[0], authorization }));
      expectPushed(await push(t, { redirectUri: ODD_CLIENT.redirect_uris[0], authorization, credentials: { client_id: ODD_CLIENT.client_id } }));
    });

    it('refuses at boot a client_id outside RFC 6749 Appendix A.1 VSCHAR (why ODD_ID_CLIENT, with its "ü", is not used as is)', () => {
      const nonAscii = { ...ODD_ID_CLIENT, client_id: 'odd client:id/ü' };
      expect(() => resolveParOptions({ issuer: 'http://127.0.0.1:1', clients: [nonAscii] })).toThrow(/clients\[0\]\.client_id.*printable ASCII/);
    });

    it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
      const res = await push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, 'wrong-secret-0123456789abcdef012345') });
      expectInvalidClient(res, GENERIC_FAILURE, true);
    });

    it('answers a malformed Basic header (not base64, no colon, empty id, bad %-encoding) with 401 invalid_client and a Basic challenge', async () => {
      const b64 = (text: string): string => Buffer.from(text).toString('base64');
      for (const authorization of ['Basic !!!not-base64!!!', `Basic ${b64('no-colon-in-here')}`, `Basic ${b64(':secret-without-id')}`, `Basic ${b64('%E0%A4%A:secret')}`]) {
        const res = await push(t, { redirectUri: BASIC_REDIRECT, authorization });
        expectInvalidClient(res, 'malformed HTTP Basic credentials', true);
      }
    });

    it('answers a Basic header without credentials ("Basic") with 401 invalid_client and a Basic challenge', async () => {
      // `Authorization: Basic ` (what a client with empty credentials sends) reaches the app as "Basic":
      // HTTP parsers strip trailing whitespace from field values. It is still an attempt at HTTP Basic.
      const variants: Record<string, string>[] = [{}, { client_id: BASIC_CLIENT.client_id }];
      for (const credentials of variants) {
        const res = await push(t, { redirectUri: BASIC_REDIRECT, authorization: 'Basic', credentials });
        expectInvalidClient(res, 'malformed HTTP Basic credentials', true);
      }
    });

    it('answers an unknown client with 401 invalid_client and a Basic challenge, exactly as a wrong secret', async () => {
      const unknown = await push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth('no-such-client', BASIC_CLIENT.client_secret) });
      expectInvalidClient(unknown, GENERIC_FAILURE, true);
      const wrongSecret = await push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, 'wrong-secret-0123456789abcdef012345') });
      expect(unknown.body).toEqual(wrongSecret.body);
    });

    it('answers a body client_id different from the Basic id with 401 invalid_client', async () => {
      const res = await push(t, {
        redirectUri: BASIC_REDIRECT,
        authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret),
        credentials: { client_id: POST_CLIENT.client_id },
      });
      expectInvalidClient(res, 'client_id does not match the authenticated client', true);
    });
  });

  describe('client_secret_post', () => {
    it('accepts client_id and client_secret in the body', async () => {
      expectPushed(await push(t, { redirectUri: POST_REDIRECT, credentials: { client_id: POST_CLIENT.client_id, client_secret: POST_CLIENT.client_secret } }));
    });

    it('answers a wrong secret with 401 invalid_client without a WWW-Authenticate header', async () => {
      const res = await push(t, { redirectUri: POST_REDIRECT, credentials: { client_id: POST_CLIENT.client_id, client_secret: 'wrong-secret-0123456789abcdef012345' } });
      expectInvalidClient(res, GENERIC_FAILURE, false);
    });
  });

  it('refuses a client that authenticates with another method than its registered one (401 invalid_client naming that method)', async () => {
    const basicViaPost = await push(t, { redirectUri: BASIC_REDIRECT, credentials: { client_id: BASIC_CLIENT.client_id, client_secret: BASIC_CLIENT.client_secret } });
    expectInvalidClient(basicViaPost, 'client must authenticate with client_secret_basic');
    const postViaBasic = await push(t, { redirectUri: POST_REDIRECT, authorization: basicAuth(POST_CLIENT.client_id, POST_CLIENT.client_secret) });
    expectInvalidClient(postViaBasic, 'client must authenticate with client_secret_post', true);
    const basicViaJwt = await pushAssertion(t, await clientAssertion({ ...jwt, metadata: { ...jwt.metadata, client_id: BASIC_CLIENT.client_id } }, t.issuer));
    expectInvalidClient(basicViaJwt, 'client must authenticate with client_secret_basic');
  });

  it('refuses more than one authentication method in one request with 400 invalid_request (RFC 6749 §2.3)', async () => {
    const assertion = await clientAssertion(jwt, t.issuer);
    const attempts = [
      push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret), credentials: { client_secret: BASIC_CLIENT.client_secret } }),
      push(t, { redirectUri: JWT_REDIRECT, credentials: { client_id: jwt.metadata.client_id, client_secret: POST_CLIENT.client_secret, client_assertion_type: JWT_BEARER, client_assertion: assertion } }),
      push(t, { redirectUri: JWT_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret), credentials: { client_assertion_type: JWT_BEARER, client_assertion: assertion } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expectOAuthError(res, 400, 'invalid_request', exactly('more than one client authentication method was used'));
    }
  });

  describe('none', () => {
    it('answers a request with neither authentication nor client_id with 401 invalid_client', async () => {
      expectInvalidClient(await push(t, { redirectUri: BASIC_REDIRECT }), 'client authentication is required');
    });

    it('refuses a confidential client sending only its client_id with 401 invalid_client', async () => {
      expectInvalidClient(await push(t, { redirectUri: BASIC_REDIRECT, credentials: { client_id: BASIC_CLIENT.client_id } }), 'client must authenticate with client_secret_basic');
      expectInvalidClient(await push(t, { redirectUri: POST_REDIRECT, credentials: { client_id: POST_CLIENT.client_id } }), 'client must authenticate with client_secret_post');
      expectInvalidClient(await push(t, { redirectUri: JWT_REDIRECT, credentials: { client_id: jwt.metadata.client_id } }), 'client must authenticate with private_key_jwt');
    });

    it('accepts a public client sending only its client_id', async () => {
      expectPushed(await push(t, { redirectUri: PUBLIC_CLIENT.redirect_uris[0], credentials: { client_id: PUBLIC_CLIENT.client_id } }));
    });
  });

  it('never puts a client secret in an error answer', async () => {
    const wrong = 'wrong-secret-0123456789abcdef012345';
    const answers = await Promise.all([
      push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, wrong) }),
      push(t, { redirectUri: POST_REDIRECT, credentials: { client_id: POST_CLIENT.client_id, client_secret: wrong } }),
      push(t, { redirectUri: BASIC_REDIRECT, credentials: { client_id: BASIC_CLIENT.client_id, client_secret: BASIC_CLIENT.client_secret } }),
      push(t, { redirectUri: BASIC_REDIRECT, authorization: basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret), credentials: { client_id: POST_CLIENT.client_id } }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expectNotEchoed(res, [wrong, BASIC_CLIENT.client_secret, POST_CLIENT.client_secret]);
    }
  });
});

describe('private_key_jwt at POST /par (RFC 7523 §3), default audience policy issuer', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwt: JwtClientFixture;
  let other: JwtClientFixture;
  let rs: JwtClientFixture;

  beforeAll(async () => {
    [jwt, other, rs] = await Promise.all([makeJwtClient(), makeJwtClient('other-jwt-client'), makeJwtClient('rs-client', 'RS256')]);
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [jwt.metadata, other.metadata, rs.metadata] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts an assertion whose aud is the issuer string, with or without client_id', async () => {
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer)));
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer), { client_id: jwt.metadata.client_id }));
  });

  it('accepts aud ["issuer"], a one-element array (policy issuer)', async () => {
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, [t.issuer])));
  });

  it('refuses aud = the token endpoint URL', async () => {
    expectInvalidClient(await pushAssertion(t, await clientAssertion(jwt, `${t.issuer}/token`)), 'invalid client assertion: aud is not accepted');
  });

  it('refuses aud = the PAR endpoint URL', async () => {
    expectInvalidClient(await pushAssertion(t, await clientAssertion(jwt, `${t.issuer}/par`)), 'invalid client assertion: aud is not accepted');
  });

  it('refuses aud [issuer, another audience]', async () => {
    expectInvalidClient(await pushAssertion(t, await clientAssertion(jwt, [t.issuer, 'https://other'])), 'invalid client assertion: aud is not accepted');
  });

  it('refuses an RS256-signed assertion (FAPI 2.0 §5.4: ES256, PS256, EdDSA only)', async () => {
    expectInvalidClient(await pushAssertion(t, await clientAssertion(rs, t.issuer)), 'invalid client assertion: alg must be one of ES256, PS256, EdDSA');
  });

  it('refuses an unsecured (alg none) assertion', async () => {
    expectInvalidClient(await pushAssertion(t, unsecuredAssertion(jwt.metadata.client_id, t.issuer)), /^invalid client assertion: /);
  });

  it('refuses an expired assertion (exp 5 minutes ago)', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { exp: nowSeconds() - 300 } }));
    expectInvalidClient(res, 'invalid client assertion: expired');
  });

  it('refuses an assertion without jti', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { omit: ['jti'] }));
    expectInvalidClient(res, 'invalid client assertion: jti claim check failed (missing)');
  });

  it('refuses an assertion without exp', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { omit: ['exp'] }));
    expectInvalidClient(res, 'invalid client assertion: exp claim check failed (missing)');
  });

  it('refuses an assertion without sub', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { omit: ['sub'] }));
    expectInvalidClient(res, 'invalid client assertion: missing sub');
  });

  it('refuses an assertion whose iss is not its sub', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { iss: other.metadata.client_id } }));
    expectInvalidClient(res, 'invalid client assertion: iss and sub must be the client_id');
  });

  it('refuses exp more than clientAssertionMaxLifetime (300 s) ahead, accepts exactly 300 s', async () => {
    const tooLong = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { exp: nowSeconds() + 360 } }));
    expectInvalidClient(tooLong, 'invalid client assertion: exp is more than 300 seconds ahead');
    // The server's clock is at or after ours, so now + 300 is never more than 300 s ahead of it.
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { exp: nowSeconds() + 300 } })));
  });

  it('accepts iat 8 s in the future (within the 10 s clock skew)', async () => {
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { iat: nowSeconds() + 8 } })));
  });

  it('refuses iat 70 s in the future', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { iat: nowSeconds() + 70 } }));
    expectInvalidClient(res, 'invalid client assertion: iat is in the future');
  });

  it('accepts nbf 8 s in the future (within the 10 s clock skew)', async () => {
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer, { claims: { nbf: nowSeconds() + 8 } })));
  });

  it("refuses an assertion signed with another client's key", async () => {
    const foreignKeyOwnKid = await clientAssertion({ ...jwt, privateKey: other.privateKey }, t.issuer);
    expectInvalidClient(await pushAssertion(t, foreignKeyOwnKid), 'invalid client assertion: signature verification failed');
    const foreignKeyAndKid = await clientAssertion({ ...jwt, privateKey: other.privateKey, kid: other.kid }, t.issuer);
    expectInvalidClient(await pushAssertion(t, foreignKeyAndKid), 'invalid client assertion: no registered key matches');
  });

  it('refuses a wrong client_assertion_type', async () => {
    const assertion = await clientAssertion(jwt, t.issuer);
    for (const type of ['urn:ietf:params:oauth:client-assertion-type:saml2-bearer', '']) {
      const res = await pushAssertion(t, assertion, { client_assertion_type: type });
      expectInvalidClient(res, `client_assertion_type must be ${JWT_BEARER}`);
    }
  });

  it('refuses a client_assertion that is not a JWT', async () => {
    for (const assertion of ['not-a-jwt', 'a.b.c']) {
      expectInvalidClient(await pushAssertion(t, assertion), 'client_assertion is not a well-formed JWT');
    }
  });

  it('refuses a body client_id other than the assertion sub', async () => {
    const res = await pushAssertion(t, await clientAssertion(jwt, t.issuer), { client_id: other.metadata.client_id });
    expectInvalidClient(res, 'client_id does not match the authenticated client');
  });

  it('refuses a replayed assertion (same jti): first 201, then 401', async () => {
    const assertion = await clientAssertion(jwt, t.issuer);
    expectPushed(await pushAssertion(t, assertion));
    expectInvalidClient(await pushAssertion(t, assertion), /already been used/);
  });

  it('never puts the assertion in an error answer', async () => {
    const cases = await Promise.all([
      clientAssertion({ ...jwt, privateKey: other.privateKey }, t.issuer),
      clientAssertion(jwt, `${t.issuer}/token`),
      clientAssertion(jwt, t.issuer, { claims: { exp: nowSeconds() - 300 } }),
      clientAssertion(rs, t.issuer),
    ]);
    for (const assertion of [...cases, 'not-a-jwt-but-secret-looking-0123456789']) {
      const res = await pushAssertion(t, assertion);
      expect(res.status).toBe(401);
      expectNotEchoed(res, jwtParts(assertion));
    }
  });
});

describe('private_key_jwt jti replay across two app instances on one database', () => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;
  let jwt: JwtClientFixture;

  beforeAll(async () => {
    jwt = await makeJwtClient();
    db = await createTestDatabase();
    first = await createTestApp({ database: db, par: { clients: [jwt.metadata] } });
    // Same issuer string: the two instances stand for one authorization server behind a load balancer.
    second = await createTestApp({ database: db, par: { clients: [jwt.metadata], issuer: first.issuer } });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await db?.drop();
  });

  it('refuses at instance 2 an assertion already used at instance 1', async () => {
    expect(second.issuer).toBe(first.issuer);
    const assertion = await clientAssertion(jwt, first.issuer);
    expectPushed(await pushAssertion(first, assertion));
    expectInvalidClient(await pushAssertion(second, assertion), /already been used/);
    // Instance 2 does accept assertions: the refusal was the replay, nothing else.
    expectPushed(await pushAssertion(second, await clientAssertion(jwt, first.issuer)));
  });
});

/** One app with the given audience policy and a private_key_jwt client, for the policy tests. */
function audiencePolicySuite(policy: ClientAssertionAudiencePolicy, body: (context: () => { t: TestApp; jwt: JwtClientFixture }) => void): void {
  describe(`private_key_jwt with clientAssertionAudience '${policy}'`, () => {
    let db: TestDatabase;
    let t: TestApp;
    let jwt: JwtClientFixture;
    beforeAll(async () => {
      jwt = await makeJwtClient();
      db = await createTestDatabase();
      t = await createTestApp({ database: db, par: { clients: [jwt.metadata], clientAssertionAudience: policy } });
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });
    body(() => ({ t, jwt }));
  });
}

audiencePolicySuite('issuer-string', (context) => {
  it('accepts aud = the issuer string', async () => {
    const { t, jwt } = context();
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, t.issuer)));
  });

  it('refuses aud ["issuer"] (FAPI 2.0 §5.3.2.1-8: a string)', async () => {
    const { t, jwt } = context();
    expectInvalidClient(await pushAssertion(t, await clientAssertion(jwt, [t.issuer])), 'invalid client assertion: aud is not accepted');
  });
});

audiencePolicySuite('lenient', (context) => {
  it('accepts aud = the PAR endpoint URL', async () => {
    const { t, jwt } = context();
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, `${t.issuer}/par`)));
  });

  it('accepts aud = the token endpoint URL', async () => {
    const { t, jwt } = context();
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, `${t.issuer}/token`)));
  });

  it('accepts aud [issuer, another audience]', async () => {
    const { t, jwt } = context();
    expectPushed(await pushAssertion(t, await clientAssertion(jwt, [t.issuer, 'https://other'])));
  });

  it('refuses aud naming only another audience', async () => {
    const { t, jwt } = context();
    expectInvalidClient(await pushAssertion(t, await clientAssertion(jwt, 'https://other')), 'invalid client assertion: aud is not accepted');
  });
});
