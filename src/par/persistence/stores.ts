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

/** An authorization code about to be stored (only its hash). */
export interface NewAuthorizationCode {
  readonly codeHash: string;
  readonly clientId: string;
  readonly grantId: string;
  readonly grant: Record<string, unknown>;
  readonly expiresAt: Date;
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
   * Ends an interaction and consumes its request exactly once (atomic, across processes), storing
   * `code` in the same statement when given. False when it was already ended, by this or another
   * interaction of the same request, or has expired.
   */
  completeInteraction(uidHash: string, bindingHash: string, now: Date, code: NewAuthorizationCode | undefined): Promise<boolean>;
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
