/** A stored authorization request: pushed (RFC 9126) or made directly at /authorize. */
export interface PushedRequestRecord {
  readonly referenceHash: string;
  readonly clientId: string;
  /** The validated AuthorizationRequest. */
  readonly parameters: Record<string, unknown>;
  readonly dpopJkt: string | null;
  readonly credentialed: boolean;
  readonly expiresAt: Date;
  readonly firstUsedAt: Date | null;
  readonly consumedAt: Date | null;
  readonly createdAt: Date;
}

/** A request about to be stored. */
export interface NewPushedRequest {
  readonly referenceHash: string;
  readonly clientId: string;
  readonly parameters: Record<string, unknown>;
  readonly dpopJkt: string | null;
  readonly credentialed: boolean;
  readonly expiresAt: Date;
  /**
   * Until when the row is kept: past `expiresAt`, for as long as a login started at the last moment
   * may run. Fixed at insert, so that opening an interaction never updates an indexed column.
   */
  readonly retainUntil: Date;
  readonly createdAt: Date;
}

/** The browser binding of a new interaction: hashes of its uid and of its cookie secret. */
export interface NewInteraction {
  readonly uidHash: string;
  readonly bindingHash: string;
}

/** A request with the interaction that was opened or found for it. */
export interface InteractionRecord {
  readonly request: PushedRequestRecord;
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

/**
 * An authorization code about to be stored when an interaction finishes (only its hash). Its grant is
 * the request's binding (client, redirect_uri, PKCE, nonce, resource, max_age, dpop_jkt) plus `host`
 * (who signed in, how) and the granted scope (the requested scope when undefined).
 */
export interface NewAuthorizationCode {
  readonly codeHash: string;
  readonly grantId: string;
  readonly expiresAt: Date;
  readonly host: Record<string, unknown>;
  readonly grantedScope: string | undefined;
  /** The granted RFC 9396 authorization details (the requested ones when undefined). */
  readonly grantedAuthorizationDetails?: readonly unknown[] | undefined;
}

/** Storage of authorization requests and the interactions (logins) they start. */
export interface PushedRequestStore {
  insert(request: NewPushedRequest): Promise<void>;
  /**
   * Opens an interaction on a pushed request of `clientId`, in one atomic statement: allowed for its
   * first use before `expiresAt`, and again (reload, other browser) while the login started by the
   * first use runs (`interactionTtlMs` from it) and no code was issued. Undefined otherwise.
   */
  openInteraction(referenceHash: string, clientId: string, interaction: NewInteraction, now: Date, interactionTtlMs: number): Promise<InteractionRecord | undefined>;
  /** Stores a request made directly at /authorize and opens its interaction, in one statement. */
  insertWithInteraction(request: NewPushedRequest, interaction: NewInteraction, interactionTtlMs: number): Promise<InteractionRecord>;
  /** The live interaction with this uid and browser binding, and its unconsumed request. */
  findInteraction(uidHash: string, bindingHash: string, now: Date): Promise<InteractionRecord | undefined>;
  /**
   * Ends an interaction with a grant: consumes its request exactly once (atomic, across processes) and
   * stores the code in the same statement. Undefined when it was already ended, by this or another
   * interaction of the same request, or has expired.
   */
  finishInteraction(uidHash: string, bindingHash: string, now: Date, code: NewAuthorizationCode): Promise<InteractionRecord | undefined>;
  /** Ends an interaction without a grant (denied, or invalid): its request is consumed. False when already ended. */
  endInteraction(uidHash: string, bindingHash: string, now: Date): Promise<boolean>;
  /**
   * {@link openInteraction}'s claim on the pushed request without opening an interaction, for an
   * authorization that may end at once (the host's `silentInteraction`): the record's interaction times
   * are those an interaction opened now would have. Follow it with {@link finishRequest},
   * {@link endRequest} or, to show the host's page after all, {@link addInteraction}.
   */
  claimRequest(referenceHash: string, clientId: string, now: Date, interactionTtlMs: number): Promise<InteractionRecord | undefined>;
  /** Opens an interaction on a claimed, unconsumed request. False when it was consumed meanwhile. */
  addInteraction(referenceHash: string, interaction: NewInteraction, now: Date, interactionTtlMs: number): Promise<boolean>;
  /** {@link finishInteraction} for a claimed request without an interaction: consumed once, with the code. */
  finishRequest(referenceHash: string, now: Date, code: NewAuthorizationCode): Promise<PushedRequestRecord | undefined>;
  /** {@link endInteraction} for a claimed request without an interaction. */
  endRequest(referenceHash: string, now: Date): Promise<boolean>;
  /** Deletes a code that must not be redeemed after all (its interaction turned out invalid). */
  discardCode(codeHash: string): Promise<void>;
  /** Deletes up to `limit` requests (with their interactions) kept past `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}

/** Remembers one-time values until they expire. */
export interface ReplayStore {
  /**
   * True the first time `key` is seen, false for any replay while it is remembered (one atomic
   * statement, so exactly one of N concurrent uses, across processes, is the first).
   */
  firstUse(key: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Deletes up to `limit` entries that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}

/** Storage of authorization codes. */
export interface AuthorizationCodeStore {
  /** Deletes up to `limit` codes that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}
