import type { JWK } from 'jose';
import { type Clock, systemClock } from './common/clock.js';
import { ParConfigurationError } from './common/configuration-error.js';
import type { AuthorizationDetailsValidator } from './authorization-details/authorization-details.js';
import type { FindAccountClaims } from './claims/account-claims.js';
import type { ClientMetadata } from './clients/client.js';
import { type ClientRegistry, StaticClientRegistry } from './clients/client-registry.js';
import type { ParEventListener } from './observability/par-event.js';
import type { SilentInteraction } from './interaction/interaction.types.js';
import { checkFapi2Clients, PAR_PROFILES, type ParProfile, withFapi2Profile } from './fapi2-profile.js';

/**
 * Which `aud` values a `private_key_jwt` client assertion may carry.
 * - `issuer`: the issuer identifier as the sole audience, a string or a one-element array
 *   (draft-ietf-oauth-rfc7523bis, which updates RFC 9126 §2).
 * - `issuer-string`: the issuer identifier, as a string only (FAPI 2.0 Security Profile §5.3.2.1-8).
 * - `lenient`: RFC 9126 §2 as first published: the issuer, the token endpoint URL or the PAR endpoint
 *   URL, alone or in an array (what FAPI 1.0 conformance tests expect).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export type ClientAssertionAudiencePolicy = 'issuer' | 'issuer-string' | 'lenient';

/** JWS algorithms accepted for client assertions (FAPI 2.0 §5.4). */
export const ASSERTION_SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;

