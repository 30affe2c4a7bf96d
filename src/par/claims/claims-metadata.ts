import type { IdentityAssuranceOptions } from '../par.options.js';
import { claimsForScopes } from '../tokens/scope-claims.js';

/**
 * OIDC Discovery §3 `claims_supported`: `sub` and the claims the supported scopes stand for (OIDC Core
 * §5.4), each once.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export function claimsSupported(scopesSupported: readonly string[]): string[] {
  return [...new Set(['sub', ...claimsForScopes(scopesSupported)])];
}

/**
 * IDA 1.0 OP metadata, only when identity assurance is configured: `verified_claims_supported`,
 * `trust_frameworks_supported`, `claims_in_verified_claims_supported`, and `evidence_supported` /
 * `documents_supported` when there are any.
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html
 */
export function identityAssuranceMetadata(ida: IdentityAssuranceOptions | undefined): Record<string, unknown> {
  if (ida === undefined) return {};
  return {
    verified_claims_supported: true,
    trust_frameworks_supported: [...ida.trustFrameworks],
    claims_in_verified_claims_supported: [...ida.claimsInVerifiedClaims],
    ...(ida.evidence.length > 0 && { evidence_supported: [...ida.evidence] }),
    ...(ida.documents !== undefined && { documents_supported: [...ida.documents] }),
  };
}
