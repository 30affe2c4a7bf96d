import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthorizationRequest } from '../../authorization-request/authorization-request.js';
import { checkRequestObject } from '../../authorization-request/check-request-object.js';
import { validateAuthorizationRequest } from '../../authorization-request/validate-authorization-request.js';
import type { Client } from '../../clients/client.js';
import { ParEvents } from '../../observability/par-events.service.js';
import { parLogger } from '../../observability/par-logger.js';
import { checkDpopJkt } from '../../authorization-request/check-dpop-jkt.js';
import { DpopService } from '../../dpop/dpop.service.js';
import { ClientAuthenticationService } from '../../clients/client-authentication.service.js';
import type { Params } from '../../common/form.js';
import { randomToken, sha256 } from '../../common/secrets.js';
import { ENDPOINT_PATHS, PAR_OPTIONS, PUSHED_REQUEST_STORE, REPLAY_STORE } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import type { PushedRequestStore, ReplayStore } from '../../persistence/stores.js';
import { RateLimiter } from '../../rate-limits/rate-limiter.service.js';
import { rejectRequestUri } from './reject-request-uri.js';

/** RFC 9126 §2.2: the registered URN prefix of request_uri values. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** RFC 9126 §2.2 success response. */
export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

/**
 * The pushed authorization request endpoint's processing, in the order of RFC 9126 §2.1.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.1
 */
@Injectable()
export class PushedAuthorizationService {
  private readonly endpointUrl: string;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(PUSHED_REQUEST_STORE) private readonly store: PushedRequestStore,
    @Inject(REPLAY_STORE) private readonly replay: ReplayStore,
    private readonly clientAuthentication: ClientAuthenticationService,
    private readonly dpop: DpopService,
    private readonly events: ParEvents,
    private readonly rateLimiter: RateLimiter,
  ) {
    this.endpointUrl = `${options.issuer}${ENDPOINT_PATHS.pushedAuthorization}`;
  }

  async push(req: Request, params: Params): Promise<PushedAuthorizationResponse> {
    // 0. §2.3: rate limits, per address here, per client once the client_id names a registered client.
    this.rateLimiter.checkAddress('pushedAuthorization', req);
    // 1. Authenticate the client as at the token endpoint.
    const { client, method } = await this.clientAuthentication.authenticate(req, params, { endpointUrl: this.endpointUrl, rateLimit: 'pushedAuthorization' });
    // 2. Reject request_uri.
    rejectRequestUri(params);
    // 3. A request object (§3): verified, and then its claims are the only parameters; required by policy.
    const requestParams = await checkRequestObject(params, { client, options: this.options, replay: this.replay });
    // 4. RFC 9449 §10.1: bind the code to a DPoP key (dpop_jkt, or the key of a proof on this request).
    const dpopJkt = checkDpopJkt(requestParams, await this.dpop.proofOf(req, this.endpointUrl));
    // 5. Validate the request as the authorization endpoint would.
    const credentialed = method !== 'none';
    const request = validateAuthorizationRequest(requestParams, { client, options: this.options, credentialed });
    const { response, expiresAt } = await this.save(client, request, credentialed, dpopJkt);
    this.events.emit({
      type: 'request.pushed',
      clientId: client.id,
      authMethod: method,
      scope: request.scope,
      requestUriExpiresAt: expiresAt.toISOString(),
      expiresIn: response.expires_in,
      requestObject: params.has('request'),
      dpopBound: dpopJkt !== undefined,
    });
    return response;
  }

  /** §2.2: a request_uri with a 256-bit random reference, bound to the client; only its hash is stored. */
  private async save(client: Client, request: AuthorizationRequest, credentialed: boolean, dpopJkt: string | undefined): Promise<{ response: PushedAuthorizationResponse; expiresAt: Date }> {
    const reference = randomToken(32);
    const referenceHash = sha256(reference);
    const now = this.options.clock.now();
    const expiresAt = new Date(now + this.options.requestUriTtl * 1000);
    await this.store.insert({
      referenceHash,
      clientId: client.id,
      parameters: { ...request },
      dpopJkt: dpopJkt ?? null,
      credentialed,
      expiresAt,
      retainUntil: new Date(now + (this.options.requestUriTtl + this.options.interactionTtl) * 1000),
      createdAt: new Date(now),
    });
    // Never the request_uri: a prefix of its stored hash is enough to follow it to /authorize.
    parLogger.verbose('pushed request stored', { clientId: client.id, requestUriHash: referenceHash.slice(0, 8) });
    return { response: { request_uri: `${REQUEST_URI_PREFIX}${reference}`, expires_in: this.options.requestUriTtl }, expiresAt };
  }
}