/** What a host passes to `ParModule.forRoot()` / `forRootAsync()`. */
export interface ParModuleOptions {
  /**
   * The issuer identifier (RFC 8414 §2): an absolute https URL (http only for localhost) without query
   * or fragment. Endpoint URLs are built from it, so the app must serve ParModule at this URL.
   */
  issuer: string;
  /** The clients: a static list of RFC 7591 metadata, or your own {@link ClientRegistry}. */
  clients: readonly ClientMetadata[] | ClientRegistry;
  /**
   * The security profile. `fapi2`: FAPI 2.0 Security Profile Final. PAR, the issuer-string assertion
   * audience and DPoP are then required (`requirePushedAuthorizationRequests`, `clientAssertionAudience`
   * and `requireDpop` are forced), `rotateRefreshTokens` defaults to `never`, and an option set against
   * the profile (`codeTtl` > 60, `clockSkew` < 10, `rotateRefreshTokens: 'always'`, ...) fails the boot.
   * Every client must use `private_key_jwt`, with no http redirect URI except on 127.0.0.1 or [::1]:
   * a static list is checked at boot, a custom registry's client is refused (`invalid_client`) when used.
   * @see https://openid.net/specs/fapi-security-profile-2_0-final.html
   * @default 'oauth2' (no profile beyond the options themselves)
   */
  profile?: ParProfile;
  /**
   * Seconds a pushed request_uri may be redeemed at the authorization endpoint (RFC 9126 §2.2
   * `expires_in`). 5 to 599.
   * @default 60
   */
  requestUriTtl?: number;
  /**
   * Seconds the login and consent started by a request_uri's first use may take (it may be
   * continued by reloading meanwhile). Separate from `requestUriTtl`, so that slow or multi-factor
   * logins complete. 60 to 86400.
   * @default 600
   */
  interactionTtl?: number;
  /**
   * Where /authorize sends the browser for login and consent: the host's page for interaction `uid`
   * (absolute, or relative to the issuer's origin).
   * @default (uid) => `/interaction/${uid}`
   */
  interactionUrl?: (uid: string) => string;
  /**
   * Lets /authorize end the interaction itself, without sending the browser to the host's page, when
   * the host already knows the answer: the browser has the host's signed-in session and the user has
   * already granted what is asked (single sign-on), or `prompt=none` cannot be satisfied. Called with
   * the request to /authorize (its cookies) and the interaction's details, after the request is
   * validated; not called with `prompt=login`, `consent` or `select_account`, which ask for a page.
   * Answer an `InteractionResult` to issue the code at once (the rules of
   * `InteractionService.finish` apply; a login older than `max_age` counts as no answer), an
   * `InteractionDenialError` such as `consent_required` to end with that error, or undefined to
   * show the page (with `prompt=none`: to end with `login_required`, OIDC Core §3.1.2.1).
   * Without it every interaction goes to the host's page, `prompt=none` included.
   */
  silentInteraction?: SilentInteraction;
  /** Seconds an authorization code lives. 1 to 600 (to 60 under the fapi2 profile, FAPI 2.0 §5.3.2.1-11). @default 60 */
  codeTtl?: number;
  /** Seconds an access token lives. 1 to 86400. @default 300 */
  accessTokenTtl?: number;
  /** Seconds an ID token lives. 1 to 86400. @default 3600 */
  idTokenTtl?: number;
  /** Seconds a refresh token lives. 60 to 31536000. @default 1209600 (14 days) */
  refreshTokenTtl?: number;
  /**
   * Which clients get a new refresh token at each use (the old one is then dead, and replaying it
   * revokes the grant): `public` clients only (RFC 9700 §4.14.2), `always`, or `never` (FAPI 2.0
   * §5.3.2.1-9 discourages rotation for confidential clients).
   * @default 'public' ('never' under the fapi2 profile, which refuses 'always')
   */
  rotateRefreshTokens?: 'public' | 'always' | 'never';
  /** `aud` of access tokens when the request names no `resource` (RFC 8707). @default the issuer */
  accessTokenAudience?: string;
  /**
   * Private JWKs that sign tokens: the first signs, all are published at /jwks, so rotation is adding
   * a key in front, then removing the old one once its tokens expired. ES256 (P-256), PS256 (RSA ≥ 2048
   * bits) or EdDSA (Ed25519); each with a distinct `kid` (derived from the thumbprint when absent).
   * @default a development key, generated once and kept in the database (a warning is logged)
   */
  signingKeys?: readonly JWK[];
  /**
   * The user's claims, for the ID token or for UserInfo (`request.target`): `request.claims` are the
   * names asked by the granted scopes (OIDC Core §5.4) and by the `claims` request parameter (§5.5);
   * `request.verifiedClaims` the IDA `verified_claims` requested (only with `identityAssurance`).
   * Return what the user has (for IDA, `verified_claims`: an array of `{ verification, claims }` you
   * can attest); the server releases only what was requested, and never `sub`, `iss` or the other
   * claims it sets itself. Missing claims are simply left out.
   * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
   * @default no claims beyond sub
   */
  findAccountClaims?: FindAccountClaims;
  /**
   * OpenID Connect for Identity Assurance 1.0: serve `verified_claims` (requested in the `claims`
   * parameter, attested by `findAccountClaims`), and publish what is supported in discovery
   * (`verified_claims_supported`, `trust_frameworks_supported`, `claims_in_verified_claims_supported`,
   * `evidence_supported`, `documents_supported`).
   * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html
   * @default not served (verified_claims requests are ignored)
   */
  identityAssurance?: IdentityAssuranceOptions;
  /**
   * RFC 9126 §5: refuse every authorization request that does not use a pushed request_uri.
   * @default false (true under the fapi2 profile, which refuses false)
   */
  requirePushedAuthorizationRequests?: boolean;
  /**
   * RFC 9126 §2.4: accept redirect_uris that were never registered, in pushes from clients that
   * authenticated with credentials (never from public clients, §7.2).
   * @default false
   */
  allowUnregisteredRedirectUris?: boolean;
  /**
   * RFC 9101 §10.5: every client must push a signed request object (`request`, RFC 9126 §3); a push
   * without one is refused with `invalid_request` (RFC 9126 §2.3), as is an authorization request that
   * does not use PAR. A client can also be held to it by its `require_signed_request_object`
   * registration. Published as `require_signed_request_object`.
   * @see https://www.rfc-editor.org/rfc/rfc9101#section-10.5
   * @default false
   */
  requireSignedRequestObject?: boolean;
  /**
   * RFC 9449: require DPoP sender-constrained tokens from every client (a DPoP proof at the token
   * endpoint), not only from clients registered with `dpop_bound_access_tokens` or whose code is bound.
   * @default false (true under the fapi2 profile)
   */
  requireDpop?: boolean;
  /** Seconds a DPoP proof's `iat` may lie in the past (RFC 9449 §11.1). 10 to 300. @default 60 */
  dpopProofMaxAge?: number;
  /**
   * RFC 9449 §8: require server-provided nonces in DPoP proofs (answered with `use_dpop_nonce` and a
   * `DPoP-Nonce` header until the client sends one). Nonces are stateless, valid 1–2 minutes, and
   * recognised by every instance (derived from the signing key).
   * @default false
   */
  dpopNonces?: boolean;
  /** Which `aud` a client assertion may carry. @default 'issuer' ('issuer-string', the only one allowed, under the fapi2 profile) */
  clientAssertionAudience?: ClientAssertionAudiencePolicy;
  /** Longest accepted lifetime of a client assertion (`exp` − now), in seconds. 1 to 3600. @default 300 */
  clientAssertionMaxLifetime?: number;
  /**
   * Seconds a JWT's `iat` / `nbf` may lie in the future, and past its `exp` (FAPI 2.0 §5.3.2.1-13:
   * accept up to 10, reject 60 or more). 0 to 59 (10 to 59 under the fapi2 profile).
   * @default 10
   */
  clockSkew?: number;
  /** Scopes this server knows; a client without a registered `scope` may ask for any of them. */
  scopesSupported?: readonly string[];
  /**
   * RFC 9396 authorization details types this server accepts, each with its validator (a function
   * returning a problem, or a class-validator class). Published as `authorization_details_types_supported`.
   * @default none (authorization_details is refused)
   */
  authorizationDetailsTypes?: Readonly<Record<string, AuthorizationDetailsValidator>>;
  /** Largest accepted form body, in bytes (RAR requests are large by design). @default 524288 (512 KiB) */
  maxBodyBytes?: number;
  /**
   * Most parameters a form body or an /authorize query may carry (a repeated name counts each time).
   * 10 to 10000; beyond it: 400 `invalid_request`.
   * @default 100
   */
  maxParameters?: number;
  /** Longest accepted parameter name, in characters. 32 to 1024. @default 128 */
  maxParameterNameLength?: number;
  /**
   * Longest accepted value of a plain parameter (`client_id`, `scope`, `redirect_uri`, `code`,
   * `code_verifier`, `grant_type`, `refresh_token`, unknown ones, ...), in characters; beyond it: 400
   * `invalid_request` naming the parameter. `request`, `authorization_details`, `claims`,
   * `client_assertion` and `id_token_hint` are bounded by `maxBodyBytes` only; `state` and `nonce` by
   * their own options. 256 to 65536.
   * @default 2048
   */
  maxParameterLength?: number;
  /**
   * Rate limits of the pushed authorization and token endpoints (RFC 9126 §2.3: 429 with `Retry-After`),
   * per client (the client_id the request claims, once it names a registered client, counted before its
   * credentials are checked) and per address (`req.ip`: behind a proxy, set Express's `trust proxy`).
   * Counted in memory per instance in fixed windows and summed across instances through the
   * `par_rate_limits` table every `syncInterval` ms. `false` turns them off.
   * @default on: 1000 per 60 s per client and per address on each endpoint
   */
  rateLimits?: false | RateLimitsOptions;
  /** Longest accepted `state`, in characters. At least 64. @default 1024 */
  maxStateLength?: number;
  /** Longest accepted `nonce`, in characters. At least 64 (FAPI 2.0 §5.3.2.2-13). @default 512 */
  maxNonceLength?: number;
  /** Seconds between purges of expired rows; 0 turns the background purge off. @default 60 */
  purgeInterval?: number;
  /**
   * Seconds pushed requests and codes are kept past their end before the purge deletes them: while
   * kept, a replayed code is recognised as a replay (and its grant revoked, RFC 6749 §4.1.2) rather
   * than as unknown. From 0 to 86400.
   * @default 3600
   */
  purgeGrace?: number;
  /**
   * Seconds a shutdown (`app.close()`, SIGTERM with `enableShutdownHooks()`) waits for in-flight HTTP
   * requests to finish, after it stopped accepting connections and before the database pool closes;
   * connections still open then are closed. From 0 to 120; keep it below the orchestrator's grace
   * period (Kubernetes: `terminationGracePeriodSeconds`, 30 by default).
   * @default 10
   */
  shutdownTimeout?: number;
  /** Where "now" comes from (tests). @default the system clock */
  clock?: Clock;
  /**
   * Receives the protocol events (`ParEvent`: request pushed, interaction started or denied, code
   * issued, code replay detected, tokens issued or revoked, client authentication failed), for audit.
   * Called after the change is stored and outside the request (it never delays or fails one); its
   * errors and rejections are logged. The injectable `ParEvents` service offers the same to DI.
   * @default none (events are still logged at the `log` level)
   */
  onEvent?: ParEventListener;
}

