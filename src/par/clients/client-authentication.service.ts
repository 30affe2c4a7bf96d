import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { optional, type Params } from '../common/form.js';
import { secretMatches } from '../common/secrets.js';
import { invalidClient, invalidRequest, OAuthError } from '../errors/oauth-error.js';
import { ParEvents } from '../observability/par-events.service.js';
import { parLogger } from '../observability/par-logger.js';
import { noteClient } from '../observability/request-context.js';
import { PAR_OPTIONS, REPLAY_STORE } from '../par.constants.js';
import { ASSERTION_SIGNING_ALGS, type RateLimitedEndpoint, type ResolvedParOptions } from '../par.options.js';
import type { ReplayStore } from '../persistence/stores.js';
import { RateLimiter } from '../rate-limits/rate-limiter.service.js';
import { assertionAudienceAccepted } from './assertion-audience.js';
import type { Client, ClientAuthMethod } from './client.js';
import { ClientsService } from './clients.service.js';

/** RFC 7523 §2.2 client assertion type. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client whose credentials were verified for this request. */
export interface AuthenticatedClient {
  readonly client: Client;
  readonly method: ClientAuthMethod;
}

/** The URL of the endpoint that received the request (a `lenient` assertion audience may name it). */
export interface AuthenticationTarget {
  readonly endpointUrl: string;
  /** The endpoint's per-client rate limit, counted once the client is known and before its credentials are checked. */
  readonly rateLimit?: RateLimitedEndpoint;
}

const GENERIC_FAILURE = 'client authentication failed';

/**
 * Client authentication shared by the PAR endpoint and the token endpoint (RFC 9126 §2: "the same
 * as at the token endpoint"): client_secret_basic, client_secret_post, private_key_jwt and none.
 * Exactly one method per request, and it must be the client's registered one.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
@Injectable()
export class ClientAuthenticationService {
  private readonly keySets = new WeakMap<Client, ReturnType<typeof createLocalJWKSet>>();

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(REPLAY_STORE) private readonly replay: ReplayStore,
    private readonly clients: ClientsService,
    private readonly events: ParEvents,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * The client of this request, its credentials verified; `invalid_client` otherwise (reported as a
   * `client.authentication_failed` event).
   */
  async authenticate(req: Request, params: Params, target: AuthenticationTarget): Promise<AuthenticatedClient> {
    const presented = presentedMethod(req, params);
    const attempt: { clientId?: string } = {};
    try {
      const authenticated = await this.verify(req, params, target, presented, attempt);
      parLogger.verbose('client authenticated', { clientId: authenticated.client.id, authMethod: presented });
      return authenticated;
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'invalid_client') {
        this.events.emit({
          type: 'client.authentication_failed',
          ...(attempt.clientId !== undefined && { clientId: attempt.clientId.slice(0, 128) }),
          authMethod: presented,
          endpoint: target.endpointUrl.slice(this.options.issuer.length),
          reason: error.description,
        });
      }
      throw error;
    }
  }

  /** `attempt` learns the client_id presented as soon as it is read, for the failure event. */
  private async verify(req: Request, params: Params, target: AuthenticationTarget, presented: ClientAuthMethod, attempt: { clientId?: string }): Promise<AuthenticatedClient> {
    const bodyClientId = optional(params, 'client_id');
    const basic = presented === 'client_secret_basic';
    let clientId: string;
    let basicSecret: string | undefined;
    if (presented === 'client_secret_basic') {
      [clientId, basicSecret] = parseBasicCredentials(req.headers.authorization ?? '');
    } else if (presented === 'private_key_jwt') {
      clientId = assertionSubject(params);
    } else if (bodyClientId !== undefined) {
      clientId = bodyClientId;
    } else {
      throw invalidClient('client authentication is required');
    }
    attempt.clientId = clientId;
    noteClient(clientId);
    if (bodyClientId !== undefined && bodyClientId !== clientId) {
      throw invalidClient('client_id does not match the authenticated client', basic);
    }
    const client = await this.clients.find(clientId);
    if (client === undefined) throw invalidClient(GENERIC_FAILURE, basic);
    // Only registered clients are counted (an unknown client_id makes no counter), and before the
    // credentials are checked, so that guessing a secret is limited too.
    if (target.rateLimit !== undefined) this.rateLimiter.checkClient(target.rateLimit, client.id);
    // FAPI 2.0 §5.3.2.1-6: private_key_jwt only. A static list is checked at boot; this catches the
    // clients of a custom ClientRegistry.
    if (this.options.profile === 'fapi2' && client.authMethod !== 'private_key_jwt') {
      throw invalidClient(`client is registered with ${client.authMethod}, which the fapi2 profile does not allow (private_key_jwt only)`, basic);
    }
    if (client.authMethod !== presented) {
      throw invalidClient(`client must authenticate with ${client.authMethod}`, basic);
    }
    switch (presented) {
      case 'client_secret_basic':
        this.checkSecret(client, basicSecret ?? '', true);
        break;
      case 'client_secret_post':
        this.checkSecret(client, optional(params, 'client_secret') ?? '', false);
        break;
      case 'private_key_jwt':
        await this.checkAssertion(client, params, target);
        break;
      case 'none':
        break;
    }
    return { client, method: presented };
  }

  private checkSecret(client: Client, secret: string, basic: boolean): void {
    if (client.secretHash === undefined || !secretMatches(secret, client.secretHash)) {
      throw invalidClient(GENERIC_FAILURE, basic);
    }
  }

  /** RFC 7523 §3 and OIDC Core §9 checks of a private_key_jwt assertion. */
  private async checkAssertion(client: Client, params: Params, target: AuthenticationTarget): Promise<void> {
    const assertion = optional(params, 'client_assertion') ?? '';
    const now = this.options.clock.now();
    const skew = this.options.clockSkew;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keySet(client), {
        algorithms: [...ASSERTION_SIGNING_ALGS],
        currentDate: new Date(now),
        clockTolerance: skew,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw invalidClient(`invalid client assertion: ${assertionProblem(error)}`);
      throw error;
    }
    const nowSeconds = Math.floor(now / 1000);
    if (payload.iss !== client.id || payload.sub !== client.id) {
      throw invalidClient('invalid client assertion: iss and sub must be the client_id');
    }
    if (!assertionAudienceAccepted(payload.aud, this.options.clientAssertionAudience, this.options.issuer, target.endpointUrl)) {
      throw invalidClient('invalid client assertion: aud is not accepted');
    }
    const exp = payload.exp as number;
    if (exp > nowSeconds + this.options.clientAssertionMaxLifetime) {
      throw invalidClient(`invalid client assertion: exp is more than ${this.options.clientAssertionMaxLifetime} seconds ahead`);
    }
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + skew) {
      throw invalidClient('invalid client assertion: iat is in the future');
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 512) {
      throw invalidClient('invalid client assertion: jti must be a non-empty string');
    }
    const first = await this.replay.firstUse(`client_assertion\n${client.id}\n${jti}`, new Date((exp + skew) * 1000), new Date(now));
    if (!first) throw invalidClient('invalid client assertion: jti has already been used');
  }

  private keySet(client: Client): ReturnType<typeof createLocalJWKSet> {
    let set = this.keySets.get(client);
    if (set === undefined) {
      set = createLocalJWKSet(client.jwks ?? { keys: [] });
      this.keySets.set(client, set);
    }
    return set;
  }
}

