import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessToken, type AccessTokenClaims, AccessTokenGuard, ParModule, RequireAccessToken } from '../../src/par/index.js';
import { BASIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { manualClock, obtainTokens, revoke, tamperSignature, tokenRequest } from '../support/tokens.js';

const CLIENT = { ...BASIC_CLIENT, grant_types: ['authorization_code', 'client_credentials'] };
const RESOURCE = 'https://api.example.org/';

/** A host's API, protected by ParModule's guard. */
@Controller('api')
@UseGuards(AccessTokenGuard)
class ApiController {
  @Get('read')
  @RequireAccessToken({ scopes: ['api:read'] })
  read(@AccessToken() claims: AccessTokenClaims): AccessTokenClaims {
    return claims;
  }

  @Get('strict')
  @RequireAccessToken({ scopes: ['api:read'], checkRevocation: true })
  strict(@AccessToken() claims: AccessTokenClaims): AccessTokenClaims {
    return claims;
  }

  @Get('elsewhere')
  @RequireAccessToken({ audience: RESOURCE })
  elsewhere(@AccessToken() claims: AccessTokenClaims): AccessTokenClaims {
    return claims;
  }
}

/** The host's feature module: it imports nothing, the guard comes from the global ParModule. */
@Module({ controllers: [ApiController] })
class ApiModule {}

describe('AccessTokenGuard on a host route (RFC 6750, RFC 9068 §4)', () => {
  let db: TestDatabase;
  let t: TestApp;
  const clock = manualClock();
  let challenge: (error?: string, description?: string, scope?: string) => string;

  /** A client_credentials access token with `scope`. */
  async function accessToken(scope = 'api:read'): Promise<string> {
    const res = await tokenRequest(t, CLIENT, { grant_type: 'client_credentials', scope });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }
  const call = (path: string, authorization?: string): request.Test => {
    const req = request(t.server).get(path);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({
      database: db,
      par: { clients: [CLIENT], clock },
      register: (options) => ParModule.forRoot({ ...options, isGlobal: true }),
      host: { imports: [ApiModule] },
    });
    challenge = (error, description, scope) =>
      `Bearer realm="${t.issuer}"${error === undefined ? '' : `, error="${error}", error_description="${description}"`}${scope === undefined ? '' : `, scope="${scope}"`}`;
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('lets a valid token through and hands the handler its verified claims', async () => {
    const token = await accessToken();
    const res = await call('/api/read', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(decodeJwt(token));
    expect(res.body).toMatchObject({ sub: CLIENT.client_id, client_id: CLIENT.client_id, scope: 'api:read', aud: t.issuer });
  });

  it('accepts a user\'s token from the authorization code flow, and the scheme name in any case', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid api:read' }, result: { subject: 'user-7' } });
    const res = await call('/api/read', `bearer ${tokens.access_token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'user-7', scope: 'openid api:read' });
  });

  it('answers 401 with a bare Bearer challenge, no error code, when no credentials are sent (§3.1)', async () => {
    const res = await call('/api/read');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge());
  });

  it('claims no error in the body either when no credentials are sent (§3.1: no error code or other error information)', async () => {
    const res = await call('/api/read');
    expect(res.status).toBe(401);
    // No token was presented, so none can be an invalid_token.
    expect(res.body).not.toHaveProperty('error');
  });

  it('answers another authentication scheme like no credentials: 401 with a bare challenge (§3.1: "attempted using an unsupported authentication method")', async () => {
    const res = await call('/api/read', 'Basic dXNlcjpwYXNz');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge());
  });

  it('answers 400 invalid_request to a malformed Authorization header', async () => {
    const token = await accessToken();
    for (const header of ['Bearer', `Bearer  ${token}`, `Bearer ${token} extra`, 'Bearer a"b']) {
      const res = await call('/api/read', header);
      expect({ header, status: res.status }).toEqual({ header, status: 400 });
      expect(res.headers['www-authenticate']).toBe(challenge('invalid_request', 'the Authorization header must be Bearer or DPoP followed by the access token'));
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'the Authorization header must be Bearer or DPoP followed by the access token' });
    }
  });

  it('answers 401 invalid_token to an expired token', async () => {
    const token = await accessToken();
    clock.advance(300 + 10 + 1); // past exp and the 10 s clock skew
    const res = await call('/api/read', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token expired'));
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
  });

  it('answers 401 invalid_token to a token whose signature was tampered with', async () => {
    const res = await call('/api/read', `Bearer ${tamperSignature(await accessToken())}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token is invalid'));
  });

  it('answers 401 invalid_token to a token whose claims were changed', async () => {
    const [header, payload, signature] = (await accessToken('profile')).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'api:read' })).toString('base64url');
    const res = await call('/api/read', `Bearer ${header}.${forged}.${signature}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token is invalid'));
  });

  it('answers 401 invalid_token to an ID token (typ is not at+jwt)', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'openid api:read' } });
    const res = await call('/api/read', `Bearer ${tokens.id_token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token is invalid'));
  });

  it('answers 401 invalid_token to a token issued for another resource (RFC 8707), which its own resource accepts', async () => {
    const tokens = await obtainTokens(t, CLIENT, { push: { scope: 'api:read', resource: RESOURCE, nonce: undefined } });
    const res = await call('/api/read', `Bearer ${tokens.access_token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token is not meant for this resource'));
    expect((await call('/api/elsewhere', `Bearer ${tokens.access_token}`)).status).toBe(200);
    expect((await call('/api/elsewhere', `Bearer ${await accessToken()}`)).status).toBe(401);
  });

  it('answers 403 insufficient_scope, naming the scope, to a token without the required scope (§3.1)', async () => {
    const res = await call('/api/read', `Bearer ${await accessToken('profile')}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(challenge('insufficient_scope', 'the access token lacks scope api:read', 'api:read'));
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'the access token lacks scope api:read' });
  });

  it('accepts a revoked token unless the route sets checkRevocation', async () => {
    const token = await accessToken();
    expect((await call('/api/strict', `Bearer ${token}`)).status).toBe(200);
    const revoked = await revoke(t, CLIENT, token);
    expect(revoked.status).toBe(200);
    expect((await call('/api/read', `Bearer ${token}`)).status).toBe(200);
    const res = await call('/api/strict', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge('invalid_token', 'the access token was revoked'));
  });
});