/**
 * At most `limit` requests per fixed window of `windowSeconds` (windows start at multiples of
 * `windowSeconds` since the epoch, by the injected clock).
 */
export interface RateLimit {
  /** Requests admitted per window. 1 to 1000000000. */
  readonly limit: number;
  /** Length of a window, in seconds. 1 to 86400. */
  readonly windowSeconds: number;
}

/** The rate limits of one endpoint; `false` (or absent with `false` given) turns one off. */
export interface EndpointRateLimits {
  /** Per registered client (the client_id the request claims). @default { limit: 1000, windowSeconds: 60 } */
  readonly perClient?: RateLimit | false;
  /** Per remote address (`req.ip`; IPv6 addresses are counted per /64). @default { limit: 1000, windowSeconds: 60 } */
  readonly perAddress?: RateLimit | false;
}

/**
 * Rate limits of the pushed authorization and token endpoints.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.3
 */
export interface RateLimitsOptions {
  /** `POST /par`. */
  readonly pushedAuthorization?: EndpointRateLimits;
  /** `POST /token`. */
  readonly token?: EndpointRateLimits;
  /**
   * Milliseconds between two synchronisations of an instance's counters with the database (one
   * statement each). Across N instances a limit may be exceeded by about N × rate × syncInterval.
   * 10 to 60000.
   * @default 1000
   */
  readonly syncInterval?: number;
  /**
   * Most counters an instance keeps in memory (each a key of at most 255 characters). Counters of
   * closed windows are dropped at each sync; beyond the cap, new keys are not limited until room is
   * made (fail open), and a warning is logged. 10 to 10000000.
   * @default 100000
   */
  readonly maxKeys?: number;
}

