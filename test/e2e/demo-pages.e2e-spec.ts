import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMetadata } from '../../src/par/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

/**
 * The demo's login and consent pages over plain HTTP (supertest, no browser): escaping, CSRF, wrong
 * passwords, the interaction cookie, prompt=none / prompt=login, headers, and BENCH_AUTO_APPROVE.
 */

const XSS_NAME = `<script>alert(1)</script>&"'`;
const XSS_NAME_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;';

const XSS_CLIENT = {
  client_id: 'xss-client',
  client_name: XSS_NAME,
  client_secret: 'xss-secret-0123456789abcdef0123456789abcd',
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: ['https://xss.example.org/cb'],
  scope: 'openid profile email',
} as const satisfies ClientMetadata;

const PAGES_CLIENT = {
  client_id: 'pages-client',
  client_name: 'Pages Test App',
  client_secret: 'pages-secret-0123456789abcdef0123456789ab',
  token_endpoint_auth_method: 'client_secret_basic',
  redirect_uris: ['https://pages.example.org/cb'],
  scope: 'openid profile email api:read',
} as const satisfies ClientMetadata;

type PushingClient = typeof XSS_CLIENT | typeof PAGES_CLIENT;

const INTERACTION_LOCATION = /^http:\/\/127\.0\.0\.1:\d+(\/interaction\/[A-Za-z0-9_-]{43})$/;
const NO_LONGER_VALID = '<p>This sign-in link is no longer valid. Return to the application and start again.</p>';
/** The demo's CSRF cookie (one per browser today; the name and Path may be made per interaction). */
const CSRF_SET_COOKIE = /^demo_csrf[A-Za-z0-9_-]*=[A-Za-z0-9_-]{43}; Path=\/interaction; Max-Age=3600; HttpOnly; SameSite=Strict$/;
const FORM_EXPIRED = '<p>The form has expired. Go back and try again.</p>';

/** Pushes an authorization request of `client` to the demo; answers its request_uri. */
async function pushTo(demo: DemoApp, client: PushingClient, overrides: Record<string, string | undefined> = {}): Promise<string> {
  const res = await request(demo.server)
    .post('/par')
    .set('Authorization', basicAuth(client.client_id, client.client_secret))
    .type('form')
    .send(form(authorizationParams(client.redirect_uris[0], overrides)));
  expect(res.status, res.text).toBe(201);
  return res.body.request_uri as string;
}

/**
 * A browser's cookies, by hand: what Set-Cookie headers stored (by name and Path, RFC 6265 §5.3),
 * sent back as one Cookie header to the paths they match, longest path first (§5.4).
 */
