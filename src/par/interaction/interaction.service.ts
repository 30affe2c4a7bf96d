import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { notContained } from '../authorization-details/authorization-details.js';
import type { AuthorizationRequest } from '../authorization-request/authorization-request.js';
import type { Client } from '../clients/client.js';
import { ClientsService } from '../clients/clients.service.js';
import { AuthorizationCodeService } from '../codes/authorization-code.service.js';
import { errorRedirect, successRedirect } from '../endpoints/authorization/authorization-response.js';
import { unusableRequestUri } from '../endpoints/authorization/resolve-request-uri.js';
import { OAuthError } from '../errors/oauth-error.js';
import { ParEvents } from '../observability/par-events.service.js';
import { noteClient } from '../observability/request-context.js';
import { PAR_OPTIONS, PUSHED_REQUEST_STORE } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { InteractionRecord, NewAuthorizationCode, NewInteraction, PushedRequestStore } from '../persistence/stores.js';
import { presentedBinding } from './interaction-binding.js';
import {
  type InteractionDenialError,
  type InteractionDetails,
  InteractionNotFoundError,
  type InteractionResult,
} from './interaction.types.js';

/**
 * What an authorization in progress ends on: an interaction bound to a browser, or a pushed request
 * claimed at /authorize without one (for the host's `silentInteraction`), with its claimed record.
 */
export type OpenAuthorization = { readonly binding: NewInteraction } | { readonly claimed: InteractionRecord };

const DENIAL_ERRORS: ReadonlySet<string> = new Set(['access_denied', 'login_required', 'consent_required', 'interaction_required', 'account_selection_required']);

/**
 * The host's side of login and consent. /authorize sends the browser to `interactionUrl(uid)`; the
 * host's pages read {@link details}, sign the user in, ask for consent, and end with {@link finish}
 * or {@link deny}, each answering the URL to send the browser to (with a 303). Every call must come
 * from the browser that started the interaction (its HttpOnly cookie is checked).
 */