/**
 * Which single method the request uses (RFC 6749 §2.3: a client MUST NOT use more than one).
 * An Authorization header of another scheme (DPoP, Bearer) is not client authentication.
 */
function presentedMethod(req: Request, params: Params): ClientAuthMethod {
  const methods: ClientAuthMethod[] = [];
  if (/^basic(?:\s|$)/i.test(req.headers.authorization ?? '')) methods.push('client_secret_basic');
  if (params.has('client_secret')) methods.push('client_secret_post');
  if (params.has('client_assertion') || params.has('client_assertion_type')) methods.push('private_key_jwt');
  if (methods.length > 1) throw invalidRequest('more than one client authentication method was used');
  return methods[0] ?? 'none';
}

/** RFC 6749 §2.3.1: the id and secret are form-urlencoded before being joined with ':' and base64-encoded. */
function parseBasicCredentials(header: string): [string, string] {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!/^[A-Za-z0-9+/]+=*$/.test(encoded) || colon < 1) {
    throw invalidClient('malformed HTTP Basic credentials', true);
  }
  try {
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    throw invalidClient('malformed HTTP Basic credentials', true);
  }
}

function formDecode(value: string): string {
  // Most ids and secrets hold nothing to decode: skip the work then.
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** The client an assertion claims to come from, before anything about it is trusted. */
function assertionSubject(params: Params): string {
  if (optional(params, 'client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) {
    throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
  }
  const assertion = optional(params, 'client_assertion');
  if (assertion === undefined) throw invalidClient('missing client_assertion');
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw invalidClient('client_assertion is not a well-formed JWT');
  }
  if (typeof sub !== 'string' || sub.length === 0) throw invalidClient('invalid client assertion: missing sub');
  return sub;
}

/** A short, safe reason from a jose error (never the token itself). */
function assertionProblem(error: joseErrors.JOSEError): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `${error.claim} claim check failed (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `alg must be one of ${ASSERTION_SIGNING_ALGS.join(', ')}`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  return 'malformed';
}

