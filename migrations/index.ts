import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { InteractionsAndCodes1764100000000 } from './1764100000000-interactions-and-codes.js';
import { TokensAndKeys1764200000000 } from './1764200000000-tokens-and-keys.js';
import { LighterInteractions1764300000000 } from './1764300000000-lighter-interactions.js';
import { RateLimits1764400000000 } from './1764400000000-rate-limits.js';

/** ParModule's schema migrations, oldest first; add them to your TypeORM DataSource's `migrations`. */
export const PAR_MIGRATIONS = [
  InitialSchema1764000000000,
  InteractionsAndCodes1764100000000,
  TokensAndKeys1764200000000,
  LighterInteractions1764300000000,
  RateLimits1764400000000,
] as const;
