import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { JwtClientFixture } from '../fixtures/clients.js';

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1, §4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** RFC 6749 §2.3.1 Basic credentials: id and secret form-urlencoded, then base64. */
export function basicAuth(id: string, secret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

/** A valid authorization request's parameters, with overrides (undefined removes a parameter). */
export function authorizationParams(
  redirectUri: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const base: Record<string, string | undefined> = {
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    nonce: 'nonce-456',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Form-encodes parameters, keeping their order. */
export function form(params: Record<string, string> | [string, string][]): string {
  return new URLSearchParams(params).toString();
}

export interface AssertionOptions {
  claims?: Partial<JWTPayload> & Record<string, unknown>;
  /** Claims to leave out. */
  omit?: string[];
  alg?: string;
  typ?: string;
}

/** A private_key_jwt client assertion (RFC 7523 §3) for `audience`, with overrides. */
export async function clientAssertion(client: JwtClientFixture, audience: string | string[], options: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: client.metadata.client_id,
    sub: client.metadata.client_id,
    aud: audience,
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? client.alg, kid: client.kid, ...(options.typ && { typ: options.typ }) })
    .sign(client.privateKey);
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
