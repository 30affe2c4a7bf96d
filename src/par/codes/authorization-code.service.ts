import { Inject, Injectable } from '@nestjs/common';
import { randomToken, sha256 } from '../common/secrets.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { NewAuthorizationCode } from '../persistence/stores.js';
import type { AuthorizationGrant } from './authorization-grant.js';

/** A new code: the value for the client and the record to store (its hash only). */
export interface IssuedCode {
  readonly code: string;
  readonly record: NewAuthorizationCode;
}

/**
 * Mints authorization codes: 256 random bits (RFC 6749 §10.10), stored as SHA-256, living `codeTtl`
 * seconds (FAPI 2.0: at most 60), bound to a grant id that the tokens issued from it will carry.
 */
@Injectable()
export class AuthorizationCodeService {
  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {}

  mint(grant: AuthorizationGrant, now: number): IssuedCode {
    const code = randomToken(32);
    return {
      code,
      record: {
        codeHash: sha256(code),
        clientId: grant.client_id,
        grantId: randomToken(16),
        grant: { ...grant },
        expiresAt: new Date(now + this.options.codeTtl * 1000),
      },
    };
  }
}