/** The endpoints that are rate limited. */
export type RateLimitedEndpoint = 'pushedAuthorization' | 'token';

/** {@link RateLimitsOptions} validated, with defaults; `undefined` is a limit turned off. */
export interface ResolvedRateLimits {
  readonly pushedAuthorization: { readonly perClient: RateLimit | undefined; readonly perAddress: RateLimit | undefined };
  readonly token: { readonly perClient: RateLimit | undefined; readonly perAddress: RateLimit | undefined };
  readonly syncInterval: number;
  readonly maxKeys: number;
}

/** The default of every limit in {@link RateLimitsOptions}. */
export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 1000, windowSeconds: 60 };

/** What the server publishes about OpenID Connect for Identity Assurance 1.0 (all lists of names). */
export interface IdentityAssuranceOptions {
  /** Trust frameworks the attested claims are verified under (`trust_frameworks_supported`), e.g. `de_aml`, `eidas`. Non-empty. */
  readonly trustFrameworks: readonly string[];
  /** Claims that can appear in `verified_claims` (`claims_in_verified_claims_supported`). Non-empty. */
  readonly claimsInVerifiedClaims: readonly string[];
  /** Evidence types (`evidence_supported`), e.g. `document`, `electronic_record`; may be empty. */
  readonly evidence: readonly string[];
  /** Document types (`documents_supported`), e.g. `idcard`, `passport`; required when `evidence` has `document`. */
  readonly documents?: readonly string[];
}

/** Default scopes when `scopesSupported` is not set. */
export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] as const;

/** {@link ParModuleOptions} validated and with every default filled in. */
export interface ResolvedParOptions {
  readonly issuer: string;
  readonly clients: ClientRegistry;
  readonly profile: ParProfile;
  readonly requestUriTtl: number;
  readonly interactionTtl: number;
  readonly interactionUrl: (uid: string) => string;
  readonly silentInteraction: SilentInteraction | undefined;
  readonly codeTtl: number;
  readonly accessTokenTtl: number;
  readonly idTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly rotateRefreshTokens: 'public' | 'always' | 'never';
  readonly accessTokenAudience: string;
  readonly signingKeys: readonly JWK[] | undefined;
  readonly findAccountClaims: NonNullable<ParModuleOptions['findAccountClaims']>;
  readonly identityAssurance: IdentityAssuranceOptions | undefined;
  readonly requirePushedAuthorizationRequests: boolean;
  readonly allowUnregisteredRedirectUris: boolean;
  readonly requireSignedRequestObject: boolean;
  readonly requireDpop: boolean;
  readonly dpopProofMaxAge: number;
  readonly dpopNonces: boolean;
  readonly clientAssertionAudience: ClientAssertionAudiencePolicy;
  readonly clientAssertionMaxLifetime: number;
  readonly clockSkew: number;
  readonly scopesSupported: readonly string[];
  readonly authorizationDetailsTypes: Readonly<Record<string, AuthorizationDetailsValidator>>;
  readonly maxBodyBytes: number;
  readonly maxParameters: number;
  readonly maxParameterNameLength: number;
  readonly maxParameterLength: number;
  readonly rateLimits: ResolvedRateLimits | false;
  readonly maxStateLength: number;
  readonly maxNonceLength: number;
  readonly purgeInterval: number;
  readonly purgeGrace: number;
  readonly shutdownTimeout: number;
  readonly clock: Clock;
  readonly onEvent: ParEventListener | undefined;
}

