import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthorizationRequest, CheckContext } from '../../authorization-request/authorization-request.js';
import { checkClientId } from '../../authorization-request/check-client-id.js';
import { checkDpopJkt } from '../../authorization-request/check-dpop-jkt.js';
import { stateFits } from '../../authorization-request/check-state-nonce.js';
import { checkRedirectUri } from '../../authorization-request/check-redirect-uri.js';
import { signedRequestObjectRequired } from '../../authorization-request/request-object/check-signed-request-object-required.js';
import { validateAfterRedirectUri, validateAuthorizationRequest } from '../../authorization-request/validate-authorization-request.js';
import type { Client } from '../../clients/client.js';
import { ClientsService } from '../../clients/clients.service.js';
import { optional, type Params } from '../../common/form.js';
import { randomToken, sha256 } from '../../common/secrets.js';
import { databaseUnavailable, isDatabaseUnavailable } from '../../errors/database-unavailable.js';
import { invalidRequest, OAuthError } from '../../errors/oauth-error.js';
import { RedirectableError } from '../../errors/redirectable-error.js';
import { interactionCookie, newInteractionBinding, type InteractionBinding } from '../../interaction/interaction-binding.js';
import { InteractionService, type OpenAuthorization } from '../../interaction/interaction.service.js';
import { ParEvents } from '../../observability/par-events.service.js';
import { parLogger } from '../../observability/par-logger.js';
import { noteClient } from '../../observability/request-context.js';
import { PAR_OPTIONS, PUSHED_REQUEST_STORE } from '../../par.constants.js';
import type { ResolvedParOptions } from '../../par.options.js';
import type { InteractionRecord, PushedRequestStore } from '../../persistence/stores.js';
import { resolveRequestUri, unusableRequestUri } from './resolve-request-uri.js';

/** Where the browser goes next, and the cookie that binds the interaction to it (none when it ended silently). */
export interface AuthorizeOutcome {
  readonly location: string;
  readonly setCookie: string | undefined;
}

/**
 * The authorization endpoint (RFC 6749 §4.1.1, RFC 9126 §4): verifies the request, opens an
 * interaction bound to the browser, and sends the browser to the host's login and consent.
 * Errors before the client and redirect_uri are verified are {@link OAuthError}s, answered directly;
 * later ones are {@link RedirectableError}s.
 */
