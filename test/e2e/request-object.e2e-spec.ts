import { randomBytes, randomUUID } from 'node:crypto';
import { CompactEncrypt, CompactSign, type CryptoKey, generateKeyPair, type JWTHeaderParameters, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionService, type ClientMetadata } from '../../src/par/index.js';
import { sha256 } from '../../src/par/common/secrets.js';
import { BASIC_CLIENT, type JwtClientFixture, makeJwtClient } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { browserRequest, queryOf, startInteraction } from '../support/flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from '../support/oauth.js';
import { tamperSignature } from '../support/tokens.js';

/*
 * Request objects (JAR, RFC 9101) inside pushed authorization requests (RFC 9126 §3), with the checks
 * of the FAPI 2.0 Message Signing conformance modules (REQUIREMENTS §2.2, §6.3).
 */

const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:([A-Za-z0-9_-]{43})$/;
const SECRET = 'jar-client-secret-0123456789abcdef0123456789';
/** Our issuer is http on loopback: oauth4webapi refuses http unless told otherwise. */
const HTTP = { [oauth.allowInsecureRequests]: true } as const;
const ALLOWED_ALGS = 'request object alg must be one of ES256, PS256, EdDSA';

/** Who signs request objects: a client's id, private key and its registered kid. */
interface Signer {
  clientId: string;
  privateKey: CryptoKey;
  kid: string;
  alg: string;
}

/** A client that authenticates with client_secret_basic and registers `jwks` for its request objects. */
interface JarClient {
  metadata: ClientMetadata & { client_secret: string; redirect_uris: readonly [string] };
  signer: Signer;
}

async function jarClient(clientId: string, alg: JwtClientFixture['alg'] = 'ES256', extra: Partial<ClientMetadata> = {}): Promise<JarClient> {
  const keys = await makeJwtClient(clientId, alg);
  return {
    metadata: {
      ...keys.metadata,
      ...extra,
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: SECRET,
      redirect_uris: [`https://${clientId}.example.org/cb`] as const,
    },
    signer: { clientId, privateKey: keys.privateKey, kid: keys.kid, alg },
  };
}

function signerOf(fixture: JwtClientFixture): Signer {
  return { clientId: fixture.metadata.client_id, privateKey: fixture.privateKey, kid: fixture.kid, alg: fixture.alg };
}

interface ObjectOptions {
  /** Claims over the defaults (an undefined value removes the claim). */
  claims?: Record<string, unknown>;
  /** Protected header members over `{ alg, kid, typ: 'oauth-authz-req+jwt' }` (undefined removes one). */
  header?: Record<string, unknown>;
  /** The client the object names (iss, client_id) when it is not the signer. */
  clientId?: string;
  redirectUri: string;
}

