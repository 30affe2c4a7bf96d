import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { PAR_OPTIONS, REPLAY_STORE } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { ReplayStore } from '../persistence/stores.js';
import { KeyService } from '../keys/key.service.js';
import { DpopNonces } from './dpop-nonce.js';
import { type VerifiedDpopProof, verifyDpopProof } from './dpop-proof.js';

/**
 * The DPoP proofs a request carries, as header values (Node keeps repeated headers apart in
 * `headersDistinct`, which it builds for every header on first use: only read when there is a proof).
 */
export function dpopHeaders(req: Request): string[] {
  if (req.headers.dpop === undefined) return [];
  return req.headersDistinct?.dpop ?? (typeof req.headers.dpop === 'string' ? [req.headers.dpop] : []);
}

/** Verifies the DPoP proof of a request against the endpoint it reached (RFC 9449 §4.3). */
@Injectable()
export class DpopService {
  private nonceSource: DpopNonces | undefined;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(REPLAY_STORE) private readonly replay: ReplayStore,
    private readonly keys: KeyService,
  ) {}

  /** The server nonces when `dpopNonces` is on: keyed by a secret derived from the signing key, shared by every instance. */
  private nonces(): DpopNonces | undefined {
    if (!this.options.dpopNonces) return undefined;
    if (this.nonceSource === undefined) {
      const material = JSON.stringify(this.keys.signingKey.privateKey.export({ format: 'jwk' }));
      this.nonceSource = new DpopNonces(createHash('sha256').update(`par dpop nonce secret\n${material}`).digest());
    }
    return this.nonceSource;
  }

  /** The verified proof, or undefined when the request carries none. */
  async proofOf(req: Request, url: string, accessToken?: string): Promise<VerifiedDpopProof | undefined> {
    const headers = dpopHeaders(req);
    if (headers.length === 0) return undefined;
    return verifyDpopProof(
      {
        headers,
        method: req.method,
        url,
        now: this.options.clock.now(),
        maxAge: this.options.dpopProofMaxAge,
        skew: this.options.clockSkew,
        nonces: this.nonces(),
        ...(accessToken !== undefined && { accessToken }),
      },
      this.replay,
    );
  }
}
