import { isClaimRequest, isJsonObject, meetsConstraint, type VerifiedClaims, type VerifiedClaimsRequest } from './claims-request.js';

/** What to do when a value does not satisfy its `value` / `values` constraint. */
type OnMismatch = 'omit' | 'reject';

/**
 * IDA 1.0: releases only the verified claims that were requested and can be attested. For each
 * request and each `verified_claims` element the host attests:
 * - the element is used only when its `trust_framework` (and any other constrained `verification`
 *   element) satisfies the request's `value` / `values`;
 * - its `verification` is reduced to `trust_framework` plus the requested elements the host has
 *   (`null` asks for an element as it is; a nested request reduces it further; a prototype array keeps
 *   the array entries, e.g. evidence, that match one of its prototypes, with their `type`);
 * - its `claims` are reduced to the requested claims the user has, a claim whose value misses its
 *   `value` / `values` being left out; an element left without claims is not released.
 * Nothing requested or nothing available is an omission, never an error. One released element is
 * returned as an object, several as an array; none as `undefined`.
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html#name-requesting-verified-claims
 */
export function filterVerifiedClaims(requests: readonly VerifiedClaimsRequest[], available: unknown): VerifiedClaims | VerifiedClaims[] | undefined {
  const attested = (Array.isArray(available) ? available : [available]).filter(isVerifiedClaims);
  const released: VerifiedClaims[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    for (const element of attested) {
      const { trust_framework: framework, ...requestedElements } = request.verification;
      if (!meetsConstraint(framework, element.verification.trust_framework)) continue;
      const verification = reduce(requestedElements, element.verification, 'reject', true);
      if (verification === undefined) continue;
      const claims = reduce(request.claims, element.claims, 'omit', false);
      if (claims === undefined || Object.keys(claims).length === 0) continue;
      const result: VerifiedClaims = { verification: { trust_framework: element.verification.trust_framework, ...verification }, claims };
      // Several requests may select the same attested data: release it once.
      const key = JSON.stringify(result);
      if (seen.has(key)) continue;
      seen.add(key);
      released.push(result);
    }
  }
  if (released.length === 0) return undefined;
  return released.length === 1 ? released[0] : released;
}

/**
 * The members of `available` that `request` asks for. With `reject`, a value missing its constraint
 * makes the whole structure unusable (`undefined`); with `omit`, only that member is left out.
 * `keepType`: IDA's `type` members (of evidence, documents…) are mandatory, so always kept.
 */
function reduce(request: Readonly<Record<string, unknown>>, available: Readonly<Record<string, unknown>>, onMismatch: OnMismatch, keepType: boolean): Record<string, unknown> | undefined {
  const out: Array<[string, unknown]> = [];
  if (keepType && Object.hasOwn(available, 'type') && !Object.hasOwn(request, 'type')) out.push(['type', available.type]);
  for (const [name, requested] of Object.entries(request)) {
    if (!Object.hasOwn(available, name) || available[name] === undefined || available[name] === null) continue;
    const value = available[name];
    if (isClaimRequest(requested)) {
      if (meetsConstraint(requested, value)) out.push([name, value]);
      else if (onMismatch === 'reject') return undefined;
    } else if (Array.isArray(requested)) {
      if (!Array.isArray(value)) continue;
      const kept = value.flatMap((entry) => {
        if (!isJsonObject(entry)) return [];
        for (const prototype of requested) {
          const reduced = isJsonObject(prototype) ? reduce(prototype, entry, 'reject', keepType) : undefined;
          if (reduced !== undefined) return [reduced];
        }
        return [];
      });
      if (kept.length > 0) out.push([name, kept]);
    } else if (isJsonObject(requested)) {
      if (!isJsonObject(value)) continue;
      const reduced = reduce(requested, value, onMismatch, keepType);
      if (reduced === undefined) return undefined;
      if (Object.keys(reduced).length > 0) out.push([name, reduced]);
    }
  }
  return Object.fromEntries(out);
}

function isVerifiedClaims(value: unknown): value is VerifiedClaims {
  return isJsonObject(value) && isJsonObject(value.verification) && typeof value.verification.trust_framework === 'string' && isJsonObject(value.claims);
}
