import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import request from 'supertest';
import { expect } from 'vitest';
import { InteractionService, type ClientMetadata, type InteractionResult } from '../../src/par/index.js';
import type { TestApp } from './app.js';
import { browserRequest, queryOf, startInteraction } from './flow.js';
import { authorizationParams, basicAuth, form, pkcePair } from './oauth.js';

/** A clock the tests move by hand (the `clock` option). */
export interface ManualClock {
  now(): number;
  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let current = start;
  return { now: () => current, advance: (seconds) => void (current += seconds * 1000) };
}

/** What a test needs of a client to talk to the endpoints as it: its id, secret (if any) and auth method. */
export type TestClient = Pick<ClientMetadata, 'client_id' | 'client_secret' | 'token_endpoint_auth_method' | 'redirect_uris'>;

/**
 * Form parameters of a request authenticated as `client`: its registered method, HTTP Basic by
 * default (RFC 6749 §2.3.1), client_secret_post, or a bare client_id for public clients.
 */
function authenticated(t: TestApp, path: string, client: TestClient, params: Record<string, string | undefined>): request.Test {
  const body: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) body[name] = value;
  const post = request(t.server).post(path).type('form');
  const method = client.token_endpoint_auth_method ?? 'client_secret_basic';
  if (method === 'client_secret_basic') return post.set('Authorization', basicAuth(client.client_id, client.client_secret ?? '')).send(form(body));
  if (method === 'client_secret_post') return post.send(form({ ...body, client_id: client.client_id, client_secret: client.client_secret ?? '' }));
  if (method === 'none') return post.send(form({ ...body, client_id: client.client_id }));
  throw new Error(`test helper: ${method} is not supported here`);
}

/** POST /token as `client` (undefined values are left out). */
export function tokenRequest(t: TestApp, client: TestClient, params: Record<string, string | undefined>): request.Test {
  return authenticated(t, '/token', client, params);
}

/** POST /introspect as `client` (RFC 7662 §2.1). */
export function introspect(t: TestApp, client: TestClient, token: string | undefined, extra: Record<string, string> = {}): request.Test {
  return authenticated(t, '/introspect', client, { token, ...extra });
}

/** POST /revoke as `client` (RFC 7009 §2.1). */
export function revoke(t: TestApp, client: TestClient, token: string | undefined, extra: Record<string, string> = {}): request.Test {
  return authenticated(t, '/revoke', client, { token, ...extra });
}

/** An authorization code, with what the client must send along to redeem it. */
export interface IssuedCode {
  code: string;
  verifier: string;
  redirectUri: string;
  state: string;
  nonce: string;
}

export interface AuthorizeOptions {
  /** Overrides of the pushed parameters (undefined removes one). */
  push?: Record<string, string | undefined>;
  /** How the host finishes the interaction. @default { subject: 'user-1' } */
  result?: InteractionResult;
}

/**
 * Runs the front channel for `client`: pushes a request (with its own PKCE pair), starts the
 * interaction at /authorize, finishes it through InteractionService as the host's login page would,
 * and returns the code from the redirect.
 */
export async function authorize(t: TestApp, client: TestClient, options: AuthorizeOptions = {}): Promise<IssuedCode> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = client.redirect_uris[0] as string;
  const params = authorizationParams(redirectUri, { code_challenge: challenge, ...options.push });
  const pushed = await authenticated(t, '/par', client, params);
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
  const { uid, cookie } = await startInteraction(t, client.client_id, pushed.body.request_uri as string);
  const location = await t.app.get(InteractionService).finish(uid, browserRequest(cookie), options.result ?? { subject: 'user-1' });
  const query = queryOf(location);
  expect(query.code, location).toBeDefined();
  return { code: query.code as string, verifier, redirectUri, state: params.state ?? '', nonce: params.nonce ?? '' };
}

/** Redeems a code at /token (RFC 6749 §4.1.3), with overrides of the request's parameters. */
export function redeem(t: TestApp, client: TestClient, issued: IssuedCode, overrides: Record<string, string | undefined> = {}): request.Test {
  return tokenRequest(t, client, { grant_type: 'authorization_code', code: issued.code, redirect_uri: issued.redirectUri, code_verifier: issued.verifier, ...overrides });
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

/** authorize + redeem, expecting 200: the token response body. */
export async function obtainTokens(t: TestApp, client: TestClient, options: AuthorizeOptions = {}): Promise<TokenBody> {
  const res = await redeem(t, client, await authorize(t, client, options));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as TokenBody;
}

/** Refreshes at /token (RFC 6749 §6). */
export function refresh(t: TestApp, client: TestClient, refreshToken: string | undefined, extra: Record<string, string> = {}): request.Test {
  return tokenRequest(t, client, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
}

/** GET /jwks, as a key resolver for jose's jwtVerify (what a resource server would build). */
export async function fetchJwks(t: TestApp): Promise<{ body: JSONWebKeySet; keys: JWTVerifyGetKey }> {
  const res = await request(t.server).get('/jwks');
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as JSONWebKeySet;
  return { body, keys: createLocalJWKSet(body) };
}

/** RFC 6749 §5.1: token endpoint answers are JSON and never cached. */
export function expectNoStoreJson(res: request.Response, status: number): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

/** Flips one character in the middle of a JWT's signature. */
export function tamperSignature(jwt: string): string {
  const [header, payload, signature = ''] = jwt.split('.');
  const i = Math.floor(signature.length / 2);
  const flipped = signature[i] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, i)}${flipped}${signature.slice(i + 1)}`;
}