/** A valid request object's claims: a whole authorization request plus iss, aud, exp, nbf, iat, jti, client_id. */
function objectClaims(issuer: string, clientId: string, redirectUri: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    ...authorizationParams(redirectUri, { state: 'inside-state', nonce: 'inside-nonce' }),
    iss: clientId,
    aud: issuer,
    client_id: clientId,
    iat: now,
    nbf: now,
    exp: now + 60,
    jti: randomUUID(),
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

async function signObject(issuer: string, signer: Signer, options: ObjectOptions): Promise<string> {
  const claims = objectClaims(issuer, options.clientId ?? signer.clientId, options.redirectUri, options.claims);
  const header: Record<string, unknown> = { alg: signer.alg, kid: signer.kid, typ: 'oauth-authz-req+jwt', ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(claims).setProtectedHeader(header as JWTHeaderParameters).sign(signer.privateKey);
}

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
function unsecured(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'oauth-authz-req+jwt' })}.${part(claims)}.`;
}

/** A whole-string match, for exact error_description values. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** 400 invalid_request_object with exactly `description`, which never repeats the request object. */
function expectInvalidObject(res: Response, description: string, requestObject: string): void {
  expectOAuthError(res, 400, 'invalid_request_object', exactly(description));
  const answer = `${res.text}\n${JSON.stringify(res.headers)}`;
  for (const part of [requestObject, ...requestObject.split('.')].filter((p) => p.length > 8)) expect(answer).not.toContain(part);
}

function expectPushed(res: Response): string {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201, body: { request_uri: expect.stringMatching(REQUEST_URI), expires_in: 60 } });
  return res.body.request_uri as string;
}

describe('POST /par with a request object (RFC 9126 §3, RFC 9101)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jar: JarClient;
  let psClient: JarClient;
  let edClient: JarClient;
  let other: JarClient;
  let signedOnly: JarClient;
  let twoKeys: JarClient & { secondSigner: Signer };

  /** POST /par as `client` (HTTP Basic) with these form parameters. */
  const push = (client: JarClient, body: Record<string, string>): request.Test =>
    request(t.server).post('/par').set('Authorization', basicAuth(client.metadata.client_id, client.metadata.client_secret)).type('form').send(form(body));
  /** Pushes `request` alone, as `client`. */
  const pushObject = (client: JarClient, requestObject: string): request.Test => push(client, { request: requestObject });
  /** A request object of `client` (signed by its own key unless `signer` says otherwise). */
  const objectOf = (client: JarClient, options: Partial<ObjectOptions> = {}, signer: Signer = client.signer): Promise<string> =>
    signObject(t.issuer, signer, { redirectUri: client.metadata.redirect_uris[0], ...options });

  beforeAll(async () => {
    db = await createTestDatabase();
    [jar, psClient, edClient, other, signedOnly] = await Promise.all([
      jarClient('jar-client'),
      jarClient('jar-ps-client', 'PS256'),
      jarClient('jar-ed-client', 'EdDSA'),
      jarClient('other-client'),
      jarClient('signed-only-client', 'ES256', { require_signed_request_object: true }),
    ]);
    // Two keys of one type, neither named by the header's kid in the test that uses it.
    const first = await jarClient('two-keys-client');
    const second = await makeJwtClient('two-keys-client-b');
    const secondKey = { ...second.metadata.jwks!.keys[0]!, kid: 'two-keys-client-key-2' };
    twoKeys = {
      metadata: { ...first.metadata, jwks: { keys: [first.metadata.jwks!.keys[0]!, secondKey] } },
      signer: first.signer,
      secondSigner: { ...signerOf(second), clientId: first.signer.clientId, kid: 'two-keys-client-key-2' },
    };
    t = await createTestApp({
      database: db,
      par: {
        clients: [BASIC_CLIENT, jar.metadata, psClient.metadata, edClient.metadata, other.metadata, signedOnly.metadata, twoKeys.metadata],
        authorizationDetailsTypes: { payment_initiation: (detail) => (typeof detail.creditorName === 'string' ? undefined : 'creditorName must be a string') },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  describe('a valid request object', () => {
    it('is accepted (201); only its parameters are stored, the form parameters next to it are ignored (JAR §5)', async () => {
      const { challenge } = pkcePair();
      const requestObject = await objectOf(jar, { claims: { code_challenge: challenge, scope: 'openid profile openid', max_age: 300, login_hint: 'alice' } });
      const res = await push(jar, {
        request: requestObject,
        response_type: 'token',
        redirect_uri: 'https://evil.example/cb',
        scope: 'openid admin',
        state: 'outside-state',
        prompt: 'none',
        code_challenge_method: 'plain',
      });
      const reference = REQUEST_URI.exec(expectPushed(res))?.[1] ?? '';
      const rows = await db.query<{ client_id: string; parameters: Record<string, unknown> }>('SELECT client_id, parameters FROM par_pushed_request WHERE reference_hash = $1', [sha256(reference)]);
      expect(rows).toEqual([
        {
          client_id: jar.signer.clientId,
          parameters: {
            client_id: jar.signer.clientId,
            response_type: 'code',
            redirect_uri: jar.metadata.redirect_uris[0],
            scope: 'openid profile',
            code_challenge: challenge,
            code_challenge_method: 'S256',
            state: 'inside-state',
            nonce: 'inside-nonce',
            max_age: 300,
            login_hint: 'alice',
          },
        },
      ]);
    });

    it('hands JSON members (authorization_details, claims) to their checks as JSON text', async () => {
      const details = [{ type: 'payment_initiation', creditorName: 'Merchant A', instructedAmount: { currency: 'EUR', amount: '12.00' } }];
      const claims = { id_token: { email: { essential: true } }, userinfo: { name: null } };
      const res = await pushObject(jar, await objectOf(jar, { claims: { authorization_details: details, claims } }));
      const reference = REQUEST_URI.exec(expectPushed(res))?.[1] ?? '';
      const rows = await db.query<{ parameters: Record<string, unknown> }>('SELECT parameters FROM par_pushed_request WHERE reference_hash = $1', [sha256(reference)]);
      expect(rows[0]?.parameters).toMatchObject({ authorization_details: details, claims });
      expectOAuthError(
        await pushObject(jar, await objectOf(jar, { claims: { authorization_details: { type: 'payment_initiation' } } })),
        400,
        'invalid_authorization_details',
        exactly('authorization_details must be a JSON array'),
      );
      expectOAuthError(
        await pushObject(jar, await objectOf(jar, { claims: { authorization_details: [{ type: 'payment_initiation' }] } })),
        400,
        'invalid_authorization_details',
        exactly('authorization_details[0] (payment_initiation): creditorName must be a string'),
      );
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { claims: ['id_token'] } })), 400, 'invalid_request', exactly('claims must be a JSON object'));
    });

    it('is the whole request: a parameter sent only in the form is missing', async () => {
      const requestObject = await objectOf(jar, { claims: { redirect_uri: undefined } });
      const res = await push(jar, { request: requestObject, redirect_uri: jar.metadata.redirect_uris[0] });
      expectOAuthError(res, 400, 'invalid_request', exactly('missing required parameter redirect_uri'));
    });

    it('goes through the same checks as a plain push (RFC 9126 §2.1 step 3)', async () => {
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { scope: 'openid admin' } })), 400, 'invalid_scope', exactly('scope "admin" is not allowed for this client'));
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { code_challenge_method: 'plain' } })), 400, 'invalid_request', exactly('code_challenge_method must be S256'));
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { redirect_uri: 'https://evil.example/cb' } })), 400, 'invalid_request', exactly('redirect_uri is not registered for this client'));
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { max_age: -1 } })), 400, 'invalid_request', exactly('max_age must be a non-negative integer'));
      expectOAuthError(await pushObject(jar, await objectOf(jar, { claims: { response_type: 'code id_token' } })), 400, 'unsupported_response_type');
    });

    it.each([
      ['ES256', () => jar],
      ['PS256', () => psClient],
      ['EdDSA', () => edClient],
    ] as const)('is accepted signed with %s', async (_alg, client) => {
      expectPushed(await pushObject(client(), await objectOf(client())));
    });

    it.each([['JWT'], ['jwt'], ['application/oauth-authz-req+jwt'], [undefined]])('is accepted with typ %s', async (typ) => {
      expectPushed(await pushObject(jar, await objectOf(jar, { header: { typ } })));
    });

    it('is accepted without kid when the client has one key of that type', async () => {
      expectPushed(await pushObject(jar, await objectOf(jar, { header: { kid: undefined } })));
    });

    it('is accepted without kid when the client has several keys of that type, whichever signed it', async () => {
      expectPushed(await pushObject(twoKeys, await objectOf(twoKeys, { header: { kid: undefined } })));
      expectPushed(await pushObject(twoKeys, await objectOf(twoKeys, { header: { kid: undefined } }, twoKeys.secondSigner)));
      expectPushed(await pushObject(twoKeys, await objectOf(twoKeys, {}, twoKeys.secondSigner)));
    });

    it('is accepted with nbf 8 seconds in the future (within clockSkew)', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectPushed(await pushObject(jar, await objectOf(jar, { claims: { nbf: now + 8, iat: now + 8, exp: now + 68 } })));
    });

    it('is accepted with an aud array that contains the issuer among other values', async () => {
      expectPushed(await pushObject(jar, await objectOf(jar, { claims: { aud: ['https://other.example.com', t.issuer] } })));
    });

    it('is accepted with exactly one hour between nbf and exp', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectPushed(await pushObject(jar, await objectOf(jar, { claims: { nbf: now - 600, exp: now + 3000 } })));
    });

    it('is accepted without jti (optional), even twice', async () => {
      const requestObject = await objectOf(jar, { claims: { jti: undefined } });
      expectPushed(await pushObject(jar, requestObject));
      expectPushed(await pushObject(jar, requestObject));
    });

    it('still needs client authentication: the object alone authenticates nobody (401)', async () => {
      const res = await request(t.server).post('/par').type('form').send(form({ request: await objectOf(jar) }));
      expectOAuthError(res, 401, 'invalid_client', exactly('client authentication is required'));
    });

    it('does not allow request_uri next to it (RFC 9126 §2.1: invalid_request)', async () => {
      const res = await push(jar, { request: await objectOf(jar), request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
      expectOAuthError(res, 400, 'invalid_request', exactly('request_uri must not be used at the pushed authorization request endpoint'));
    });
  });

  describe('form: invalid_request_object', () => {
    it('refuses an encrypted request object (JWE)', async () => {
      const { publicKey } = await generateKeyPair('ECDH-ES', { extractable: true });
      const jwe = await new CompactEncrypt(new TextEncoder().encode(await objectOf(jar)))
        .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'JWT' })
        .encrypt(publicKey);
      expect(jwe.split('.')).toHaveLength(5);
      expectInvalidObject(await pushObject(jar, jwe), 'encrypted request objects are not supported', jwe);
    });

    it.each([['not-a-jwt'], ['a.b'], ['a.b.c.d'], ['a.b!.c']])('refuses %s: not a compact JWS', async (value) => {
      expectOAuthError(await pushObject(jar, value), 400, 'invalid_request_object', exactly('request is not a JWS in compact serialization'));
    });

    it('refuses a header that is not JSON', async () => {
      const garbage = `${Buffer.from('{not json').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;
      expectInvalidObject(await pushObject(jar, garbage), 'request has a malformed JWS header', garbage);
    });

    it('refuses a payload that is not a JSON object', async () => {
      const jws = await new CompactSign(new TextEncoder().encode('["response_type","code"]')).setProtectedHeader({ alg: 'ES256', kid: jar.signer.kid }).sign(jar.signer.privateKey);
      expectInvalidObject(await pushObject(jar, jws), 'request object payload is not a JSON object', jws);
    });
  });

  describe('signature (RFC 9101 §6.2): invalid_request_object', () => {
    it('refuses alg none', async () => {
      const none = unsecured(objectClaims(t.issuer, jar.signer.clientId, jar.metadata.redirect_uris[0]));
      expectInvalidObject(await pushObject(jar, none), ALLOWED_ALGS, none);
    });

    it('refuses RS256 (FAPI 2.0 §5.4), even from a registered RSA key', async () => {
      const rsa = await jarClient('rsa-client', 'RS256');
      const rs256 = await signObject(t.issuer, rsa.signer, { redirectUri: rsa.metadata.redirect_uris[0], clientId: jar.signer.clientId });
      expectInvalidObject(await pushObject(jar, rs256), ALLOWED_ALGS, rs256);
    });

    it('refuses HS256 (a MAC is not a signature of the client)', async () => {
      const hs256 = await new SignJWT(objectClaims(t.issuer, jar.signer.clientId, jar.metadata.redirect_uris[0]))
        .setProtectedHeader({ alg: 'HS256', typ: 'oauth-authz-req+jwt' })
        .sign(new TextEncoder().encode(SECRET));
      expectInvalidObject(await pushObject(jar, hs256), ALLOWED_ALGS, hs256);
    });

    it('refuses an invalid signature', async () => {
      const tampered = tamperSignature(await objectOf(jar));
      expectInvalidObject(await pushObject(jar, tampered), 'request object signature verification failed', tampered);
    });

    it("refuses an object signed with another client's key (conformance: ensure-matching-key-in-authorization-request)", async () => {
      const withOtherKid = await objectOf(jar, {}, other.signer);
      expectInvalidObject(await pushObject(jar, withOtherKid), 'the kid of the request object does not identify a key registered for the client', withOtherKid);
      const withOwnKid = await objectOf(jar, { header: { kid: jar.signer.kid } }, other.signer);
      expectInvalidObject(await pushObject(jar, withOwnKid), 'request object signature verification failed', withOwnKid);
      const withoutKid = await objectOf(jar, { header: { kid: undefined } }, other.signer);
      expectInvalidObject(await pushObject(jar, withoutKid), 'request object signature verification failed', withoutKid);
    });

    it('refuses a kid that names no registered key', async () => {
      const unknownKid = await objectOf(jar, { header: { kid: 'no-such-key' } });
      expectInvalidObject(await pushObject(jar, unknownKid), 'the kid of the request object does not identify a key registered for the client', unknownKid);
    });

    it('refuses an alg for which the client registered no key', async () => {
      const edSigned = await objectOf(jar, { header: { kid: undefined } }, edClient.signer);
      expectInvalidObject(await pushObject(jar, edSigned), 'no key registered for the client fits the alg of the request object', edSigned);
    });

    it('refuses request objects from a client without registered jwks', async () => {
      const requestObject = await objectOf(jar, { clientId: BASIC_CLIENT.client_id });
      const res = await request(t.server).post('/par').set('Authorization', basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret)).type('form').send(form({ request: requestObject }));
      expectInvalidObject(res, 'the client has no registered jwks, so it cannot sign request objects', requestObject);
    });

    it.each([['at+jwt'], ['logout+jwt'], ['client-authentication+jwt']])('refuses typ %s', async (typ) => {
      const typed = await objectOf(jar, { header: { typ } });
      expectInvalidObject(await pushObject(jar, typed), 'request object typ must be oauth-authz-req+jwt or JWT', typed);
    });
  });

  describe('claims: invalid_request_object', () => {
    const now = (): number => Math.floor(Date.now() / 1000);

    it.each([
      ['iss missing', { iss: undefined }, 'request object iss must be the client_id'],
      ['iss of another client', { iss: 'other-client' }, 'request object iss must be the client_id'],
      ['aud missing', { aud: undefined }, 'request object aud must be the issuer identifier'],
      ['aud an unrelated URL', { aud: 'https://as.example.com' }, 'request object aud must be the issuer identifier'],
      ['aud an array without the issuer', { aud: ['https://as.example.com'] }, 'request object aud must be the issuer identifier'],
      ['exp missing', { exp: undefined }, 'request object exp is required and must be a NumericDate'],
      ['exp a string', { exp: 'tomorrow' }, 'request object exp is required and must be a NumericDate'],
      ['nbf missing', { nbf: undefined }, 'request object nbf is required and must be a NumericDate'],
      ['client_id missing', { client_id: undefined }, 'request object client_id is required'],
      ['client_id of another client', { client_id: 'other-client' }, 'request object client_id does not match the authenticated client'],
      ['request_uri inside', { request_uri: 'urn:ietf:params:oauth:request_uri:abc' }, 'request object must not contain request or request_uri'],
      ['request inside', { request: 'a.b.c' }, 'request object must not contain request or request_uri'],
      ['jti a number', { jti: 42 }, 'request object jti must be a non-empty string of at most 512 characters'],
      ['jti empty', { jti: '' }, 'request object jti must be a non-empty string of at most 512 characters'],
    ] as const)('refuses %s', async (_case, claims, description) => {
      const requestObject = await objectOf(jar, { claims });
      expectInvalidObject(await pushObject(jar, requestObject), description, requestObject);
    });

    it.each([
      ['the PAR endpoint URL', (issuer: string) => `${issuer}/par`],
      ['the token endpoint URL', (issuer: string) => `${issuer}/token`],
      ['the issuer with a trailing slash', (issuer: string) => `${issuer}/`],
    ])('refuses aud = %s (FAPI 1.0 par-pushed-authorization-url-as-audience-in-request-object)', async (_case, aud) => {
      const requestObject = await objectOf(jar, { claims: { aud: aud(t.issuer) } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object aud must be the issuer identifier', requestObject);
    });

    it('refuses an expired object', async () => {
      const requestObject = await objectOf(jar, { claims: { nbf: now() - 120, iat: now() - 120, exp: now() - 60 } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object has expired', requestObject);
    });

    it('refuses nbf 60 seconds in the future', async () => {
      const requestObject = await objectOf(jar, { claims: { nbf: now() + 60, iat: now() + 60, exp: now() + 120 } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object is not valid yet (nbf is in the future)', requestObject);
    });

    it('refuses exp more than 60 minutes after nbf (conformance: with-exp-over-60-fails)', async () => {
      const requestObject = await objectOf(jar, { claims: { nbf: now(), exp: now() + 3601 } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object lifetime (exp - nbf) must not exceed 3600 seconds', requestObject);
    });

    it('refuses nbf more than 60 minutes in the past (conformance: with-nbf-over-60-fails)', async () => {
      const requestObject = await objectOf(jar, { claims: { nbf: now() - 3700, exp: now() + 60 } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object lifetime (exp - nbf) must not exceed 3600 seconds', requestObject);
    });

    it('refuses exp not after nbf', async () => {
      const requestObject = await objectOf(jar, { claims: { nbf: now(), exp: now() } });
      expectInvalidObject(await pushObject(jar, requestObject), 'request object exp must be after nbf', requestObject);
    });

    it('refuses a replayed jti, per client; an object refused by its own checks does not use up its jti', async () => {
      const jti = randomUUID();
      const badAud = await objectOf(jar, { claims: { jti, aud: 'https://as.example.com' } });
      expectInvalidObject(await pushObject(jar, badAud), 'request object aud must be the issuer identifier', badAud);
      const valid = await objectOf(jar, { claims: { jti } });
      expectPushed(await pushObject(jar, valid));
      expectInvalidObject(await pushObject(jar, valid), 'request object jti has already been used', valid);
      expectInvalidObject(await pushObject(jar, await objectOf(jar, { claims: { jti } })), 'request object jti has already been used', '');
      // The same jti from another client is that client's own.
      expectPushed(await pushObject(other, await objectOf(other, { claims: { jti } })));
    });

    it('accepts exactly one of concurrent pushes of the same object', async () => {
      const requestObject = await objectOf(jar, { claims: { jti: randomBytes(16).toString('hex') } });
      const results = await Promise.all(Array.from({ length: 5 }, () => pushObject(jar, requestObject)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400]);
    });
  });

  describe('require_signed_request_object (RFC 9101 §10.5, RFC 9126 §2.3)', () => {
    it('refuses a push without request from a client registered with it: invalid_request', async () => {
      const res = await push(signedOnly, authorizationParams(signedOnly.metadata.redirect_uris[0]));
      expectOAuthError(res, 400, 'invalid_request', exactly('a signed request object (request) is required for this client'));
    });

    it('accepts its signed pushes, and the request_uri works at /authorize', async () => {
      const requestUri = expectPushed(await pushObject(signedOnly, await objectOf(signedOnly)));
      await startInteraction(t, signedOnly.signer.clientId, requestUri);
    });

    it('refuses its plain (non-PAR) authorization requests: invalid_request', async () => {
      const res = await request(t.server).get('/authorize').query({ ...authorizationParams(signedOnly.metadata.redirect_uris[0]), client_id: signedOnly.signer.clientId });
      expectOAuthError(res, 400, 'invalid_request', exactly('signed request objects are required: push one to the pushed authorization request endpoint'));
    });

    it('leaves other clients free to push plain requests', async () => {
      expectPushed(await push(jar, authorizationParams(jar.metadata.redirect_uris[0])));
    });
  });

  describe('GET /authorize', () => {
    it('takes only client_id and request_uri of a pushed request object (JAR §5, no duplicated parameters)', async () => {
      const requestUri = expectPushed(await pushObject(jar, await objectOf(jar)));
      const { uid, cookie } = await startInteraction(t, jar.signer.clientId, requestUri);
      const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'user-1' });
      expect(location.startsWith(`${jar.metadata.redirect_uris[0]}?`)).toBe(true);
      expect(queryOf(location)).toMatchObject({ state: 'inside-state', iss: t.issuer });
    });

    it('still answers a request object sent to it directly (not pushed) with request_not_supported', async () => {
      const redirectUri = jar.metadata.redirect_uris[0];
      const res = await request(t.server).get('/authorize').query({ ...authorizationParams(redirectUri, { state: 'st-direct' }), client_id: jar.signer.clientId, request: await objectOf(jar) });
      expect(res.status).toBe(303);
      expect(queryOf(res.headers.location as string)).toEqual({ error: 'request_not_supported', error_description: 'request objects are not supported', state: 'st-direct', iss: t.issuer });
    });
  });

  it('is advertised in discovery (RFC 8414 §2, RFC 9101 §10.5)', async () => {
    const res = await request(t.server).get('/.well-known/oauth-authorization-server');
    expect(res.body).toMatchObject({
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
      require_signed_request_object: false,
    });
  });
});

describe('requireSignedRequestObject option', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jar: JarClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    jar = await jarClient('jar-client');
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, jar.metadata], requireSignedRequestObject: true } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses every push without request: invalid_request (RFC 9126 §2.3)', async () => {
    for (const [client, secret, redirectUri] of [
      [BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret, BASIC_CLIENT.redirect_uris[0]],
      [jar.signer.clientId, SECRET, jar.metadata.redirect_uris[0]],
    ] as const) {
      const res = await request(t.server).post('/par').set('Authorization', basicAuth(client, secret)).type('form').send(form(authorizationParams(redirectUri)));
      expectOAuthError(res, 400, 'invalid_request', exactly('a signed request object (request) is required for this client'));
    }
  });

  it('refuses an empty request parameter the same way', async () => {
    const res = await request(t.server).post('/par').set('Authorization', basicAuth(jar.signer.clientId, SECRET)).type('form').send(form({ ...authorizationParams(jar.metadata.redirect_uris[0]), request: '' }));
    expectOAuthError(res, 400, 'invalid_request', exactly('a signed request object (request) is required for this client'));
  });

  it('accepts signed pushes', async () => {
    const requestObject = await signObject(t.issuer, jar.signer, { redirectUri: jar.metadata.redirect_uris[0] });
    const res = await request(t.server).post('/par').set('Authorization', basicAuth(jar.signer.clientId, SECRET)).type('form').send(form({ request: requestObject }));
    expectPushed(res);
  });

  it('refuses plain authorization requests at /authorize: invalid_request', async () => {
    const res = await request(t.server).get('/authorize').query({ ...authorizationParams(BASIC_CLIENT.redirect_uris[0]), client_id: BASIC_CLIENT.client_id });
    expectOAuthError(res, 400, 'invalid_request', exactly('signed request objects are required: push one to the pushed authorization request endpoint'));
  });

  it('says so in discovery', async () => {
    const res = await request(t.server).get('/.well-known/openid-configuration');
    expect(res.body).toMatchObject({ request_parameter_supported: true, request_object_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'], require_signed_request_object: true });
  });
});

describe('oauth4webapi builds and pushes the request object (full flow)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jwtClient: JwtClientFixture;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    jwtClient = await makeJwtClient('jar-jwt-client');
    t = await createTestApp({ database: db, par: { clients: [{ ...jwtClient.metadata, require_signed_request_object: true }] } });
    const issuer = new URL(t.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, HTTP));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('issueRequestObject + pushedAuthorizationRequest (private_key_jwt), /authorize with client_id + request_uri, then tokens', async () => {
    const client: oauth.Client = { client_id: jwtClient.metadata.client_id };
    const key = { key: jwtClient.privateKey, kid: jwtClient.kid };
    const auth = oauth.PrivateKeyJwt(key);
    const redirectUri = jwtClient.metadata.redirect_uris[0] ?? '';
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const requestObject = await oauth.issueRequestObject(
      as,
      client,
      {
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid profile',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        max_age: '600',
      },
      key,
    );
    const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, { request: requestObject }, HTTP));
    expect(pushed.request_uri).toMatch(REQUEST_URI);
    const reference = REQUEST_URI.exec(pushed.request_uri)?.[1] ?? '';
    const rows = await db.query<{ parameters: Record<string, unknown> }>('SELECT parameters FROM par_pushed_request WHERE reference_hash = $1', [sha256(reference)]);
    expect(rows[0]?.parameters).toMatchObject({ client_id: client.client_id, state, nonce, max_age: 600, redirect_uri: redirectUri });

    const { uid, cookie } = await startInteraction(t, client.client_id, pushed.request_uri);
    const callback = new URL(await t.app.get(InteractionService).finish(uid, browserRequest(cookie), { subject: 'alice', authTime: Math.floor(Date.now() / 1000) }));
    const parameters = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, redirectUri, verifier, HTTP);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true, maxAge: 600 });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: 'alice', aud: client.client_id, nonce });
  });

  it('a plain push of the same client is refused with invalid_request, which oauth4webapi surfaces', async () => {
    const client: oauth.Client = { client_id: jwtClient.metadata.client_id };
    const auth = oauth.PrivateKeyJwt({ key: jwtClient.privateKey, kid: jwtClient.kid });
    const params = authorizationParams(jwtClient.metadata.redirect_uris[0] ?? '');
    const error: unknown = await oauth
      .processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, HTTP))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect(error).toMatchObject({ status: 400, error: 'invalid_request', error_description: 'a signed request object (request) is required for this client' });
  });
});
