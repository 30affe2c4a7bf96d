import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_CLIENT, type JwtClientFixture, makeJwtClient, ODD_ID_CLIENT, POST_CLIENT, PUBLIC_CLIENT } from '../fixtures/clients.js';
import type { ClientMetadata } from '../../src/par/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authorizationParams, basicAuth, pkcePair } from '../support/oauth.js';
import { authorize, obtainTokens, type TestClient } from '../support/tokens.js';

/*
 * Property-based fuzzing of the parameter parsing of POST /par, GET and POST /authorize and POST /token
 * with raw HTTP requests: arbitrary names and values (unicode, control characters, NUL, lone
 * surrogates, broken percent-encoding), repeated and bracketed names, sizes around maxBodyBytes, odd
 * Content-Types and Authorization headers, and mostly-valid requests with a few mutated parameters so
 * that the deep validation paths are reached. Every answer must be below 500 and, when it is JSON, an
 * RFC 6749 §5.2 error (or a legitimate success).
 *
 * Hunt longer with FUZZ_RUNS=5000 (FUZZ_STATS=1 prints how often each answer came). Replay a failure
 * with the seed and path fast-check prints, for that one property:
 *   FUZZ_SEED=… FUZZ_PATH=… npx vitest run --config test/vitest.config.ts test/e2e/fuzz.e2e-spec.ts -t '<its name>'
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const FUZZ_PARAMETERS: fc.Parameters<unknown> = {
  numRuns: RUNS,
  ...(process.env.FUZZ_SEED !== undefined && { seed: Number(process.env.FUZZ_SEED) }),
  ...(process.env.FUZZ_PATH !== undefined && { path: process.env.FUZZ_PATH }),
};
/** Per property: generous, since FUZZ_RUNS may be raised locally. */
const TIMEOUT_MS = 60_000 + RUNS * 400;

const MAX_BODY_BYTES = 4096;
/** A client_secret_basic client that signs request objects (RFC 9101) with its registered key. */
const JAR_SECRET = 'jar-client-secret-0123456789abcdef01234567';
const JAR_REDIRECT = 'https://jwt.example.org/cb';
const ALL_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const BASIC = { ...BASIC_CLIENT, grant_types: ALL_GRANTS };
const PUBLIC = { ...PUBLIC_CLIENT, scope: 'openid profile offline_access', grant_types: ALL_GRANTS };
const CLIENTS: readonly TestClient[] = [BASIC, POST_CLIENT, PUBLIC, ODD_ID_CLIENT, { client_id: 'jar-client', client_secret: JAR_SECRET, redirect_uris: [JAR_REDIRECT] }];
const REDIRECT_URIS = CLIENTS.flatMap((c) => c.redirect_uris ?? []);
const SECRETS = [BASIC_CLIENT.client_secret, POST_CLIENT.client_secret, ODD_ID_CLIENT.client_secret, JAR_SECRET];

/** Every code ParModule may answer with (OAuthErrorCode). */
const RFC_ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'invalid_authorization_details',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
  'invalid_token',
  'insufficient_scope',
]);

// ---------------------------------------------------------------------------------------------------
// Wire model: a parameter is a name and a value, each a list of fragments, serialized either
// percent-encoded (as a client should) or verbatim (broken encodings, raw bytes in a body).

type Fragment = { readonly enc: string } | { readonly raw: string };
type Component = readonly Fragment[];
type Pair = readonly [Component, Component];

const text = (s: string): Component => [{ enc: s }];

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD, as a UTF-8 encoder does). */
function percentEncode(s: string, spaceAsPlus: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c)) out += c;
    else if (byte === 0x20 && spaceAsPlus) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** In a request line only printable ASCII may travel verbatim; anything else is percent-encoded. */
function queryRaw(s: string): string {
  return [...s].map((c) => (/^[\x21-\x7e]$/.test(c) && c !== '#' ? c : percentEncode(c, false))).join('');
}

