import type { ClientAuthMethod } from '../clients/client.js';

/** What every event carries. */
export interface ParEventBase {
  /** When it happened (ISO 8601, from the `clock` option). */
  readonly at: string;
  /** The request it happened in (`X-Request-Id`), when it happened in one. */
  readonly requestId?: string;
}

/**
 * A pushed authorization request was accepted (RFC 9126 §2.2). Its parameters are not in the event
 * (§8: pushed payloads may hold personal data), nor is its request_uri.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 */
export interface RequestPushedEvent extends ParEventBase {
  readonly type: 'request.pushed';
  readonly clientId: string;
  /** How the client authenticated. */
  readonly authMethod: ClientAuthMethod;
  /** The requested scope. */
  readonly scope: string;
  /** When the request_uri stops being accepted at /authorize (ISO 8601), and the same in seconds. */
  readonly requestUriExpiresAt: string;
  readonly expiresIn: number;
  /** Whether the parameters came in a signed request object (RFC 9126 §3). */
  readonly requestObject: boolean;
  /** Whether the code will be bound to a DPoP key (RFC 9449 §10). */
  readonly dpopBound: boolean;
}

/**
 * /authorize accepted a request and sent the browser to the host's login and consent.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export interface InteractionStartedEvent extends ParEventBase {
  readonly type: 'interaction.started';
  readonly clientId: string;
  /** Whether the request came from a pushed request_uri (else it was passed at /authorize). */
  readonly pushed: boolean;
  readonly scope: string;
  /** When the login and consent must be finished by (ISO 8601). */
  readonly interactionExpiresAt: string;
}

/**
 * An interaction ended without a grant: the host denied it, or a login was too old (`max_age`,
 * `prompt=login`).
 */
export interface InteractionDeniedEvent extends ParEventBase {
  readonly type: 'interaction.denied';
  readonly clientId: string;
  /** The error sent to the client (`access_denied`, `login_required`, ...). */
  readonly error: string;
}

/**
 * An interaction finished and an authorization code was issued (RFC 6749 §4.1.2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export interface CodeIssuedEvent extends ParEventBase {
  readonly type: 'code.issued';
  readonly clientId: string;
  /** The signed-in user. */
  readonly subject: string;
  /** The grant the code and the tokens issued from it belong to. */
  readonly grantId: string;
  /** The granted scope. */
  readonly scope: string;
  readonly codeExpiresAt: string;
}

/**
 * A used authorization code was presented again: it is refused, and the grant's tokens are revoked
 * (RFC 6749 §4.1.2, RFC 9700 §4.5); a `tokens.revoked` event follows.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export interface CodeReplayDetectedEvent extends ParEventBase {
  readonly type: 'code.replay_detected';
  /** The client that presented it. */
  readonly clientId: string;
  readonly grantId: string;
}

/**
 * The token endpoint issued tokens (RFC 6749 §5.1).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface TokenIssuedEvent extends ParEventBase {
  readonly type: 'token.issued';
  readonly clientId: string;
  readonly grantType: string;
  /** The user (for client_credentials, the client itself). */
  readonly subject: string;
  readonly grantId: string;
  readonly scope: string;
  /** `Bearer`, or `DPoP` when sender-constrained (RFC 9449). */
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly idToken: boolean;
  readonly refreshToken: boolean;
}

/**
 * Tokens were revoked: by the client (RFC 7009), or because a used code or a rotated refresh token was
 * replayed (the whole grant).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export interface TokensRevokedEvent extends ParEventBase {
  readonly type: 'tokens.revoked';
  readonly clientId: string;
  readonly reason: 'revocation_request' | 'code_replay' | 'refresh_token_replay';
  /** What was revoked: a whole grant (its refresh tokens and access tokens), or one access token. */
  readonly revoked: 'grant' | 'access_token';
  readonly grantId?: string;
  readonly subject?: string;
}

/**
 * A client failed to authenticate (`invalid_client`, RFC 6749 §5.2) at /par, /token, /introspect or
 * /revoke.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export interface ClientAuthenticationFailedEvent extends ParEventBase {
  readonly type: 'client.authentication_failed';
  /** The client_id presented, when one was (unknown ids too; cut at 128 characters). */
  readonly clientId?: string;
  /** The method the request used. */
  readonly authMethod: ClientAuthMethod;
  /** The endpoint's path (`/par`, `/token`, ...). */
  readonly endpoint: string;
  /** Why, in the server's words (the error_description answered). */
  readonly reason: string;
}

/**
 * What ParModule reports for a host to audit: a discriminated union on `type`. Events carry facts,
 * never secrets (no client secret or assertion, code, code_verifier, request_uri, token, DPoP proof,
 * password or pushed parameter).
 */
export type ParEvent =
  | RequestPushedEvent
  | InteractionStartedEvent
  | InteractionDeniedEvent
  | CodeIssuedEvent
  | CodeReplayDetectedEvent
  | TokenIssuedEvent
  | TokensRevokedEvent
  | ClientAuthenticationFailedEvent;

/** Every event type. */
export const PAR_EVENT_TYPES = [
  'request.pushed',
  'interaction.started',
  'interaction.denied',
  'code.issued',
  'code.replay_detected',
  'token.issued',
  'tokens.revoked',
  'client.authentication_failed',
] as const satisfies readonly ParEvent['type'][];

/** Receives events; may be async. Its errors are logged, and never fail the request. */
export type ParEventListener = (event: ParEvent) => void | Promise<void>;

/** An event as it is emitted, before `at` and `requestId` are filled in. */
export type ParEventFacts = ParEvent extends infer E ? (E extends ParEvent ? Omit<E, 'at' | 'requestId'> : never) : never;
