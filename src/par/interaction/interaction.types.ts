import { HttpException } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthorizationDetail, ClaimsRequest } from '../authorization-request/authorization-request.js';

/** What the host's login and consent pages need to know about an interaction. */
export interface InteractionDetails {
  readonly uid: string;
  readonly client: { readonly clientId: string; readonly clientName: string | undefined };
  /** Requested scopes. */
  readonly scopes: readonly string[];
  readonly redirectUri: string;
  /** OIDC `prompt` values (`login`, `consent`, `select_account`, `none`). */
  readonly prompt: readonly string[];
  /** OIDC `max_age`, seconds. */
  readonly maxAge: number | undefined;
  readonly loginHint: string | undefined;
  readonly acrValues: readonly string[];
  readonly uiLocales: readonly string[];
  /** RFC 9396 authorization details asked for (show them in the consent, merged with the scopes, §3.1). */
  readonly authorizationDetails: readonly AuthorizationDetail[];
  /** OIDC Core §5.5: the claims request, if any (show IDA `purpose`s in the consent: IDA 1.0 requires it). */
  readonly claims: ClaimsRequest | undefined;
  /** When the interaction ends if not finished. */
  readonly expiresAt: Date;
}

/** How the host finishes an interaction: who signed in, and what they granted. */
export interface InteractionResult {
  /** The user's stable identifier: the `sub` of the tokens. */
  readonly subject: string;
  /** When the user authenticated, seconds since the epoch. @default now */
  readonly authTime?: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  /** The scopes granted: a subset of the requested ones. @default all requested scopes */
  readonly grantedScopes?: readonly string[];
  /** RFC 9396: the authorization details granted, each one of the requested. @default all requested */
  readonly grantedAuthorizationDetails?: readonly AuthorizationDetail[];
}

/** Errors the host may end an interaction with (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6). */
export type InteractionDenialError = 'access_denied' | 'login_required' | 'consent_required' | 'interaction_required' | 'account_selection_required';

/**
 * What a host's `silentInteraction` answers: a result to issue the code without a page, an error to end
 * the interaction with, or undefined to send the browser to the page (`prompt=none`: `login_required`).
 */
export type SilentInteractionAnswer = InteractionResult | InteractionDenialError | undefined;

/** The `silentInteraction` option: decides at /authorize, from the browser's request and what is asked. */
export type SilentInteraction = (req: Request, details: InteractionDetails) => SilentInteractionAnswer | Promise<SilentInteractionAnswer>;

/**
 * The interaction is unknown, expired, already finished, or not bound to this browser. An
 * HttpException (400), so that a host controller that lets it through answers 400, not 500.
 */
export class InteractionNotFoundError extends HttpException {
  constructor() {
    super({ error: 'invalid_request', error_description: 'the login session is unknown, expired or already finished' }, 400);
  }
}