@Injectable()
export class AuthorizationService {
  private readonly secureCookies: boolean;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(PUSHED_REQUEST_STORE) private readonly store: PushedRequestStore,
    private readonly clients: ClientsService,
    private readonly events: ParEvents,
    private readonly interactions: InteractionService,
  ) {
    this.secureCookies = options.issuer.startsWith('https:');
  }

  /** `req` is the browser's request, for the host's `silentInteraction` (its session cookie). */
  async authorize(params: Params, req: Request): Promise<AuthorizeOutcome> {
    // 1. The client (never redirected: without it there is no trusted redirect_uri).
    const client = await checkClientId(params, this.clients);
    noteClient(client.id);
    const requestUri = optional(params, 'request_uri');
    // 2. A pushed request (RFC 9126 §4), or a plain one where PAR is optional.
    return requestUri !== undefined ? this.fromPushedRequest(client, params, requestUri, req) : this.fromParameters(client, params, req);
  }

  /**
   * RFC 9126 §4 with JAR §5: only `client_id` and `request_uri` are read; the pushed request must be
   * this client's, unused, and within its window (or its login still running). It is validated again
   * against the current policy (§7.4): the client's registration may have changed since the push.
   */
  private async fromPushedRequest(client: Client, params: Params, requestUri: string, req: Request): Promise<AuthorizeOutcome> {
    if (params.has('request')) throw invalidRequest('request and request_uri must not be used together');
    const reference = resolveRequestUri(requestUri);
    const binding = newInteractionBinding();
    const now = this.options.clock.now();
    const referenceHash = sha256(reference);
    // With a silentInteraction the request is only claimed: the interaction is stored if the page is needed.
    const claim = this.options.silentInteraction !== undefined;
    const ttl = this.options.interactionTtl * 1000;
    const record = claim
      ? await this.store.claimRequest(referenceHash, client.id, new Date(now), ttl)
      : await this.store.openInteraction(referenceHash, client.id, binding.stored, new Date(now), ttl);
    parLogger.verbose(record === undefined ? 'request_uri refused' : 'request_uri redeemed', { clientId: client.id, requestUriHash: referenceHash.slice(0, 8) });
    if (record === undefined) throw unusableRequestUri();
    // Back to wire form for the shared checks: JSON members (authorization_details, claims) as JSON text.
    const stored = new Map(Object.entries(record.request.parameters).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
    try {
      validateAuthorizationRequest(stored, this.context(client, record.request.credentialed));
    } catch (error) {
      // The request cannot go on: end it, so that its request_uri is dead.
      if (claim) await this.store.endRequest(referenceHash, new Date(now));
      else await this.store.endInteraction(binding.stored.uidHash, binding.stored.bindingHash, new Date(now));
      throw this.redirectable(error, stored, client, record.request.credentialed);
    }
    return this.toInteraction(binding, record, now, true, client, req, claim ? { claimed: record } : { binding: binding.stored });
  }

  /** RFC 6749 §4.1.1 without PAR: refused where PAR is required (RFC 9126 §5, §6), else validated by the shared checks. */
  private async fromParameters(client: Client, params: Params, req: Request): Promise<AuthorizeOutcome> {
    if (this.options.requirePushedAuthorizationRequests || client.requirePushedAuthorizationRequests) {
      throw invalidRequest('pushed authorization requests are required: use request_uri from the pushed authorization request endpoint');
    }
    // RFC 9101 §10.5: request objects are only accepted in pushes, so a required one means PAR is required.
    if (signedRequestObjectRequired(client, this.options)) {
      throw invalidRequest('signed request objects are required: push one to the pushed authorization request endpoint');
    }
    const context = this.context(client, false);
    const redirectUri = checkRedirectUri(params, context);
    let request: AuthorizationRequest;
    try {
      if (params.has('request')) throw new OAuthError('request_not_supported', 'request objects are not supported');
      request = validateAfterRedirectUri(params, context, redirectUri);
      checkDpopJktParameter(params);
    } catch (error) {
      if (error instanceof OAuthError) throw this.toClient(error, redirectUri, params);
      throw error;
    }
    const binding = newInteractionBinding();
    const now = this.options.clock.now();
    const pending = {
      referenceHash: sha256(randomToken(32)),
      clientId: client.id,
      parameters: { ...request },
      // RFC 9449 §10: without PAR, only dpop_jkt can bind the code (no proof reaches /authorize).
      dpopJkt: checkDpopJktParameter(params) ?? null,
      credentialed: false,
      expiresAt: new Date(now),
      retainUntil: new Date(now + this.options.interactionTtl * 1000),
      createdAt: new Date(now),
    };
    let record: InteractionRecord;
    try {
      record = await this.store.insertWithInteraction(pending, binding.stored, this.options.interactionTtl * 1000);
    } catch (error) {
      // RFC 6749 §4.1.2.1: the redirect_uri is verified, so a database fault goes back to the client in
      // the redirect, as temporarily_unavailable (a 503 cannot travel in a redirect).
      if (isDatabaseUnavailable(error)) throw this.toClient(databaseUnavailable(), redirectUri, params);
      throw error;
    }
    return this.toInteraction(binding, record, now, false, client, req, { binding: binding.stored });
  }

  /** To the host's page, bound to this browser by a cookie, unless the host's `silentInteraction` ends it at once. */
  private async toInteraction(
    binding: InteractionBinding,
    record: InteractionRecord,
    now: number,
    pushed: boolean,
    client: Client,
    req: Request,
    open: OpenAuthorization,
  ): Promise<AuthorizeOutcome> {
    const scope = record.request.parameters.scope;
    this.events.emit({
      type: 'interaction.started',
      clientId: record.request.clientId,
      pushed,
      scope: typeof scope === 'string' ? scope : '',
      interactionExpiresAt: record.expiresAt.toISOString(),
    });
    const ended = await this.interactions.endSilently(binding.uid, open, record, client, req);
    if (ended !== undefined) return { location: ended, setCookie: undefined };
    if ('claimed' in open && !(await this.store.addInteraction(record.request.referenceHash, binding.stored, new Date(now), this.options.interactionTtl * 1000))) {
      throw unusableRequestUri();
    }
    const maxAge = Math.max(1, Math.ceil((record.expiresAt.getTime() - now) / 1000));
    const location = new URL(this.options.interactionUrl(binding.uid), `${this.options.issuer}/`).href;
    return { location, setCookie: interactionCookie(binding, maxAge, this.secureCookies) };
  }

  /**
   * The error, to go back to the verified redirect_uri with `state` (RFC 6749 §4.1.2.1); answered
   * directly instead when `state` is longer than allowed, since it could be neither left out nor echoed
   * (a Location of tens of kilobytes breaks browsers, proxies and HTTP clients).
   */
  private toClient(error: OAuthError, redirectUri: string, params: Params): OAuthError | RedirectableError {
    const state = optional(params, 'state');
    if (!stateFits(state, this.options)) return error;
    return new RedirectableError(error, redirectUri, state);
  }

  private context(client: Client, credentialed: boolean): CheckContext {
    return { client, options: this.options, credentialed };
  }

  /** An error in a stored request: redirected when its redirect_uri is still acceptable, else direct. */
  private redirectable(error: unknown, stored: Params, client: Client, credentialed: boolean): unknown {
    if (!(error instanceof OAuthError)) return error;
    try {
      const redirectUri = checkRedirectUri(stored, this.context(client, credentialed));
      return new RedirectableError(error, redirectUri, optional(stored, 'state'));
    } catch {
      return error;
    }
  }
}

/** `dpop_jkt` of a request made directly at /authorize (no DPoP proof can come with it). */
function checkDpopJktParameter(params: Params): string | undefined {
  return checkDpopJkt(params, undefined);
}