class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  store(res: request.Response): void {
    for (const header of setCookies(res)) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const path = attributes.map((a) => /^\s*path=(.*)$/i.exec(a)?.[1]?.trim()).find((p) => p !== undefined && p.startsWith('/')) ?? '/';
      const key = `${name};${path}`;
      if (attributes.some((a) => /^\s*max-age=(0|-\d+)\s*$/i.test(a))) this.cookies.delete(key);
      else this.cookies.set(key, { name, value: pair.slice(eq + 1).trim(), path });
    }
  }

  /** Whether a cookie whose name starts with `prefix` is stored. */
  has(prefix: string): boolean {
    return [...this.cookies.values()].some((c) => c.name.startsWith(prefix));
  }

  /** A copy without the cookies whose names start with `prefix`. */
  without(prefix: string): CookieJar {
    const copy = new CookieJar();
    for (const [key, cookie] of this.cookies) if (!cookie.name.startsWith(prefix)) copy.cookies.set(key, cookie);
    return copy;
  }

  /** The Cookie header for a request to `path`. */
  header(path: string): string {
    const matches = (cookiePath: string): boolean =>
      path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'));
    return [...this.cookies.values()]
      .filter((c) => matches(c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

function setCookies(res: request.Response): string[] {
  return ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
}

/** The CSRF token of the page's form. */
function csrfOf(html: string): string {
  const token = /<input type="hidden" name="csrf" value="([A-Za-z0-9_-]{43})">/.exec(html)?.[1];
  expect(token, 'the page has a CSRF field').toBeDefined();
  return token as string;
}

/** Asserts the headers every demo page carries. */
function expectPageHeaders(res: request.Response): void {
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  const csp = res.headers['content-security-policy'] as string | undefined;
  expect(csp).toBeDefined();
  expect(csp?.split(/;\s*/)).toEqual(expect.arrayContaining(["default-src 'none'", "style-src 'unsafe-inline'"]));
  expect(csp).toMatch(/(^|;\s*)form-action 'self'/);
  expect(res.headers['x-frame-options']).toBe('DENY');
}

function expectLoginPage(res: request.Response, clientName: string, status = 200): void {
  expect(res.status).toBe(status);
  expectPageHeaders(res);
  expect(res.text).toContain('<title>Sign in</title>');
  expect(res.text).toContain(`<p><strong>${clientName}</strong> wants you to sign in.</p>`);
  expect(res.text).toContain('<input type="password" id="password" name="password" autocomplete="current-password" required>');
}

function expectConsentPage(res: request.Response, clientName: string): void {
  expect(res.status).toBe(200);
  expectPageHeaders(res);
  expect(res.text).toContain('<title>Allow access</title>');
  expect(res.text).toContain('<p>Signed in as <strong>Alice Liddell</strong>.</p>');
  expect(res.text).toContain(`<p><strong>${clientName}</strong> asks to:</p>`);
  expect(res.text).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
  expect(res.text).not.toContain('type="password"');
}

/** The query of a redirect, after checking that it goes to `redirectUri`. */
function redirectQuery(location: string, redirectUri: string): Record<string, string> {
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(redirectUri);
  return Object.fromEntries(url.searchParams);
}

describe('demo login and consent pages', () => {
  let db: TestDatabase;
  let demo: DemoApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [XSS_CLIENT, PAGES_CLIENT] });
  });
  afterAll(async () => {
    await demo?.close();
    await db?.drop();
  });

  const push = (client: PushingClient, overrides: Record<string, string | undefined> = {}): Promise<string> => pushTo(demo, client, overrides);

  /** Pushes, then opens /authorize in the jar's "browser": returns the interaction path. */
  async function start(jar: CookieJar, client: PushingClient, overrides: Record<string, string | undefined> = {}): Promise<string> {
    const requestUri = await push(client, overrides);
    const res = await request(demo.server).get('/authorize').set('Cookie', jar.header('/authorize')).query({ client_id: client.client_id, request_uri: requestUri });
    expect(res.status, res.text).toBe(303);
    jar.store(res);
    const path = INTERACTION_LOCATION.exec(res.headers.location as string)?.[1];
    expect(path, res.headers.location as string).toBeDefined();
    return path as string;
  }

  async function get(jar: CookieJar, path: string): Promise<request.Response> {
    const res = await request(demo.server).get(path).set('Cookie', jar.header(path)).set('Accept', 'text/html');
    jar.store(res);
    return res;
  }

  async function post(jar: CookieJar, path: string, fields: Record<string, string>): Promise<request.Response> {
    const res = await request(demo.server).post(path).set('Cookie', jar.header(path)).set('Accept', 'text/html').type('form').send(form(fields));
    jar.store(res);
    return res;
  }

  /** Signs alice in on the interaction's login page; answers the consent page. */
  async function signIn(jar: CookieJar, path: string): Promise<request.Response> {
    const page = await get(jar, path);
    expect(page.status).toBe(200);
    const res = await post(jar, `${path}/login`, { csrf: csrfOf(page.text), username: 'alice', password: 'wonderland' });
    expect(res.status, res.text).toBe(200);
    expect(jar.has('demo_session')).toBe(true);
    return res;
  }

  it('escapes the client name (and login_hint) on the login page', async () => {
    const jar = new CookieJar();
    const path = await start(jar, XSS_CLIENT, { login_hint: `"><script>alert(2)</script>` });
    const res = await get(jar, path);
    expectLoginPage(res, XSS_NAME_ESCAPED);
    expect(res.text).not.toContain(XSS_NAME);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('name="username" autocomplete="username" value="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" required>');
    expect(setCookies(res)).toEqual([expect.stringMatching(CSRF_SET_COOKIE)]);
  });

  it('escapes the client name on the consent page', async () => {
    const jar = new CookieJar();
    const path = await start(jar, XSS_CLIENT);
    const res = await signIn(jar, path);
    expectConsentPage(res, XSS_NAME_ESCAPED);
    expect(res.text).not.toContain(XSS_NAME);
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('<ul><li>Sign you in with your account identifier</li>\n<li>See your name and basic profile</li></ul>');
    expect(setCookies(res)).toEqual([
      expect.stringMatching(/^demo_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/),
      expect.stringMatching(CSRF_SET_COOKIE),
    ]);
  });

  describe('CSRF (double-submit cookie)', () => {
    it('refuses a login without the CSRF field: 403, and no session', async () => {
      const jar = new CookieJar();
      const path = await start(jar, PAGES_CLIENT);
      await get(jar, path);
      expect(jar.has('demo_csrf')).toBe(true);
      const res = await post(jar, `${path}/login`, { username: 'alice', password: 'wonderland' });
      expect(res.status).toBe(403);
      expectPageHeaders(res);
      expect(res.text).toContain(FORM_EXPIRED);
      expect(res.text).not.toContain('Alice');
      expect(setCookies(res)).toEqual([]);
      expect(jar.has('demo_session')).toBe(false);
    });

    it('refuses a login with a wrong CSRF value, or without the CSRF cookie: 403, and no session', async () => {
      const jar = new CookieJar();
      const path = await start(jar, PAGES_CLIENT);
      const page = await get(jar, path);
      const token = csrfOf(page.text);
      const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const csrf of [wrong, `${token}x`, '', 'short']) {
        const res = await post(jar, `${path}/login`, { csrf, username: 'alice', password: 'wonderland' });
        expect(res.status, csrf).toBe(403);
        expect(res.text).toContain(FORM_EXPIRED);
        expect(setCookies(res)).toEqual([]);
      }
      const res = await post(jar.without('demo_csrf'), `${path}/login`, { csrf: token, username: 'alice', password: 'wonderland' });
      expect(res.status).toBe(403);
      expect(setCookies(res)).toEqual([]);
      expect(jar.has('demo_session')).toBe(false);
      // Nobody was signed in: the page still asks for the password, and the right token still works.
      const again = await get(jar, path);
      expectLoginPage(again, 'Pages Test App');
      const ok = await post(jar, `${path}/login`, { csrf: csrfOf(again.text), username: 'alice', password: 'wonderland' });
      expectConsentPage(ok, 'Pages Test App');
    });

    it('refuses a consent without the right CSRF value: 403, and the interaction goes on', async () => {
      const jar = new CookieJar();
      const path = await start(jar, PAGES_CLIENT);
      const consent = await signIn(jar, path);
      const res = await post(jar, `${path}/consent`, { decision: 'approve' });
      expect(res.status).toBe(403);
      expect(res.text).toContain(FORM_EXPIRED);
      expect(res.headers.location).toBeUndefined();
      const deny = await post(jar, `${path}/consent`, { csrf: csrfOf(consent.text), decision: 'deny' });
      expect(deny.status).toBe(303);
      expect(redirectQuery(deny.headers.location as string, PAGES_CLIENT.redirect_uris[0]).error).toBe('access_denied');
    });
  });

  it('answers a wrong password with 401 and the login page saying so, and no session', async () => {
    const jar = new CookieJar();
    const path = await start(jar, PAGES_CLIENT);
    let page = await get(jar, path);
    for (const [username, password] of [['alice', 'looking-glass'], ['alice', ''], ['mallory', 'wonderland'], ['bob', 'wonderland']] as const) {
      const res = await post(jar, `${path}/login`, { csrf: csrfOf(page.text), username, password });
      expectLoginPage(res, 'Pages Test App', 401);
      expect(res.text).toContain('<p class="error" role="alert">Wrong username or password.</p>');
      expect(setCookies(res)).toEqual([expect.stringMatching(CSRF_SET_COOKIE)]);
      expect(jar.has('demo_session')).toBe(false);
      page = res;
    }
    // The fresh form of the 401 page works.
    const ok = await post(jar, `${path}/login`, { csrf: csrfOf(page.text), username: 'alice', password: 'wonderland' });
    expectConsentPage(ok, 'Pages Test App');
  });

  describe('without the interaction cookie (another browser, or a stale link)', () => {
    it('refuses every interaction page with the 400 "no longer valid" page', async () => {
      const jar = new CookieJar();
      const path = await start(jar, PAGES_CLIENT);
      const page = await get(jar, path);
      const csrf = csrfOf(page.text);
      const stranger = jar.without('par_interaction_');
      expect(stranger.has('par_interaction_')).toBe(false);
      expect(stranger.has('demo_csrf')).toBe(true);
      const answers = [
        await get(stranger, path),
        await post(stranger, `${path}/login`, { csrf, username: 'alice', password: 'wonderland' }),
        await post(stranger, `${path}/consent`, { csrf, decision: 'deny' }),
      ];
      for (const res of answers) {
        expect(res.status).toBe(400);
        expectPageHeaders(res);
        expect(res.text).toContain(NO_LONGER_VALID);
        expect(res.headers.location).toBeUndefined();
      }
      expect(stranger.has('demo_session')).toBe(false);
      // Approve without a demo session is sent back to the interaction page (which then refuses).
      const approve = await post(stranger, `${path}/consent`, { csrf, decision: 'approve' });
      expect(approve.status).toBe(303);
      expect(approve.headers.location).toBe(path);
      expect((await get(stranger, path)).status).toBe(400);
      // The browser that has the cookie goes on.
      expectLoginPage(await get(jar, path), 'Pages Test App');
    });

    it('refuses the consent of a signed-in browser without the interaction cookie', async () => {
      const jar = new CookieJar();
      const path = await start(jar, PAGES_CLIENT);
      const consent = await signIn(jar, path);
      const stranger = jar.without('par_interaction_');
      expect(stranger.has('par_interaction_')).toBe(false);
      expect(stranger.has('demo_session')).toBe(true);
      const res = await post(stranger, `${path}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' });
      expect(res.status).toBe(400);
      expectPageHeaders(res);
      expect(res.text).toContain(NO_LONGER_VALID);
      // Nothing was issued: the browser that has the cookie can still approve.
      const approve = await post(jar, `${path}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' });
      expect(approve.status).toBe(303);
      expect(Object.keys(redirectQuery(approve.headers.location as string, PAGES_CLIENT.redirect_uris[0])).sort()).toEqual(['code', 'iss', 'state']);
    });

    it('refuses an unknown or malformed uid the same way', async () => {
      const jar = new CookieJar();
      for (const path of [`/interaction/${'A'.repeat(43)}`, '/interaction/not-a-uid']) {
        const res = await get(jar, path);
        expect(res.status, path).toBe(400);
        expectPageHeaders(res);
        expect(res.text).toContain(NO_LONGER_VALID);
      }
    });
  });

  it('lets two sign-ins run side by side in one browser (two tabs): the first tab\'s form still works', async () => {
    const jar = new CookieJar();
    const first = await start(jar, PAGES_CLIENT, { state: 'tab-1' });
    const firstPage = await get(jar, first);
    expectLoginPage(firstPage, 'Pages Test App');
    // A second tab opens another sign-in before the first one is submitted.
    const second = await start(jar, PAGES_CLIENT, { state: 'tab-2' });
    expectLoginPage(await get(jar, second), 'Pages Test App');
    const res = await post(jar, `${first}/login`, { csrf: csrfOf(firstPage.text), username: 'alice', password: 'wonderland' });
    expect(res.text, 'the first tab\'s form was refused: the demo_csrf cookie is one per browser, not one per interaction').not.toContain(FORM_EXPIRED);
    expectConsentPage(res, 'Pages Test App');
    const approve = await post(jar, `${first}/consent`, { csrf: csrfOf(res.text), decision: 'approve' });
    expect(approve.status).toBe(303);
    expect(redirectQuery(approve.headers.location as string, PAGES_CLIENT.redirect_uris[0]).state).toBe('tab-1');
  });

  it('issues a code for max_age=0 (OIDC: like prompt=login) when alice signs in during the interaction and approves a second later', async () => {
    const jar = new CookieJar();
    const path = await start(jar, PAGES_CLIENT, { max_age: '0', state: 'max-age-state' });
    const page = await get(jar, path);
    expectLoginPage(page, 'Pages Test App');
    const consent = await post(jar, `${path}/login`, { csrf: csrfOf(page.text), username: 'alice', password: 'wonderland' });
    expectConsentPage(consent, 'Pages Test App');
    // A person reads the consent page: the clock moves into the next second.
    await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    const res = await post(jar, `${path}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' });
    expect(res.status).toBe(303);
    const query = redirectQuery(res.headers.location as string, PAGES_CLIENT.redirect_uris[0]);
    expect(query, 'a login made during this very interaction satisfies max_age').not.toHaveProperty('error');
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query.state).toBe('max-age-state');
  });

  /** /authorize for a fresh push; answers the response (not followed). */
  async function authorize(jar: CookieJar, client: PushingClient, overrides: Record<string, string | undefined> = {}): Promise<request.Response> {
    const requestUri = await push(client, overrides);
    const res = await request(demo.server).get('/authorize').set('Cookie', jar.header('/authorize')).query({ client_id: client.client_id, request_uri: requestUri });
    jar.store(res);
    return res;
  }

  it('ends prompt=none without a demo session at /authorize, with a 303 to the redirect_uri: login_required, state and iss', async () => {
    const jar = new CookieJar();
    const res = await authorize(jar, PAGES_CLIENT, { prompt: 'none', state: 'none-state' });
    expect(res.status).toBe(303);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(setCookies(res), 'no interaction cookie: there is no page to come back to').toEqual([]);
    expect(redirectQuery(res.headers.location as string, PAGES_CLIENT.redirect_uris[0])).toEqual({
      error: 'login_required',
      error_description: 'the end-user is not signed in',
      state: 'none-state',
      iss: demo.issuer,
    });
  });

  it('ends prompt=none with a demo session (but no stored consent) at /authorize with consent_required', async () => {
    const jar = new CookieJar();
    await signIn(jar, await start(jar, PAGES_CLIENT));
    const res = await authorize(jar, PAGES_CLIENT, { prompt: 'none', state: 'none-state-2' });
    expect(res.status).toBe(303);
    expect(redirectQuery(res.headers.location as string, PAGES_CLIENT.redirect_uris[0])).toEqual({
      error: 'consent_required',
      error_description: 'the end-user has not consented',
      state: 'none-state-2',
      iss: demo.issuer,
    });
  });

  it('ends prompt=none with login_required when the demo session is older than max_age', async () => {
    const jar = new CookieJar();
    await signIn(jar, await start(jar, PAGES_CLIENT));
    await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    const res = await authorize(jar, PAGES_CLIENT, { prompt: 'none', max_age: '0', state: 'none-state-3' });
    expect(res.status).toBe(303);
    expect(redirectQuery(res.headers.location as string, PAGES_CLIENT.redirect_uris[0])).toMatchObject({ error: 'login_required', state: 'none-state-3' });
  });

  it('keeps the request_uri of a silently ended authorization dead', async () => {
    const requestUri = await push(PAGES_CLIENT, { prompt: 'none' });
    const first = await request(demo.server).get('/authorize').query({ client_id: PAGES_CLIENT.client_id, request_uri: requestUri });
    expect(redirectQuery(first.headers.location as string, PAGES_CLIENT.redirect_uris[0]).error).toBe('login_required');
    const again = await request(demo.server).get('/authorize').set('Accept', 'application/json').query({ client_id: PAGES_CLIENT.client_id, request_uri: requestUri });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_request_uri');
  });

  it('asks for the password again with prompt=login, despite a demo session, and then issues a code', async () => {
    const jar = new CookieJar();
    await signIn(jar, await start(jar, PAGES_CLIENT));
    // With the session, no password is asked…
    expectConsentPage(await get(jar, await start(jar, PAGES_CLIENT)), 'Pages Test App');
    // …except with prompt=login.
    const path = await start(jar, PAGES_CLIENT, { prompt: 'login', state: 'login-state' });
    const page = await get(jar, path);
    expectLoginPage(page, 'Pages Test App');
    expect(page.text).not.toContain('Signed in as');
    const consent = await post(jar, `${path}/login`, { csrf: csrfOf(page.text), username: 'alice', password: 'wonderland' });
    expectConsentPage(consent, 'Pages Test App');
    const res = await post(jar, `${path}/consent`, { csrf: csrfOf(consent.text), decision: 'approve' });
    expect(res.status).toBe(303);
    expect(res.headers['cache-control']).toBe('no-store');
    const query = redirectQuery(res.headers.location as string, PAGES_CLIENT.redirect_uris[0]);
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'login-state', iss: demo.issuer });
  });
});

describe('demo pages with BENCH_AUTO_APPROVE=1', () => {
  let db: TestDatabase;
  let demo: DemoApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [PAGES_CLIENT], benchAutoApprove: true });
  });
  afterAll(async () => {
    await demo?.close();
    await db?.drop();
  });

  it('sends no X-Powered-By banner', async () => {
    const res = await request(demo.server).get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers /authorize with a 303 straight to the redirect_uri, with code, state and iss, and no interaction cookie', async () => {
    const requestUri = await pushTo(demo, PAGES_CLIENT, { state: 'bench-state' });
    const authorize = await request(demo.server).get('/authorize').query({ client_id: PAGES_CLIENT.client_id, request_uri: requestUri });
    expect(authorize.status).toBe(303);
    expect(authorize.headers['cache-control']).toBe('no-store');
    expect(setCookies(authorize)).toEqual([]);
    const query = redirectQuery(authorize.headers.location as string, PAGES_CLIENT.redirect_uris[0]);
    expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
    expect(query).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'bench-state', iss: demo.issuer });
    // The request_uri is used up.
    const again = await request(demo.server).get('/authorize').set('Accept', 'application/json').query({ client_id: PAGES_CLIENT.client_id, request_uri: requestUri });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_request_uri');
  });

  it('still shows the login page with prompt=login (no silent approval)', async () => {
    const requestUri = await pushTo(demo, PAGES_CLIENT, { prompt: 'login' });
    const authorize = await request(demo.server).get('/authorize').query({ client_id: PAGES_CLIENT.client_id, request_uri: requestUri });
    expect(authorize.status).toBe(303);
    expect(authorize.headers.location).toMatch(INTERACTION_LOCATION);
  });
});