function serialize(pairs: readonly Pair[], target: 'body' | 'query', spaceAsPlus: boolean): string {
  const component = (c: Component): string =>
    c.map((f) => ('enc' in f ? percentEncode(f.enc, spaceAsPlus) : target === 'query' ? queryRaw(f.raw) : f.raw)).join('');
  return pairs.map(([name, value]) => `${component(name)}=${component(value)}`).join('&');
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries.

const KNOWN_NAMES = [
  'response_type', 'client_id', 'client_secret', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge',
  'code_challenge_method', 'request_uri', 'request', 'authorization_details', 'claims', 'max_age', 'prompt',
  'acr_values', 'login_hint', 'id_token_hint', 'ui_locales', 'response_mode', 'resource', 'dpop_jkt', 'grant_type',
  'code', 'code_verifier', 'refresh_token', 'client_assertion', 'client_assertion_type', 'token', 'token_type_hint',
  'display', 'claims_locales', 'registration',
];
/** Fragments that break percent-encoding or the form structure, written verbatim. */
const BROKEN = ['%', '%zz', '%E0%A4', '%E0%A4%A', '%FF', '%C0%AF', '%ED%A0%80', '%00', '%2', '+', '%2B', '[', ']', '[]', '[a]', '[0]', '=', '&', ';', '%26', '%3D', '%0D%0A'];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b'];
const VALID_VALUES = [
  'code', 'S256', 'plain', 'openid', 'openid profile', 'client_credentials', 'authorization_code', 'refresh_token',
  ...REDIRECT_URIS, ...CLIENTS.map((c) => c.client_id), 'urn:ietf:params:oauth:request_uri:', 'login consent', 'none',
  '0', '-1', '1e400', '[]', '{}', 'null', '[{"type":"payment_initiation"}]', '[{"type":"payment_initiation","amount":{"currency":"EUR","value":"1.00"},"locations":["https://api.example.org/"]}]', '{"id_token":{"acr":null}}', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.',
  '{"userinfo":{"name":{"value":"\\u0000"}}}', '{"id_token":{"\\ud800":null}}', '[{"type":"x","a":"\\udfff"}]', '{"__proto__":{"x":1}}',
  'https://api.example.org/', 'query', 'fragment', 'form_post',
];

const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONE_SURROGATES, '\u0000', '\u0000\u0000', '\r\n', '\u202e', '\uFEFF', 'é', '💩', ' ') },
  { weight: 1, arbitrary: fc.constantFrom(...VALID_VALUES) },
);
const jsonText = fc.oneof(fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify([v])));

const fragment: fc.Arbitrary<Fragment> = fc.oneof(
  { weight: 4, arbitrary: anyText.map((enc) => ({ enc })) },
  { weight: 2, arbitrary: fc.constantFrom(...BROKEN).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((raw) => ({ raw })) },
);
const component: fc.Arbitrary<Component> = fc.array(fragment, { minLength: 0, maxLength: 3 });

const hugeValue: fc.Arbitrary<Component> = fc
  .tuple(fc.integer({ min: MAX_BODY_BYTES - 300, max: MAX_BODY_BYTES + 300 }), fc.constantFrom('a', 'é', '%', '%41', '\u0000'))
  .map(([length, unit]) => [unit.startsWith('%') || unit === '\u0000' ? { raw: (unit === '\u0000' ? '%00' : unit).repeat(Math.ceil(length / unit.length)) } : { enc: unit.repeat(length) }]);

const name: fc.Arbitrary<Component> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_NAMES).map(text) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_NAMES), fc.constantFrom('[]', '[a]', '[0]', '[][x]', '[', ']', '.x')).map(([n, s]): Component => [{ enc: n }, { raw: s }]) },
  { weight: 2, arbitrary: component },
  { weight: 1, arbitrary: fc.constant<Component>([]) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString').map(text) },
);
const value: fc.Arbitrary<Component> = fc.oneof(
  { weight: 24, arbitrary: component },
  { weight: 6, arbitrary: jsonText.map(text) },
  { weight: 1, arbitrary: hugeValue },
);
const pair: fc.Arbitrary<Pair> = fc.tuple(name, value);

const CONTENT_TYPES = [
  undefined,
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=ISO-8859-1',
  'application/x-www-form-urlencoded; charset=bogus',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded;;;',
  'application/json',
  'multipart/form-data',
  'text/plain',
  'application/jwt',
  '*/*',
  '',
  'x',
];
/** Mostly the right type, so that the parameters are read at all. */
const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) });

