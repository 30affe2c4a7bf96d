import { claimsForScopes, PROTECTED_CLAIMS } from '../tokens/scope-claims.js';
import { meetsConstraint, type VerifiedClaimsRequest } from './claims-request.js';
import { filterVerifiedClaims } from './filter-verified-claims.js';

/**
 * The claim names asked for one target: those the granted scopes stand for (OIDC Core §5.4) and those
 * the target's `claims` request names (§5.5), without `verified_claims` (IDA, released apart) and
 * without the claims the server sets itself.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 */
export function requestedClaimNames(scopes: readonly string[], request: Readonly<Record<string, unknown>> | undefined): string[] {
  const names = new Set([...claimsForScopes(scopes), ...Object.keys(request ?? {})]);
  names.delete('verified_claims');
  return [...names].filter((name) => !PROTECTED_CLAIMS.has(name));
}

/**
 * OIDC Core §5.5 and IDA 1.0: from what the host returned, only the requested claims, each only when
 * it satisfies the `value` / `values` of its request (§5.5.1: otherwise it is left out, never an
 * error), and `verified_claims` filtered by {@link filterVerifiedClaims}. Claims the server sets
 * itself (`sub`, `iss`…) are never taken from the host.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IndividualClaimsRequests
 */
export function releaseClaims(
  names: readonly string[],
  request: Readonly<Record<string, unknown>> | undefined,
  account: Readonly<Record<string, unknown>>,
  verifiedRequests: readonly VerifiedClaimsRequest[],
): Record<string, unknown> {
  const released: Array<[string, unknown]> = [];
  for (const name of names) {
    if (PROTECTED_CLAIMS.has(name) || !Object.hasOwn(account, name)) continue;
    const value = account[name];
    if (value === undefined || value === null) continue;
    if (meetsConstraint(request?.[name], value)) released.push([name, value]);
  }
  if (verifiedRequests.length > 0) {
    const verified = filterVerifiedClaims(verifiedRequests, account.verified_claims);
    if (verified !== undefined) released.push(['verified_claims', verified]);
  }
  return Object.fromEntries(released);
}