/**
 * Validates options and fills in defaults: the one place where both live. Throws a
 * {@link ParConfigurationError} naming the option on the first problem.
 */
export function resolveParOptions(given: ParModuleOptions): ResolvedParOptions {
  if (typeof given !== 'object' || given === null) throw new ParConfigurationError('options', 'must be an object');
  const profile = given.profile ?? 'oauth2';
  if (!PAR_PROFILES.includes(profile)) throw new ParConfigurationError('profile', `must be 'oauth2' or 'fapi2' (got ${JSON.stringify(profile)})`);
  // FAPI 2.0: what the profile requires becomes the option's value; an option set against it fails here.
  const options = profile === 'fapi2' ? withFapi2Profile(given) : given;
  const issuer = checkIssuer(options.issuer);
  const clients = options.clients;
  if (clients === undefined || clients === null) throw new ParConfigurationError('clients', 'is required');
  const registry: ClientRegistry = Array.isArray(clients)
    ? new StaticClientRegistry(clients)
    : checkRegistry(clients as ClientRegistry);
  if (profile === 'fapi2' && registry instanceof StaticClientRegistry) checkFapi2Clients(clients as readonly ClientMetadata[], registry);
  const audience = options.clientAssertionAudience ?? 'issuer';
  if (!['issuer', 'issuer-string', 'lenient'].includes(audience)) {
    throw new ParConfigurationError('clientAssertionAudience', `must be 'issuer', 'issuer-string' or 'lenient' (got "${String(audience)}")`);
  }
  const scopesSupported = options.scopesSupported ?? DEFAULT_SCOPES;
  if (!Array.isArray(scopesSupported) || scopesSupported.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new ParConfigurationError('scopesSupported', 'must be an array of scope tokens (RFC 6749 §3.3)');
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function') throw new ParConfigurationError('clock', 'must have a now() method');
  return {
    issuer,
    clients: registry,
    profile,
    requestUriTtl: integer(options, 'requestUriTtl', 60, 5, 599),
    interactionTtl: integer(options, 'interactionTtl', 600, 60, 86_400),
    interactionUrl: checkInteractionUrl(options.interactionUrl),
    silentInteraction: checkFunction(options.silentInteraction, 'silentInteraction'),
    codeTtl: integer(options, 'codeTtl', 60, 1, 600),
    accessTokenTtl: integer(options, 'accessTokenTtl', 300, 1, 86_400),
    idTokenTtl: integer(options, 'idTokenTtl', 3600, 1, 86_400),
    refreshTokenTtl: integer(options, 'refreshTokenTtl', 1_209_600, 60, 31_536_000),
    rotateRefreshTokens: oneOf(options, 'rotateRefreshTokens', ['public', 'always', 'never'], 'public'),
    accessTokenAudience: checkAudience(options.accessTokenAudience, issuer),
    signingKeys: checkSigningKeys(options.signingKeys),
    findAccountClaims: checkFunction(options.findAccountClaims, 'findAccountClaims') ?? (() => ({})),
    identityAssurance: checkIdentityAssurance(options.identityAssurance),
    requirePushedAuthorizationRequests: flag(options, 'requirePushedAuthorizationRequests'),
    allowUnregisteredRedirectUris: flag(options, 'allowUnregisteredRedirectUris'),
    requireSignedRequestObject: flag(options, 'requireSignedRequestObject'),
    requireDpop: flag(options, 'requireDpop'),
    dpopProofMaxAge: integer(options, 'dpopProofMaxAge', 60, 10, 300),
    dpopNonces: flag(options, 'dpopNonces'),
    clientAssertionAudience: audience,
    clientAssertionMaxLifetime: integer(options, 'clientAssertionMaxLifetime', 300, 1, 3600),
    clockSkew: integer(options, 'clockSkew', 10, 0, 59),
    scopesSupported: [...scopesSupported],
    authorizationDetailsTypes: checkDetailsTypes(options.authorizationDetailsTypes),
    maxBodyBytes: integer(options, 'maxBodyBytes', 512 * 1024, 1024, 64 * 1024 * 1024),
    maxParameters: integer(options, 'maxParameters', 100, 10, 10_000),
    maxParameterNameLength: integer(options, 'maxParameterNameLength', 128, 32, 1024),
    maxParameterLength: integer(options, 'maxParameterLength', 2048, 256, 65_536),
    rateLimits: checkRateLimits(options.rateLimits),
    maxStateLength: integer(options, 'maxStateLength', 1024, 64, 65_536),
    maxNonceLength: integer(options, 'maxNonceLength', 512, 64, 65_536),
    purgeInterval: integer(options, 'purgeInterval', 60, 0, 86_400),
    purgeGrace: integer(options, 'purgeGrace', 3600, 0, 86_400),
    shutdownTimeout: integer(options, 'shutdownTimeout', 10, 0, 120),
    clock,
    onEvent: checkFunction(options.onEvent, 'onEvent'),
  };
}

function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string') throw new ParConfigurationError('issuer', 'is required and must be a string');
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ParConfigurationError('issuer', `must be an absolute URL (got "${issuer}")`);
  }
  if (url.search !== '' || issuer.includes('?')) throw new ParConfigurationError('issuer', 'must not have a query (RFC 8414 §2)');
  if (url.hash !== '' || issuer.includes('#')) throw new ParConfigurationError('issuer', 'must not have a fragment (RFC 8414 §2)');
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ParConfigurationError('issuer', 'must use https (http is allowed for localhost only)');
  }
  // One canonical spelling: endpoint URLs are the issuer plus a path.
  return issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
}