/** What may go in a header value (Node refuses CR, LF and other control characters). */
const headerText = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 60 });
const base64Of = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => a.map((s) => Buffer.from(s, 'utf8').toString('base64'));
const authorizationHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(...CLIENTS.filter((c) => c.client_secret !== undefined).map((c) => basicAuth(c.client_id, c.client_secret ?? ''))),
  base64Of(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 })).map(([a, b]) => `${a}:${b}`)).map((b) => `Basic ${b}`),
  base64Of(fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replaceAll(':', ''))).map((b) => `Basic ${b}`),
  base64Of(fc.constantFrom(...CLIENTS.map((c) => `${c.client_id}:`), `${BASIC_CLIENT.client_id}:%zz`, `%:%`, ':', `${BASIC_CLIENT.client_id}:${BASIC_CLIENT.client_secret}:x`)).map((b) => `Basic ${b}`),
  headerText.map((s) => `Basic ${s}`),
  fc.constantFrom('Basic', 'Basic ', 'basic YmFzaWMtY2xpZW50Og==', 'Bearer', 'DPoP', 'Bearer a.b.c', 'DPoP a.b.c', 'Basic =', 'Basic ====', 'Digest x'),
  headerText,
);
/** A DPoP header: mostly none, else something that is not a valid proof. */
const dpopHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', 'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.e30.AAAA', '', '....') },
  { weight: 1, arbitrary: headerText },
);
const acceptHeader = fc.constantFrom(undefined, 'text/html', 'application/json', '*/*', 'text/html,application/xhtml+xml,*/*;q=0.8', 'image/png', '');

/** One change to a mostly-valid request. */
type Mutation =
  | { kind: 'replace'; at: number; value: Component }
  | { kind: 'remove'; at: number }
  | { kind: 'duplicate'; at: number; value: Component | undefined }
  | { kind: 'add'; pair: Pair }
  | { kind: 'rename'; at: number; name: Component }
  | { kind: 'raw'; at: number }
  | { kind: 'pad'; length: number };
/** Which parameter a mutation hits: any of them alike (fast-check otherwise favours small numbers). */
const position = fc.noBias(fc.nat());
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: position, value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: position, value: fc.option(value, { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), pair }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), at: position, name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pad' as const), length: fc.integer({ min: MAX_BODY_BYTES - 200, max: MAX_BODY_BYTES + 50 }) }) },
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 2 });
/** Mostly keep the client's own Content-Type and credentials around a mutated request. */
const keepHeaders = fc.constantFrom(true, true, true, false);

function mutate(pairs: readonly Pair[], changes: readonly Mutation[]): Pair[] {
  const out = [...pairs];
  for (const m of changes) {
    const at = 'at' in m && out.length > 0 ? m.at % out.length : -1;
    const target = at >= 0 ? out[at] : undefined;
    switch (m.kind) {
      case 'replace':
        if (target) out[at] = [target[0], m.value];
        break;
      case 'remove':
        if (target) out.splice(at, 1);
        break;
      case 'duplicate':
        if (target) out.splice(at + 1, 0, [target[0], m.value ?? target[1]]);
        break;
      case 'add':
        out.splice(out.length === 0 ? 0 : m.pair[0].length % (out.length + 1), 0, m.pair);
        break;
      case 'rename':
        if (target) out[at] = [m.name, target[1]];
        break;
      case 'raw':
        // The same characters, unencoded: `+`, `&`, `%` and unicode in the value now mean something else.
        if (target) out[at] = [target[0], target[1].map((f) => ('enc' in f ? { raw: f.enc } : f))];
        break;
      case 'pad':
        out.push([text('padding'), text('p'.repeat(m.length))]);
        break;
    }
  }
  return out;
}

const toPairs = (params: Record<string, string>): Pair[] => Object.entries(params).map(([n, v]) => [text(n), text(v)]);

