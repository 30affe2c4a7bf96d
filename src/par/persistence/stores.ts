/** A stored pushed authorization request. */
export interface PushedRequestRecord {
  readonly referenceHash: string;
  readonly clientId: string;
  readonly parameters: Record<string, unknown>;
  readonly dpopJkt: string | null;
  readonly expiresAt: Date;
  readonly consumedAt: Date | null;
  readonly createdAt: Date;
}

/** A pushed request about to be stored. */
export type NewPushedRequest = Omit<PushedRequestRecord, 'consumedAt'>;

/** Storage of pushed authorization requests. */
export interface PushedRequestStore {
  insert(request: NewPushedRequest): Promise<void>;
  /**
   * Marks the request consumed and returns it, in one atomic statement: of N concurrent calls, across
   * processes, exactly one gets the record. Undefined when it is unknown, expired (at `now`) or consumed.
   */
  consume(referenceHash: string, now: Date): Promise<PushedRequestRecord | undefined>;
  /** Deletes up to `limit` rows that expired before `before`; returns how many. */
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
