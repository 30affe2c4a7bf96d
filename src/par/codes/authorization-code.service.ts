import { Inject, Injectable } from '@nestjs/common';
import { randomToken, sha256 } from '../common/secrets.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';

/** A new code: the value for the client, and what is stored (its hash, its grant id, its expiry). */
export interface MintedCode {
  readonly code: string;
  readonly codeHash: string;
  readonly grantId: string;
  readonly expiresAt: Date;
}

/**
 * Mints authorization codes: 256 random bits (RFC 6749 §10.10), stored as SHA-256, living `codeTtl`
 * seconds (FAPI 2.0: at most 60), bound to a grant id that the tokens issued from it will carry.
 */
@Injectable()
export class AuthorizationCodeService {
  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {}

  mint(now: number): MintedCode {
    const code = randomToken(32);
    return { code, codeHash: sha256(code), grantId: randomToken(16), expiresAt: new Date(now + this.options.codeTtl * 1000) };
  }
}
