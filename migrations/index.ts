import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** ParModule's schema migrations, oldest first; add them to your TypeORM DataSource's `migrations`. */
export const PAR_MIGRATIONS = [InitialSchema1764000000000] as const;
