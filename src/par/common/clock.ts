/** Where "now" comes from; tests inject a fixed clock to check expiry rules exactly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
