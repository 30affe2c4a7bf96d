import { accessSync, constants, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMetadata } from '../../src/par/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDemoApp, type DemoApp, startRedirectTarget, type RedirectTarget } from '../support/demo-app.js';
import { authorizationParams, basicAuth, form } from '../support/oauth.js';

/**
 * The demo server in a real browser (Debian's headless Chromium driven by playwright-core): a person
 * signs in, consents, and lands on the client's redirect_uri. Never skipped: without Chromium it fails.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const CLIENT_NAME = 'Wonderland Reader';
const SECRET = 'browser-secret-0123456789abcdef0123456789';
const INTERACTION_PATH = /^\/interaction\/[A-Za-z0-9_-]{43}$/;

/** Why Chromium cannot run here, or undefined when it is installed. */
function chromiumProblem(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium is required for this test and was not found at ${CHROMIUM}. Install it (Debian: \`apt-get install -y chromium\`); this test is never skipped.`;
  }
}

const MISSING_CHROMIUM = chromiumProblem();

describe('demo server in a real browser (headless Chromium)', () => {
  let db: TestDatabase;
  let demo: DemoApp;
  let target: RedirectTarget;
  let browser: Browser | undefined;
  let client: ClientMetadata & { client_secret: string };

  /** Pushes a request as the client (HTTP Basic) and returns the authorization URL to open. */
  async function push(state: string, overrides: Record<string, string | undefined> = {}): Promise<string> {
    const res = await fetch(`${demo.issuer}/par`, {
      method: 'POST',
      headers: { Authorization: basicAuth(client.client_id, client.client_secret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form(authorizationParams(target.redirectUri, { scope: 'openid profile email api:read', state, ...overrides })),
    });
    const body = (await res.json()) as { request_uri?: string; expires_in?: number };
    expect({ status: res.status, body }).toMatchObject({ status: 201, body: { expires_in: 60 } });
    const url = new URL(`${demo.issuer}/authorize`);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('request_uri', body.request_uri as string);
    return url.href;
  }

  /**
   * Clicks a form button and waits to land on the redirect_uri (which answers "done"); returns the query
   * it was given. Fails at once, with the browser's words, when Chromium blocks the navigation for CSP.
   */
  async function submitAndLand(page: Page, button: Locator): Promise<Record<string, string>> {
    let blocked!: (error: Error) => void;
    const violation = new Promise<never>((_, reject) => (blocked = reject));
    violation.catch(() => undefined); // handled by the race below, even when it comes during the click
    const onConsole = (message: ConsoleMessage): void => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
        blocked(new Error(`Chromium did not follow the redirect to the redirect_uri (still on ${page.url()}): ${message.text().trim()}`));
      }
    };
    page.on('console', onConsole);
    try {
      await button.click();
      await Promise.race([page.waitForURL((url) => url.href.startsWith(`${target.redirectUri}?`)), violation]);
    } finally {
      page.off('console', onConsole);
    }
    const url = new URL(page.url());
    expect(`${url.origin}${url.pathname}`).toBe(target.redirectUri);
    expect(await page.locator('body').innerText()).toBe('done');
    return Object.fromEntries(url.searchParams);
  }

  /** A fresh browser context (no cookies), failing fast with Playwright's own message instead of the test timeout. */
  async function newContext(): Promise<BrowserContext> {
    if (browser === undefined) throw new Error(MISSING_CHROMIUM ?? 'Chromium was not launched');
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(10_000);
    return context;
  }

  async function expectLoginPage(page: Page): Promise<void> {
    expect(new URL(page.url()).pathname).toMatch(INTERACTION_PATH);
    expect(await page.title()).toBe('Sign in');
    expect(await page.locator('h1').innerText()).toBe('Sign in');
    expect(await page.locator('p strong').first().innerText()).toBe(CLIENT_NAME);
    expect(await page.locator('#username').isVisible()).toBe(true);
    expect(await page.locator('#password').isVisible()).toBe(true);
  }

  async function expectConsentPage(page: Page): Promise<void> {
    expect(await page.title()).toBe('Allow access');
    expect(await page.locator('h1').innerText()).toBe('Allow access?');
    const text = await page.locator('body').innerText();
    expect(text).toContain('Signed in as Alice Liddell.');
    expect(text).toContain(`${CLIENT_NAME} asks to:`);
    expect(await page.locator('li').allInnerTexts()).toEqual([
      'Sign you in with your account identifier',
      'See your name and basic profile',
      'See your email address',
      'Read your data in the demo API',
    ]);
    expect(await page.locator('form button').allInnerTexts()).toEqual(['Approve', 'Deny']);
    expect(await page.locator('input[type=password]').count()).toBe(0);
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    target = await startRedirectTarget();
    client = {
      client_id: 'browser-client',
      client_name: CLIENT_NAME,
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [target.redirectUri],
      scope: 'openid profile email api:read',
    };
    db = await createTestDatabase();
    demo = await createDemoApp({ database: db, clients: [client] });
    // Without Chromium every test fails with MISSING_CHROMIUM (a failure in beforeAll would only mark them skipped).
    if (MISSING_CHROMIUM === undefined) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    await target?.close();
    await db?.drop();
  });

  it(`runs Debian's Chromium from ${CHROMIUM}`, () => {
    if (MISSING_CHROMIUM !== undefined) throw new Error(MISSING_CHROMIUM);
    expect(browser?.isConnected()).toBe(true);
    expect(browser?.version()).toMatch(/^\d+\./);
  });

  describe('one person, one browser context', () => {
    let context: BrowserContext | undefined;
    let firstAuthorizationUrl: string;

    /** The page of the one browser context the tests of this group share. */
    async function thePage(): Promise<Page> {
      context ??= await newContext();
      return context.pages()[0] ?? (await context.newPage());
    }
    afterAll(async () => {
      await context?.close();
    });

    it('signs alice in, asks her consent in plain words, and lands on the redirect_uri with code, state and iss', async () => {
      const page = await thePage();
      firstAuthorizationUrl = await push('browser-state-1');
      const response = await page.goto(firstAuthorizationUrl);
      expect(response?.status()).toBe(200);
      // /authorize answered with a 303 to the demo's login page.
      const authorize = response?.request().redirectedFrom();
      expect(authorize?.url()).toBe(firstAuthorizationUrl);
      expect((await authorize?.response())?.status()).toBe(303);
      expect(new URL(page.url()).origin).toBe(demo.issuer);
      await expectLoginPage(page);
      await page.screenshot({ path: `${SCREENSHOTS}login.png`, fullPage: true });

      await page.locator('#username').fill('alice');
      await page.locator('#password').fill('wonderland');
      await Promise.all([page.waitForURL(/\/interaction\/[A-Za-z0-9_-]{43}\/login$/), page.getByRole('button', { name: 'Sign in' }).click()]);
      await expectConsentPage(page);
      await page.screenshot({ path: `${SCREENSHOTS}consent.png`, fullPage: true });

      const query = await submitAndLand(page, page.locator('form button').first());
      expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
      expect(query.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(query.state).toBe('browser-state-1');
      expect(query.iss).toBe(demo.issuer);
      expect(target.requests.at(-1)).toEqual(query);
    });

    it('shows the HTML error page (400, invalid_request_uri) when the used authorization URL is opened again', async () => {
      const page = await thePage();
      expect(firstAuthorizationUrl, 'set by the first flow').toBeDefined();
      const codes = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM par_authorization_code WHERE client_id = $1', [client.client_id]);
      expect(codes).toEqual([{ n: 1 }]);
      const response = await page.goto(firstAuthorizationUrl);
      expect(response?.status()).toBe(400);
      expect(response?.headers()['content-type']).toMatch(/^text\/html/);
      expect(response?.headers()['cache-control']).toBe('no-store');
      expect(new URL(page.url()).pathname).toBe('/authorize');
      expect(await page.title()).toBe('Authorization error');
      expect(await page.locator('h1').innerText()).toBe('This sign-in request cannot be completed');
      expect(await page.locator('code').innerText()).toBe('invalid_request_uri');
      expect(await page.locator('body').innerText()).toContain('request_uri is unknown, expired or already used');
    });

    it('asks no password the second time (the demo session), and Deny lands with access_denied, state and iss', async () => {
      const page = await thePage();
      const requestsBefore = target.requests.length;
      const response = await page.goto(await push('browser-state-2'));
      expect(response?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toMatch(INTERACTION_PATH);
      await expectConsentPage(page);

      const query = await submitAndLand(page, page.getByRole('button', { name: 'Deny' }));
      expect(Object.keys(query).sort()).toEqual(['error', 'error_description', 'iss', 'state']);
      expect(query.error).toBe('access_denied');
      expect(query.error_description).toBe('the end-user denied the request');
      expect(query.state).toBe('browser-state-2');
      expect(query.iss).toBe(demo.issuer);
      expect(target.requests).toHaveLength(requestsBefore + 1);
    });
  });

  describe('reloading the authorization URL before login completes', () => {
    let authorizationUrl: string;
    let firstPage: Page | undefined;
    let secondPage: Page | undefined;
    const contexts: BrowserContext[] = [];
    afterAll(async () => {
      await Promise.all(contexts.map((c) => c.close()));
    });

    it('still reaches the login page, in the same browser and in a fresh browser context', async () => {
      authorizationUrl = await push('browser-state-3');
      const first = await newContext();
      const second = await newContext();
      contexts.push(first, second);
      firstPage = await first.newPage();
      secondPage = await second.newPage();

      expect((await firstPage.goto(authorizationUrl))?.status()).toBe(200);
      await expectLoginPage(firstPage);
      expect((await firstPage.reload())?.status()).toBe(200);
      await expectLoginPage(firstPage);
      // The same URL again, in a browser with no cookies at all: a new interaction on the same request.
      expect((await secondPage.goto(authorizationUrl))?.status()).toBe(200);
      await expectLoginPage(secondPage);
      expect(secondPage.url()).not.toBe(firstPage.url());
    });

    it('lets the fresh context finish; the first one is then told its sign-in link is no longer valid', async () => {
      expect(firstPage && secondPage, 'opened by the previous test').toBeTruthy();
      const [one, two] = [firstPage as Page, secondPage as Page];
      await two.locator('#username').fill('alice');
      await two.locator('#password').fill('wonderland');
      await Promise.all([two.waitForURL(/\/login$/), two.getByRole('button', { name: 'Sign in' }).click()]);
      await expectConsentPage(two);
      const query = await submitAndLand(two, two.getByRole('button', { name: 'Approve' }));
      expect(Object.keys(query).sort()).toEqual(['code', 'iss', 'state']);
      expect(query.state).toBe('browser-state-3');

      // The first browser's login is now dead: the request was used.
      await one.locator('#username').fill('alice');
      await one.locator('#password').fill('wonderland');
      const [response] = await Promise.all([one.waitForResponse((r) => r.request().method() === 'POST'), one.getByRole('button', { name: 'Sign in' }).click()]);
      expect(response.status()).toBe(400);
      await one.waitForLoadState();
      expect(await one.locator('body').innerText()).toBe('Sign-in\n\nThis sign-in link is no longer valid. Return to the application and start again.');
      // And the authorization URL itself is used up.
      const again = await one.goto(authorizationUrl);
      expect(again?.status()).toBe(400);
      expect(await one.locator('code').innerText()).toBe('invalid_request_uri');
    });
  });
});