@Injectable()
export class InteractionService {
  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(PUSHED_REQUEST_STORE) private readonly store: PushedRequestStore,
    private readonly clients: ClientsService,
    private readonly codes: AuthorizationCodeService,
    private readonly events: ParEvents,
  ) {}

  /** What is being asked, by whom. Throws {@link InteractionNotFoundError} when there is no such live interaction. */
  async details(uid: string, req: Request): Promise<InteractionDetails> {
    const { record } = await this.load(uid, req);
    return this.describe(uid, record, await this.clients.find(record.request.clientId));
  }

  /**
   * /authorize's side of `silentInteraction`: asks the host whether the interaction just opened can end
   * without its page, and ends it if so. Answers where the browser goes next (the redirect_uri with a
   * code or an error), or undefined for the host's page. Not asked with `prompt` other than `none`.
   */
  async endSilently(uid: string, open: OpenAuthorization, record: InteractionRecord, client: Client, req: Request): Promise<string | undefined> {
    const silent = this.options.silentInteraction;
    if (silent === undefined) return undefined;
    const request = record.request.parameters as unknown as AuthorizationRequest;
    const prompt = words(request.prompt);
    const none = prompt.includes('none');
    if (prompt.length > 0 && !none) return undefined;
    const answer = await silent(req, this.describe(uid, record, client));
    if (typeof answer === 'string') {
      if (!DENIAL_ERRORS.has(answer)) throw new TypeError(`silentInteraction: unsupported error "${answer}"`);
      return this.end(open, record, new OAuthError(answer, defaultDescription(answer)));
    }
    if (answer !== undefined) {
      // A login too old for max_age is no answer: the page can ask for a new one (prompt=none cannot).
      if (!loginTooOld(request, record, this.checkedAuthTime(answer, this.options.clock.now()))) return this.finishOn(open, answer);
    }
    return none ? this.end(open, record, new OAuthError('login_required', defaultDescription('login_required'))) : undefined;
  }

  private describe(uid: string, record: InteractionRecord, client: Client | undefined): InteractionDetails {
    const request = record.request.parameters as unknown as AuthorizationRequest;
    return {
      uid,
      client: { clientId: record.request.clientId, clientName: client?.name },
      scopes: words(request.scope),
      redirectUri: request.redirect_uri,
      prompt: words(request.prompt),
      maxAge: request.max_age,
      loginHint: request.login_hint,
      acrValues: words(request.acr_values),
      uiLocales: words(request.ui_locales),
      authorizationDetails: request.authorization_details ?? [],
      claims: request.claims,
      expiresAt: record.expiresAt,
    };
  }

  /**
   * Ends the interaction with a signed-in user and their grant: issues the authorization code, exactly
   * once even when several browsers finish at the same moment, and answers the redirect_uri with
   * `code`, `state` and `iss`. OIDC rules the host must have honoured are enforced: with `max_age` or
   * `prompt=login`, a login older than allowed ends the flow with `login_required`.
   * One database statement on the way to success: the request is consumed and the code stored together.
   */
  async finish(uid: string, req: Request, result: InteractionResult): Promise<string> {
    const binding = presentedBinding(req, uid);
    if (binding === undefined) throw new InteractionNotFoundError();
    return this.finishOn({ binding }, result);
  }

  private async finishOn(open: OpenAuthorization, result: InteractionResult): Promise<string> {
    const now = this.options.clock.now();
    const authTime = this.checkedAuthTime(result, now);
    const granted = result.grantedScopes === undefined ? undefined : [...new Set(result.grantedScopes)];
    const minted = this.codes.mint(now);
    const host = { sub: result.subject, auth_time: authTime, acr: result.acr, amr: result.amr === undefined ? undefined : [...result.amr] };
    const code = {
      codeHash: minted.codeHash,
      grantId: minted.grantId,
      expiresAt: minted.expiresAt,
      host,
      grantedScope: granted?.join(' '),
      grantedAuthorizationDetails: result.grantedAuthorizationDetails === undefined ? undefined : [...result.grantedAuthorizationDetails],
    };
    const record = await this.consume(open, new Date(now), code);
    if (record === undefined) throw ended(open);
    const clientId = record.request.clientId;
    noteClient(clientId);
    const request = record.request.parameters as unknown as AuthorizationRequest;
    const requested = words(request.scope);
    const notRequested = (granted ?? []).filter((scope) => !requested.includes(scope));
    if (notRequested.length > 0) {
      await this.store.discardCode(minted.codeHash);
      throw new TypeError(`InteractionService.finish: grantedScopes must be requested scopes (not requested: ${notRequested.join(' ')})`);
    }
    if (result.grantedAuthorizationDetails !== undefined && notContained(result.grantedAuthorizationDetails, request.authorization_details ?? []).length > 0) {
      await this.store.discardCode(minted.codeHash);
      throw new TypeError('InteractionService.finish: grantedAuthorizationDetails must be requested authorization details');
    }
    const stale = loginTooOld(request, record, authTime);
    if (stale) {
      await this.store.discardCode(minted.codeHash);
      this.events.emit({ type: 'interaction.denied', clientId, error: 'login_required' });
      return errorRedirect(request.redirect_uri, this.options.issuer, new OAuthError('login_required', 'the end-user must authenticate again'), request.state);
    }
    this.events.emit({
      type: 'code.issued',
      clientId,
      subject: result.subject,
      grantId: minted.grantId,
      scope: granted?.join(' ') ?? request.scope,
      codeExpiresAt: minted.expiresAt.toISOString(),
    });
    return successRedirect(request.redirect_uri, this.options.issuer, minted.code, request.state);
  }

  /**
   * Ends the interaction without a grant: the client gets `error` (default `access_denied`) with
   * `state` and `iss`, and the request_uri is dead.
   */
  async deny(uid: string, req: Request, error: InteractionDenialError = 'access_denied', description?: string): Promise<string> {
    if (!DENIAL_ERRORS.has(error)) throw new TypeError(`InteractionService.deny: unsupported error "${String(error)}"`);
    const { record, binding } = await this.load(uid, req);
    return this.end({ binding }, record, new OAuthError(error, description ?? defaultDescription(error)));
  }

  /**
   * The host's result as `finish` takes it: a subject of 1 to 255 characters, and an `authTime` (default
   * now) in whole seconds, not in the future. Answers the authTime; a TypeError (the host's bug) otherwise.
   */
  private checkedAuthTime(result: InteractionResult, now: number): number {
    const nowSeconds = Math.floor(now / 1000);
    if (typeof result !== 'object' || result === null || typeof result.subject !== 'string' || result.subject.length === 0 || result.subject.length > 255) {
      throw new TypeError('InteractionService.finish: subject must be a non-empty string of at most 255 characters');
    }
    const authTime = result.authTime ?? nowSeconds;
    if (!Number.isInteger(authTime) || authTime > nowSeconds + this.options.clockSkew) {
      throw new TypeError('InteractionService.finish: authTime must be a past time in whole seconds since the epoch');
    }
    return authTime;
  }

  /** Consumes the request of `open` and stores `code` with it, in one statement; undefined when already ended. */
  private async consume(open: OpenAuthorization, now: Date, code: NewAuthorizationCode): Promise<InteractionRecord | undefined> {
    if ('binding' in open) return this.store.finishInteraction(open.binding.uidHash, open.binding.bindingHash, now, code);
    const request = await this.store.finishRequest(open.claimed.request.referenceHash, now, code);
    return request === undefined ? undefined : { ...open.claimed, request };
  }

  private async end(open: OpenAuthorization, record: InteractionRecord, error: OAuthError): Promise<string> {
    const request = record.request.parameters as unknown as AuthorizationRequest;
    const now = new Date(this.options.clock.now());
    const done = 'binding' in open ? await this.store.endInteraction(open.binding.uidHash, open.binding.bindingHash, now) : await this.store.endRequest(open.claimed.request.referenceHash, now);
    if (!done) throw ended(open);
    noteClient(record.request.clientId);
    this.events.emit({ type: 'interaction.denied', clientId: record.request.clientId, error: error.error });
    return errorRedirect(request.redirect_uri, this.options.issuer, error, request.state);
  }

  private async load(uid: string, req: Request): Promise<{ record: InteractionRecord; binding: NewInteraction }> {
    const binding = presentedBinding(req, uid);
    if (binding === undefined) throw new InteractionNotFoundError();
    const record = await this.store.findInteraction(binding.uidHash, binding.bindingHash, new Date(this.options.clock.now()));
    if (record === undefined) throw new InteractionNotFoundError();
    return { record, binding };
  }
}

/** The error for an authorization that another request ended first: the host's, or /authorize's own. */
function ended(open: OpenAuthorization): Error {
  return 'binding' in open ? new InteractionNotFoundError() : unusableRequestUri();
}

/**
 * Whether a login at `authTime` is too old for the request: `max_age` counts from the authorization
 * request (OIDC Core §3.1.2.1), i.e. when the interaction started, not from the moment the user clicks
 * Approve; `prompt=login` wants a login after that too.
 */
function loginTooOld(request: AuthorizationRequest, record: InteractionRecord, authTime: number): boolean {
  const startedSeconds = Math.floor(record.createdAt.getTime() / 1000);
  return (request.max_age !== undefined && authTime + request.max_age < startedSeconds) || (words(request.prompt).includes('login') && authTime < startedSeconds);
}

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(' ').filter(Boolean);
}

function defaultDescription(error: InteractionDenialError): string {
  switch (error) {
    case 'access_denied':
      return 'the end-user denied the request';
    case 'login_required':
      return 'the end-user is not signed in';
    case 'consent_required':
      return 'the end-user has not consented';
    case 'interaction_required':
      return 'the end-user must interact with the authorization server';
    case 'account_selection_required':
      return 'the end-user must select an account';
  }
}
