import { ENDPOINT_PATHS } from '../par.constants.js';
import type { ClientAssertionAudiencePolicy } from '../par.options.js';

/**
 * Whether a client assertion's `aud` is acceptable under the configured policy.
 * RFC 7523bis (updating RFC 9126 §2): the issuer as the sole audience; FAPI 2.0 §5.3.2.1-8: as a
 * string; RFC 9126 §2 as published: the issuer, the token endpoint or the PAR endpoint URL.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export function assertionAudienceAccepted(
  aud: string | string[] | undefined,
  policy: ClientAssertionAudiencePolicy,
  issuer: string,
  endpointUrl: string,
): boolean {
  switch (policy) {
    case 'issuer-string':
      return aud === issuer;
    case 'issuer':
      return aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer);
    case 'lenient': {
      const accepted = new Set([
        issuer,
        `${issuer}${ENDPOINT_PATHS.token}`,
        `${issuer}${ENDPOINT_PATHS.pushedAuthorization}`,
        endpointUrl,
      ]);
      const values = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
      return values.some((value) => accepted.has(value));
    }
  }
}