// ---------------------------------------------------------------------------------------------------
// Raw HTTP, so that nothing on the client side normalizes what is sent.

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** `chunked`: no Content-Length, the body in several chunks (Transfer-Encoding: chunked). */
function send(t: TestApp, method: 'GET' | 'POST', path: string, headers: Record<string, string | undefined>, body?: string, chunked = false): Promise<RawResponse> {
  const url = new URL(t.issuer);
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const defined = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
  if (payload !== undefined && !chunked) defined['Content-Length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: defined, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path.slice(0, 80)} within 10 s`)));
    req.on('error', reject);
    if (payload !== undefined && chunked) {
      for (let at = 0; at < payload.length; at += 1000) req.write(payload.subarray(at, at + 1000));
      req.end();
    } else req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------------
// The oracle.

interface Sent {
  endpoint: '/par' | '/token' | '/authorize';
  method: 'GET' | 'POST';
  /** What travelled: request line and body, to decide whether success was possible at all. */
  wire: string;
  authorization: string | undefined;
  accept: string | undefined;
  /** The host's global body parser refuses this body before any route sees it (its answer, not ours). */
  hostParserRejects?: boolean;
}

const VALID_BASIC = new Set(CLIENTS.filter((c) => c.client_secret !== undefined).map((c) => basicAuth(c.client_id, c.client_secret ?? '')));
/** Success needs a client: a valid Basic header, or a known client_id / secret in the parameters. */
function mayIdentifyClient(sent: Sent): boolean {
  if (sent.authorization !== undefined && VALID_BASIC.has(sent.authorization)) return true;
  let decoded = sent.wire;
  try {
    decoded = decodeURIComponent(sent.wire.replaceAll('+', ' '));
  } catch {
    /* broken encoding: look at the raw text */
  }
  return CLIENTS.some((c) => sent.wire.includes(c.client_id) || decoded.includes(c.client_id) || sent.wire.includes(percentEncode(c.client_id, true)));
}

/** FUZZ_STATS=1: how often each answer came, to see which validation paths the runs reached. */
const answers = new Map<string, number>();
function count(sent: Sent, res: RawResponse): void {
  if (process.env.FUZZ_STATS !== '1') return;
  let detail = '';
  if (res.status === 303) detail = String(res.headers.location).includes('/interaction/') ? 'interaction' : `redirect error=${new URL(String(res.headers.location)).searchParams.get('error')}`;
  else if (String(res.headers['content-type']).startsWith('application/json')) detail = (/"error_description":"([^"]{0,60})/.exec(res.text)?.[1] ?? '').replace(/[^\x20-\x7e]/g, '?');
  const key = `${sent.method} ${sent.endpoint} ${res.status} ${detail}`;
  answers.set(key, (answers.get(key) ?? 0) + 1);
}

