import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long one server nonce is current; the previous one is still accepted, so a nonce lives 1–2 periods. */
export const DPOP_NONCE_PERIOD_SECONDS = 60;

/**
 * Server-provided DPoP nonces (RFC 9449 §8) without storage: a nonce is a time period and its HMAC
 * under a secret every instance shares, so any instance recognises any other's nonces.
 */
export class DpopNonces {
  constructor(private readonly secret: Buffer) {}

  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(now: number): string {
    return this.nonceFor(Math.floor(now / 1000 / DPOP_NONCE_PERIOD_SECONDS));
  }

  /** Whether a proof's `nonce` is the current or the previous period's. */
  accepts(nonce: unknown, now: number): boolean {
    if (typeof nonce !== 'string' || nonce.length > 128) return false;
    const period = Math.floor(now / 1000 / DPOP_NONCE_PERIOD_SECONDS);
    return [period, period - 1].some((p) => {
      const expected = Buffer.from(this.nonceFor(p));
      const given = Buffer.from(nonce);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  private nonceFor(period: number): string {
    return `${period.toString(36)}.${createHmac('sha256', this.secret).update(`dpop-nonce\n${period}`).digest('base64url')}`;
  }
}
