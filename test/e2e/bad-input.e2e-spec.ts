import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { basicAuth } from '../support/oauth.js';

const AUTH = basicAuth(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret);
const SECRET = BASIC_CLIENT.client_secret;

/** Malformed form bodies: broken percent-encoding, odd names, control characters, nested and repeated keys. */
const BODIES = [
  '',
  '%',
  'a=%zz&b=%E0%A4%A',
  '=&&==&',
  `${'x'.repeat(5000)}=1`,
  'client_id=%00&response_type=%00&redirect_uri=%00',
  'grant_type=authorization_code&code=%F0%9F%92%A9&code_verifier[]=x',
  'grant_type[a]=b&scope[0]=openid&authorization_details[type]=x',
  'grant_type=refresh_token&refresh_token=' + 'r'.repeat(2000),
  'token=a.b.c&token_type_hint=%FF',
  'request=eyJhbGciOiJub25lIn0.e30.&client_id=basic-client',
  'authorization_details=%5B%7B%22type%22%3A%7B%7D%7D%5D&claims=%7B%22id_token%22%3A%5B%5D%7D',
  'dpop_jkt=%22%3E%3Cscript%3E&max_age=99999999999999999999&prompt=%00',
];

/** Authorization headers a client might get wrong. */
const AUTH_HEADERS = [undefined, AUTH, 'Basic', 'Basic %%%', 'Basic ' + Buffer.from(':').toString('base64'), 'Bearer x', 'DPoP', 'x'.repeat(3000)];

describe('bad input never gets a 500, an HTML page or a secret back', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await createTestApp({ database: db, par: { clients: [BASIC_CLIENT, PUBLIC_CLIENT] } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  /** Every answer: below 500, JSON with error and error_description (or an empty success), never cached, no secret. */
  function expectClean(res: request.Response, what: string): void {
    expect(res.status, what).toBeLessThan(500);
    expect(res.text, what).not.toContain(SECRET);
    expect(res.text, what).not.toMatch(/at \w+ \(|node_modules|QueryFailedError|SELECT |INSERT /);
    if (res.status >= 400) {
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
      expect(Object.keys(res.body as object).sort(), what).toEqual(['error', 'error_description']);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
  }

  it.each(['/par', '/token', '/introspect', '/revoke', '/authorize'])('POST %s with malformed form bodies and Authorization headers', async (path) => {
    for (const body of BODIES) {
      for (const authorization of AUTH_HEADERS) {
        let req = request(t.server).post(path).set('Content-Type', 'application/x-www-form-urlencoded');
        if (authorization !== undefined) req = req.set('Authorization', authorization);
        expectClean(await req.send(body), `${path} ${authorization?.slice(0, 20)} ${body.slice(0, 60)}`);
      }
    }
  });

  it.each(['/par', '/token', '/introspect', '/revoke'])('POST %s with a JSON body, a broken DPoP header and a duplicated one', async (path) => {
    expectClean(await request(t.server).post(path).set('Authorization', AUTH).set('Content-Type', 'application/json').send('{"grant_type":'), path);
    expectClean(await request(t.server).post(path).set('Authorization', AUTH).set('DPoP', 'not.a.jwt').type('form').send('grant_type=client_credentials'), path);
    expectClean(await request(t.server).post(path).set('Authorization', AUTH).set('DPoP', 'a').set('DPoP', 'b').type('form').send('grant_type=client_credentials'), path);
  });

  it('GET /authorize with malformed queries', async () => {
    for (const query of BODIES) expectClean(await request(t.server).get(`/authorize?${query}`), query.slice(0, 60));
    expectClean(await request(t.server).get(`/authorize?client_id=${BASIC_CLIENT.client_id}&request_uri=${encodeURIComponent('urn:ietf:params:oauth:request_uri:' + 'é'.repeat(43))}`), 'unicode reference');
  });

  it('GET and POST /userinfo with malformed credentials', async () => {
    for (const authorization of [...AUTH_HEADERS, 'Bearer a.b.c', 'DPoP a.b.c']) {
      let req = request(t.server).get('/userinfo');
      if (authorization !== undefined) req = req.set('Authorization', authorization);
      const res = await req;
      expect(res.status, authorization).toBeLessThan(500);
      expect(res.headers['www-authenticate'], authorization).toBeDefined();
    }
    const res = await request(t.server).post('/userinfo').type('form').send('access_token=%zz');
    expect(res.status).toBeLessThan(500);
  });
});