function expectWellFormedAnswer(sent: Sent, res: RawResponse, issuer: string): void {
  count(sent, res);
  const what = `${sent.method} ${sent.endpoint} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expect(res.status, what).toBeLessThan(500);
  for (const secret of SECRETS) expect(res.text, what).not.toContain(secret);
  expect(res.text, what).not.toMatch(/at \w+ \(|node_modules|QueryFailedError|SELECT |INSERT |UPDATE /);
  const type = String(res.headers['content-type'] ?? '');
  if (sent.hostParserRejects && [400, 415].includes(res.status) && /"statusCode":4\d\d/.test(res.text)) return;

  if (res.status >= 300 && res.status < 400) {
    // Only /authorize redirects: to the host's interaction page, or an error to a registered redirect_uri.
    expect(sent.endpoint, what).toBe('/authorize');
    expect(res.status, what).toBe(303);
    expect(res.headers['cache-control'], what).toBe('no-store');
    const location = String(res.headers.location);
    if (location.startsWith(`${issuer}/interaction/`)) {
      expect(location.slice(issuer.length), what).toMatch(/^\/interaction\/[\w-]{43}$/);
      expect(String(res.headers['set-cookie']), what).toMatch(/HttpOnly/i);
      expect(mayIdentifyClient(sent), what).toBe(true);
      return;
    }
    const target = new URL(location);
    // Only to a redirect_uri registered for the client the request named (as the server's parser reads it).
    const named = sent.method === 'GET' ? parseQueryString(sent.wire).client_id : new URLSearchParams(sent.wire).getAll('client_id');
    const client = CLIENTS.find((c) => (Array.isArray(named) ? named.length === 1 && named[0] === c.client_id : named === c.client_id));
    expect(client?.redirect_uris ?? REDIRECT_URIS, what).toContain(`${target.origin}${target.pathname}`);
    expect(target.searchParams.get('iss'), what).toBe(issuer);
    expect(RFC_ERROR_CODES.has(target.searchParams.get('error') ?? ''), what).toBe(true);
    return;
  }

  if (res.status >= 400 && type.startsWith('text/html')) {
    // /authorize answers a browser with a page; nobody else answers HTML.
    expect(sent.endpoint, what).toBe('/authorize');
    expect(sent.accept ?? '', what).toMatch(/html|\*\/\*/);
    expect(res.headers['cache-control'], what).toBe('no-store');
    return;
  }

  expect(type, what).toMatch(/^application\/json/);
  expect(res.headers['cache-control'], what).toBe('no-store');
  const body = JSON.parse(res.text) as unknown;
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), what).toBe(true);
  const members = body as Record<string, unknown>;
  if (res.status >= 400) {
    expect(Object.keys(members).sort(), what).toEqual(['error', 'error_description']);
    expect(RFC_ERROR_CODES.has(String(members.error)), what).toBe(true);
    expect(typeof members.error_description, what).toBe('string');
    if (res.status === 401) expect(members.error, what).toMatch(/^invalid_client$|^invalid_token$/);
    return;
  }
  // A success, where one is possible at all.
  expect(mayIdentifyClient(sent), what).toBe(true);
  if (sent.endpoint === '/par') {
    expect(res.status, what).toBe(201);
    expect(members, what).toEqual({ request_uri: expect.stringMatching(/^urn:ietf:params:oauth:request_uri:[\w-]+$/), expires_in: expect.any(Number) });
  } else {
    expect({ endpoint: sent.endpoint, status: res.status }, what).toEqual({ endpoint: '/token', status: 200 });
    expect(members, what).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
  }
}

/**
 * Bodies that Nest's default parsers (express.json, express.urlencoded), mounted globally by the host,
 * refuse before routing: a charset other than UTF-8 (415), a Content-Encoding they cannot or fail to
 * decode (415, 400), or JSON that does not parse (400). Their answer is the host's, which ParModule
 * cannot and must not reshape (it installs no global handler).
 */
function hostBodyParserRejects(contentTypeHeader: string | undefined, contentEncoding: string | undefined, body: string): boolean {
  const [media = '', ...parameters] = (contentTypeHeader ?? '').toLowerCase().split(';').map((p) => p.trim());
  if (media !== 'application/json' && media !== 'application/x-www-form-urlencoded') return false;
  if (contentEncoding !== undefined && contentEncoding !== 'identity') return true;
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && charset !== 'utf-8') return true;
  if (media !== 'application/json') return false;
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed !== 'object' || parsed === null;
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------------

/** A request as fast-check builds it: parameters plus the headers around them. */
interface Shape {
  contentType: string | undefined;
  authorization: string | undefined;
  accept: string | undefined;
  dpop: string | undefined;
  contentEncoding: string | undefined;
  chunked: boolean;
  spaceAsPlus: boolean;
  /** Which app: ParModule's own body parser, or the host's (Nest's default urlencoded + json parsers). */
  hostParser: boolean;
}
const shape: fc.Arbitrary<Shape> = fc.record({
  contentType,
  authorization: authorizationHeader,
  accept: acceptHeader,
  dpop: dpopHeader,
  contentEncoding: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', '') }),
  chunked: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  spaceAsPlus: fc.boolean(),
  hostParser: fc.boolean(),
});

describe('fuzzing the parameter parsing of /par, /authorize and /token: never a 5xx, always an RFC 6749 §5.2 error', () => {
  let db: TestDatabase;
  let jar: JwtClientFixture;
  let own: TestApp;
  let host: TestApp;
  const app = (s: Shape): TestApp => (s.hostParser ? host : own);

  beforeAll(async () => {
    db = await createTestDatabase();
    jar = await makeJwtClient('jar-client');
    const jarClient: ClientMetadata = { ...jar.metadata, token_endpoint_auth_method: 'client_secret_basic', client_secret: JAR_SECRET };
    const par = {
      clients: [BASIC, POST_CLIENT, PUBLIC, ODD_ID_CLIENT, jarClient],
      maxBodyBytes: MAX_BODY_BYTES,
      // Every request comes from one address: long hunts (FUZZ_RUNS) would meet the default 1000 a minute.
      rateLimits: false as const,
      // A permissive type, so that arbitrary details get through validation to storage, consent and tokens.
      authorizationDetailsTypes: { payment_initiation: (detail: Readonly<Record<string, unknown>>) => (Object.keys(detail).length > 12 ? 'too many fields' : undefined) },
    };
    own = await createTestApp({ database: db, par });
    host = await createTestApp({ database: db, par, hostBodyParser: true });
  });
  afterAll(async () => {
    if (answers.size > 0) console.log([...answers].sort().map(([key, n]) => `${String(n).padStart(5)} ${key}`).join('\n'));
    agent.destroy();
    await own?.close();
    await host?.close();
    await db?.drop();
  });

  /** POSTs `pairs` with the shape's headers, or `asClient` would (its Authorization, the form type, no DPoP). */
  async function post(s: Shape, endpoint: Sent['endpoint'], pairs: readonly Pair[], asClient?: { authorization: string | undefined }): Promise<void> {
    const t = app(s);
    const authorization = asClient ? asClient.authorization : s.authorization;
    const contentTypeHeader = asClient ? 'application/x-www-form-urlencoded' : s.contentType;
    const dpop = asClient ? undefined : s.dpop;
    const body = serialize(pairs, 'body', s.spaceAsPlus);
    const contentEncoding = asClient ? undefined : s.contentEncoding;
    const res = await send(t, 'POST', endpoint, { 'Content-Type': contentTypeHeader, 'Content-Encoding': contentEncoding, Authorization: authorization, Accept: s.accept, DPoP: dpop }, body, s.chunked);
    const hostParserRejects = s.hostParser && hostBodyParserRejects(contentTypeHeader, contentEncoding, body);
    expectWellFormedAnswer({ endpoint, method: 'POST', wire: body, authorization, accept: s.accept, hostParserRejects }, res, t.issuer);
  }

  async function get(s: Shape, pairs: readonly Pair[]): Promise<void> {
    const t = app(s);
    const query = serialize(pairs, 'query', s.spaceAsPlus);
    const res = await send(t, 'GET', `/authorize?${query}`, { Authorization: s.authorization, Accept: s.accept });
    // Node's HTTP server refuses a request head over 16 KiB (maxHeaderSize) before any app code runs.
    if (res.status === 431 && query.length > 15 * 1024) return;
    expectWellFormedAnswer({ endpoint: '/authorize', method: 'GET', wire: query, authorization: s.authorization, accept: s.accept }, res, t.issuer);
  }

  /** The parameters and Authorization header a client sends to authenticate at /par or /token. */
  function credentials(client: TestClient): { pairs: Pair[]; authorization: string | undefined } {
    const method = client.token_endpoint_auth_method ?? 'client_secret_basic';
    if (method === 'client_secret_basic') return { pairs: [], authorization: basicAuth(client.client_id, client.client_secret ?? '') };
    if (method === 'client_secret_post') return { pairs: toPairs({ client_id: client.client_id, client_secret: client.client_secret ?? '' }), authorization: undefined };
    return { pairs: toPairs({ client_id: client.client_id }), authorization: undefined };
  }

  /** A pushed request_uri for BASIC, to start from a valid /authorize. */
  async function pushedRequestUri(s: Shape): Promise<string> {
    const res = await send(app(s), 'POST', '/par', { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(BASIC.client_id, BASIC.client_secret) }, new URLSearchParams(authorizationParams(BASIC.redirect_uris[0])).toString());
    expect(res.status, res.text).toBe(201);
    return (JSON.parse(res.text) as { request_uri: string }).request_uri;
  }

  it(
    'POST /par with arbitrary parameters, encodings, sizes, Content-Types and Authorization headers',
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, fc.array(pair, { maxLength: 10 }), async (s, pairs) => post(s, '/par', pairs)),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /par with a valid request of each client and one or two mutated parameters',
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, fc.constantFrom(...CLIENTS), mutations, keepHeaders, async (s, client, changes, keep) => {
          const auth = credentials(client);
          const pairs = mutate([...auth.pairs, ...toPairs(authorizationParams(client.redirect_uris?.[0] ?? ''))], changes);
          await post(s, '/par', pairs, keep ? auth : undefined);
        }),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /par with a signed request object whose claims have arbitrary JSON values',
    async () => {
      const claimNames = [...KNOWN_NAMES.filter((n) => !['request', 'request_uri', 'client_secret'].includes(n)), 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti'];
      const claimChange = fc.oneof(
        fc.record({ name: fc.constantFrom(...claimNames), value: fc.jsonValue({ maxDepth: 3 }) }),
        fc.record({ name: fc.constantFrom(...claimNames), value: fc.oneof(anyText, jsonText) }),
        fc.record({ name: fc.constantFrom(...claimNames), value: fc.constant(undefined) }),
      );
      await fc.assert(
        fc.asyncProperty(shape, fc.array(claimChange, { minLength: 1, maxLength: 3 }), fc.boolean(), async (s, changes, withOuterClientId) => {
          const t = app(s);
          const now = Math.floor(Date.now() / 1000);
          const claims: Record<string, unknown> = {
            ...authorizationParams(JAR_REDIRECT),
            iss: jar.metadata.client_id,
            aud: t.issuer,
            client_id: jar.metadata.client_id,
            iat: now,
            nbf: now,
            exp: now + 60,
            jti: randomUUID(),
          };
          for (const { name: claim, value: v } of changes) {
            if (v === undefined) delete claims[claim];
            else claims[claim] = v;
          }
          const jwt = await new SignJWT(claims).setProtectedHeader({ alg: jar.alg, kid: jar.kid, typ: 'oauth-authz-req+jwt' }).sign(jar.privateKey);
          const pairs = toPairs({ request: jwt, ...(withOuterClientId && { client_id: jar.metadata.client_id }) });
          await post(s, '/par', pairs, { authorization: basicAuth(jar.metadata.client_id, JAR_SECRET) });
        }),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'GET and form POST /authorize with arbitrary parameters',
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, fc.array(pair, { maxLength: 10 }), fc.boolean(), async (s, pairs, usePost) => (usePost ? post(s, '/authorize', pairs) : get(s, pairs))),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'GET and form POST /authorize with a pushed request_uri, or a plain request, and mutated parameters',
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, fc.constantFrom('pushed', 'plain'), mutations, fc.boolean(), async (s, kind, changes, usePost) => {
          const base =
            kind === 'pushed'
              ? toPairs({ client_id: BASIC.client_id, request_uri: await pushedRequestUri(s) })
              : toPairs({ client_id: PUBLIC.client_id, ...authorizationParams(PUBLIC.redirect_uris[0]) });
          const pairs = mutate(base, changes);
          await (usePost ? post(s, '/authorize', pairs, { authorization: s.authorization }) : get(s, pairs));
        }),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /token with arbitrary parameters, encodings, sizes, Content-Types and Authorization headers',
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, fc.array(pair, { maxLength: 10 }), async (s, pairs) => post(s, '/token', pairs)),
        FUZZ_PARAMETERS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /token with a valid code, refresh token or client credentials grant and mutated parameters',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          shape,
          fc.constantFrom('code', 'code-public', 'refresh', 'client_credentials', 'made-up code'),
          mutations,
          keepHeaders,
          fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify([{ type: 'payment_initiation', v }])), { nil: undefined }),
          async (s, kind, changes, keep, details) => {
            const t = app(s);
            const client: TestClient = kind === 'code-public' || kind === 'refresh' ? PUBLIC : BASIC;
            let params: Record<string, string>;
            if (kind === 'code' || kind === 'code-public') {
              const issued = await authorize(t, client, details === undefined ? {} : { push: { authorization_details: details } });
              params = { grant_type: 'authorization_code', code: issued.code, redirect_uri: issued.redirectUri, code_verifier: issued.verifier };
            } else if (kind === 'refresh') {
              const tokens = await obtainTokens(t, client, { push: { scope: 'openid offline_access' }, result: { subject: 'user-1', grantedScopes: ['openid', 'offline_access'] } });
              params = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' };
            } else if (kind === 'client_credentials') {
              params = { grant_type: 'client_credentials' };
            } else {
              params = { grant_type: 'authorization_code', code: pkcePair().verifier, redirect_uri: BASIC.redirect_uris[0], code_verifier: pkcePair().verifier };
            }
            const auth = credentials(client);
            await post(s, '/token', mutate([...toPairs(params), ...auth.pairs], changes), keep ? auth : undefined);
          },
        ),
        { ...FUZZ_PARAMETERS, numRuns: Math.max(1, Math.round(RUNS / 2)) },
      );
    },
    TIMEOUT_MS,
  );
});
