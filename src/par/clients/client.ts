import type { JSONWebKeySet, JWK } from 'jose';
import { sha256Bytes } from '../common/secrets.js';
import { ParConfigurationError } from '../common/configuration-error.js';

/** Client authentication methods at the PAR and token endpoints (RFC 6749 §2.3, RFC 7523, OIDC Core §9). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
/** One of {@link CLIENT_AUTH_METHODS}. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/**
 * A client's registration, in RFC 7591 §2 names: what the `clients` option and a {@link ClientRegistry}
 * hand to ParModule.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface ClientMetadata {
  client_id: string;
  /** Required for `client_secret_basic` / `client_secret_post`; at least 32 characters. Only its SHA-256 is kept. */
  client_secret?: string;
  /** @default 'client_secret_basic' (RFC 7591 §2) */
  token_endpoint_auth_method?: ClientAuthMethod;
  /** Absolute URIs without fragment, compared by exact string match. At least one. */
  redirect_uris: readonly string[];
  /** Public keys for `private_key_jwt` (and signed request objects). */
  jwks?: JSONWebKeySet;
  /** @default ['authorization_code'] */
  grant_types?: readonly string[];
  /** @default ['code'] */
  response_types?: readonly string[];
  /** Space-separated scopes the client may ask for. @default every scope in `scopesSupported` */
  scope?: string;
  client_name?: string;
  /** RFC 9126 §6: this client must use PAR. @default false */
  require_pushed_authorization_requests?: boolean;
  /** RFC 9396 §10: authorization_details types this client may use. */
  authorization_details_types?: readonly string[];
  /** RFC 9449 §5.2. @default false */
  dpop_bound_access_tokens?: boolean;
  /** RFC 9101 §10.5. @default false */
  require_signed_request_object?: boolean;
}

/** A validated, normalised client, as the endpoints use it. */
export interface Client {
  readonly id: string;
  readonly name: string | undefined;
  readonly authMethod: ClientAuthMethod;
  /** SHA-256 of the client secret; the secret itself is not kept. */
  readonly secretHash: Buffer | undefined;
  readonly jwks: JSONWebKeySet | undefined;
  readonly redirectUris: readonly string[];
  readonly grantTypes: ReadonlySet<string>;
  readonly responseTypes: ReadonlySet<string>;
  /** Scopes the client may request; undefined: any scope the server supports. */
  readonly scopes: ReadonlySet<string> | undefined;
  readonly requirePushedAuthorizationRequests: boolean;
  readonly authorizationDetailsTypes: readonly string[] | undefined;
  readonly dpopBoundAccessTokens: boolean;
  readonly requireSignedRequestObject: boolean;
}

/** Minimum length of a client secret, in characters. */
export const MIN_CLIENT_SECRET_LENGTH = 32;

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

/**
 * Validates client metadata and turns it into a {@link Client}. `where` names the registration in
 * error messages (`clients[2]`), so that bad configuration fails at boot saying what to fix.
 */
export function normalizeClient(metadata: ClientMetadata, where: string): Client {
  const fail = (field: string, problem: string): never => {
    throw new ParConfigurationError(`${where}.${field}`, problem);
  };
  if (typeof metadata !== 'object' || metadata === null) throw new ParConfigurationError(where, 'must be an object');
  const id = metadata.client_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 255 || /[^\x20-\x7e]/.test(id)) {
    fail('client_id', 'must be a non-empty printable ASCII string of at most 255 characters');
  }
  const authMethod = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(authMethod)) {
    fail('token_endpoint_auth_method', `must be one of ${CLIENT_AUTH_METHODS.join(', ')} (got "${String(authMethod)}")`);
  }
  let secretHash: Buffer | undefined;
  if (authMethod === 'client_secret_basic' || authMethod === 'client_secret_post') {
    const secret = metadata.client_secret;
    if (typeof secret !== 'string' || secret.length < MIN_CLIENT_SECRET_LENGTH) {
      fail('client_secret', `is required for ${authMethod} and must have at least ${MIN_CLIENT_SECRET_LENGTH} characters`);
    }
    secretHash = sha256Bytes(secret as string);
  }
  const jwks = metadata.jwks;
  if (jwks !== undefined) {
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) fail('jwks', 'must be a JWK Set ({ keys: [...] })');
    jwks.keys.forEach((key: JWK, i: number) => {
      if (typeof key !== 'object' || key === null || Array.isArray(key)) fail(`jwks.keys[${i}]`, 'must be a JWK object');
      if (PRIVATE_JWK_MEMBERS.some((m) => m in key)) fail(`jwks.keys[${i}]`, 'must be a public key (it has private members)');
    });
  }
  if (authMethod === 'private_key_jwt' && (jwks === undefined || jwks.keys.length === 0)) {
    fail('jwks', 'is required for private_key_jwt and must hold at least one public key');
  }
  const redirectUris = metadata.redirect_uris;
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) fail('redirect_uris', 'must be a non-empty array');
  redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) fail(`redirect_uris[${i}]`, problem);
  });
  const grantTypes = stringSet(metadata.grant_types ?? ['authorization_code'], `${where}.grant_types`);
  const responseTypes = stringSet(metadata.response_types ?? ['code'], `${where}.response_types`);
  if (metadata.scope !== undefined && typeof metadata.scope !== 'string') fail('scope', 'must be a space-separated string of scopes');
  const scopes = metadata.scope === undefined ? undefined : new Set(metadata.scope.split(' ').filter(Boolean));
  return {
    id,
    name: metadata.client_name,
    authMethod,
    secretHash,
    jwks,
    redirectUris: [...redirectUris],
    grantTypes,
    responseTypes,
    scopes,
    requirePushedAuthorizationRequests: metadata.require_pushed_authorization_requests === true,
    authorizationDetailsTypes: metadata.authorization_details_types ? [...metadata.authorization_details_types] : undefined,
    dpopBoundAccessTokens: metadata.dpop_bound_access_tokens === true,
    requireSignedRequestObject: metadata.require_signed_request_object === true,
  };
}

/** Why a string is not an acceptable redirect URI (RFC 6749 §3.1.2), or undefined when it is. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return 'must be a string';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'vbscript:') {
    return `must not use the ${url.protocol} scheme`;
  }
  return undefined;
}

function stringSet(values: readonly string[], where: string): ReadonlySet<string> {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new ParConfigurationError(where, 'must be an array of strings');
  }
  return new Set(values);
}