function oneOf<T extends string>(options: ParModuleOptions, name: 'rotateRefreshTokens', values: readonly T[], fallback: T): T {
  const value = options[name] ?? fallback;
  if (!values.includes(value as T)) throw new ParConfigurationError(name, `must be one of ${values.map((v) => `'${v}'`).join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

function checkAudience(audience: unknown, issuer: string): string {
  if (audience === undefined) return issuer;
  if (typeof audience !== 'string' || audience.length === 0) throw new ParConfigurationError('accessTokenAudience', 'must be a non-empty string');
  return audience;
}

function checkFunction<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ParConfigurationError(name, 'must be a function');
  return value;
}

function checkIdentityAssurance(ida: ParModuleOptions['identityAssurance']): IdentityAssuranceOptions | undefined {
  if (ida === undefined) return undefined;
  if (typeof ida !== 'object' || ida === null) throw new ParConfigurationError('identityAssurance', 'must be an object with trustFrameworks, claimsInVerifiedClaims and evidence');
  const names = (value: unknown, name: string, nonEmpty: boolean): string[] => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '') || (nonEmpty && value.length === 0)) {
      throw new ParConfigurationError(`identityAssurance.${name}`, `must be ${nonEmpty ? 'a non-empty' : 'an'} array of non-empty strings`);
    }
    return [...new Set(value as string[])];
  };
  const evidence = names(ida.evidence, 'evidence', false);
  const documents = ida.documents === undefined ? undefined : names(ida.documents, 'documents', true);
  // IDA 1.0 OP metadata: documents_supported is required when evidence_supported has "document".
  if (evidence.includes('document') && documents === undefined) throw new ParConfigurationError('identityAssurance.documents', 'is required when evidence has "document"');
  return {
    trustFrameworks: names(ida.trustFrameworks, 'trustFrameworks', true),
    claimsInVerifiedClaims: names(ida.claimsInVerifiedClaims, 'claimsInVerifiedClaims', true),
    evidence,
    ...(documents !== undefined && { documents }),
  };
}

/** Algorithms a signing key may have, by key type and curve (FAPI 2.0 §5.4). */
export const SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;

function checkSigningKeys(keys: readonly JWK[] | undefined): readonly JWK[] | undefined {
  if (keys === undefined) return undefined;
  if (!Array.isArray(keys) || keys.length === 0) throw new ParConfigurationError('signingKeys', 'must be a non-empty array of private JWKs');
  const kids = new Set<string>();
  keys.forEach((key: JWK, i) => {
    const where = `signingKeys[${i}]`;
    if (typeof key !== 'object' || key === null || typeof key.d !== 'string') throw new ParConfigurationError(where, 'must be a private JWK (with "d")');
    const alg = key.alg ?? inferAlg(key);
    const fits =
      (alg === 'ES256' && key.kty === 'EC' && key.crv === 'P-256') ||
      (alg === 'PS256' && key.kty === 'RSA' && typeof key.n === 'string' && Buffer.from(key.n, 'base64url').length >= 256) ||
      (alg === 'EdDSA' && key.kty === 'OKP' && key.crv === 'Ed25519');
    if (!fits) throw new ParConfigurationError(where, 'must be an ES256 (EC P-256), PS256 (RSA ≥ 2048 bits) or EdDSA (Ed25519) key');
    if (key.kid !== undefined) {
      if (kids.has(key.kid)) throw new ParConfigurationError(`${where}.kid`, `duplicates "${key.kid}"`);
      kids.add(key.kid);
    }
  });
  return keys;
}

/** The algorithm a JWK without `alg` signs with. */
export function inferAlg(key: JWK): string | undefined {
  if (key.kty === 'EC' && key.crv === 'P-256') return 'ES256';
  if (key.kty === 'OKP' && key.crv === 'Ed25519') return 'EdDSA';
  if (key.kty === 'RSA') return 'PS256';
  return undefined;
}

function checkDetailsTypes(types: ParModuleOptions['authorizationDetailsTypes']): Readonly<Record<string, AuthorizationDetailsValidator>> {
  if (types === undefined) return {};
  if (typeof types !== 'object' || types === null) throw new ParConfigurationError('authorizationDetailsTypes', 'must be an object mapping types to validators');
  for (const [type, validator] of Object.entries(types)) {
    if (typeof validator !== 'function') throw new ParConfigurationError(`authorizationDetailsTypes.${type}`, 'must be a validator function or a class-validator class');
  }
  return { ...types };
}

function checkInteractionUrl(url: ParModuleOptions['interactionUrl']): (uid: string) => string {
  if (url === undefined) return (uid) => `/interaction/${uid}`;
  if (typeof url !== 'function') throw new ParConfigurationError('interactionUrl', 'must be a function (uid) => string');
  return url;
}

/**
 * Bounds of Node's HTTP server against slow and oversized requests, set by
 * {@link applyHttpServerLimits}; times in milliseconds.
 * @see https://nodejs.org/api/http.html#class-httpserver
 */
export interface HttpServerLimits {
  /** Time to receive a request's headers (Node: 60000); beyond it, 408 and the socket is closed. @default 10000 */
  readonly headersTimeout?: number;
  /** Time to receive a whole request, headers and body (Node: 300000); beyond it, 408 and close. @default 30000 */
  readonly requestTimeout?: number;
  /**
   * Time an idle keep-alive connection stays open after a response (Node: 5000). Behind a load
   * balancer, make it longer than the balancer's idle timeout (e.g. 65000 behind an AWS ALB's 60 s).
   * @default 5000
   */
  readonly keepAliveTimeout?: number;
  /** How often the two timeouts above are checked (Node: 30000), so they hold to within this. @default 1000 */
  readonly connectionsCheckingInterval?: number;
  /** Most header lines read from a request (Node: 2000); further ones are ignored. @default 100 */
  readonly maxHeadersCount?: number;
  /** Largest header section, in bytes (Node: 16384); beyond it Node answers 431 before the app sees the request. @default 16384 */
  readonly maxHeaderSize?: number;
}

/** {@link HttpServerLimits} validated, with defaults. */
export type ResolvedHttpServerLimits = Required<HttpServerLimits>;

/** Validates {@link HttpServerLimits} and fills in defaults; throws a {@link ParConfigurationError} naming the option. */
export function resolveHttpServerLimits(given: HttpServerLimits = {}): ResolvedHttpServerLimits {
  if (typeof given !== 'object' || given === null) throw new ParConfigurationError('httpServerLimits', 'must be an object');
  const limits: ResolvedHttpServerLimits = {
    headersTimeout: bounded(given.headersTimeout, 'httpServerLimits.headersTimeout', 10_000, 100, 600_000),
    requestTimeout: bounded(given.requestTimeout, 'httpServerLimits.requestTimeout', 30_000, 100, 3_600_000),
    keepAliveTimeout: bounded(given.keepAliveTimeout, 'httpServerLimits.keepAliveTimeout', 5000, 100, 600_000),
    connectionsCheckingInterval: bounded(given.connectionsCheckingInterval, 'httpServerLimits.connectionsCheckingInterval', 1000, 10, 60_000),
    maxHeadersCount: bounded(given.maxHeadersCount, 'httpServerLimits.maxHeadersCount', 100, 10, 10_000),
    maxHeaderSize: bounded(given.maxHeaderSize, 'httpServerLimits.maxHeaderSize', 16_384, 1024, 1_048_576),
  };
  // Node refuses a request timeout shorter than the headers timeout.
  if (limits.headersTimeout > limits.requestTimeout) {
    throw new ParConfigurationError('httpServerLimits.headersTimeout', `must not exceed requestTimeout (${limits.requestTimeout})`);
  }
  return limits;
}

function checkRateLimits(given: ParModuleOptions['rateLimits']): ResolvedRateLimits | false {
  if (given === false) return false;
  if (given !== undefined && (typeof given !== 'object' || given === null)) throw new ParConfigurationError('rateLimits', 'must be false or an object');
  const options: RateLimitsOptions = given ?? {};
  const endpoint = (name: RateLimitedEndpoint): ResolvedRateLimits[RateLimitedEndpoint] => {
    const limits = options[name];
    if (limits !== undefined && (typeof limits !== 'object' || limits === null)) throw new ParConfigurationError(`rateLimits.${name}`, 'must be an object with perClient and perAddress');
    return { perClient: rateLimit(limits?.perClient, `rateLimits.${name}.perClient`), perAddress: rateLimit(limits?.perAddress, `rateLimits.${name}.perAddress`) };
  };
  return {
    pushedAuthorization: endpoint('pushedAuthorization'),
    token: endpoint('token'),
    syncInterval: bounded(options.syncInterval, 'rateLimits.syncInterval', 1000, 10, 60_000),
    maxKeys: bounded(options.maxKeys, 'rateLimits.maxKeys', 100_000, 10, 10_000_000),
  };
}

function rateLimit(given: RateLimit | false | undefined, name: string): RateLimit | undefined {
  if (given === false) return undefined;
  if (given === undefined) return DEFAULT_RATE_LIMIT;
  if (typeof given !== 'object' || given === null) throw new ParConfigurationError(name, 'must be false or { limit, windowSeconds }');
  return {
    limit: bounded(given.limit, `${name}.limit`, undefined, 1, 1_000_000_000),
    windowSeconds: bounded(given.windowSeconds, `${name}.windowSeconds`, undefined, 1, 86_400),
  };
}

/** An integer option nested in an object (named by its path); required when there is no fallback. */
function bounded(given: unknown, name: string, fallback: number | undefined, min: number, max: number): number {
  const value = given ?? fallback;
  if (value === undefined) throw new ParConfigurationError(name, `is required (an integer from ${min} to ${max})`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParConfigurationError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function checkRegistry(registry: ClientRegistry): ClientRegistry {
  if (typeof registry !== 'object' || typeof registry.findClient !== 'function') {
    throw new ParConfigurationError('clients', 'must be an array of client metadata or an object with findClient(clientId)');
  }
  return registry;
}

type NumericOption = {
  [K in keyof ParModuleOptions]-?: NonNullable<ParModuleOptions[K]> extends number ? K : never;
}[keyof ParModuleOptions];

function integer(options: ParModuleOptions, name: NumericOption, fallback: number, min: number, max: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParConfigurationError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

type BooleanOption = {
  [K in keyof ParModuleOptions]-?: NonNullable<ParModuleOptions[K]> extends boolean ? K : never;
}[keyof ParModuleOptions];

function flag(options: ParModuleOptions, name: BooleanOption): boolean {
  const value = options[name] ?? false;
  if (typeof value !== 'boolean') throw new ParConfigurationError(name, `must be a boolean (got ${JSON.stringify(value)})`);
  return value;
}
