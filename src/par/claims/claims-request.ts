/**
 * The shapes of an OIDC Core §5.5 `claims` request (with OpenID Connect for Identity Assurance 1.0
 * `verified_claims`), as {@link checkClaims} admits them, and small guards to read them back from
 * storage or from an access token.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html
 */

/** Where requested claims are returned (OIDC Core §5.5): the ID token or the UserInfo response. */
export type ClaimsTarget = 'id_token' | 'userinfo';

/** The members of an individual claim request with a defined meaning (OIDC Core §5.5.1, IDA `purpose`, `max_age`). */
export const CLAIM_REQUEST_MEMBERS: ReadonlySet<string> = new Set(['essential', 'value', 'values', 'purpose', 'max_age']);

/**
 * One requested claim (OIDC Core §5.5.1): `null` (default manner) or an object with `essential`,
 * `value`, `values` (and IDA's `purpose`, `max_age`); other members are ignored.
 */
export type ClaimRequest = null | {
  readonly essential?: boolean;
  readonly value?: unknown;
  readonly values?: readonly unknown[];
  readonly purpose?: string;
  readonly max_age?: number;
  readonly [member: string]: unknown;
};

/**
 * One IDA `verified_claims` request: which verification data is wanted (`trust_framework` with
 * optional `value`/`values` constraints, and any other element as `null`, a constraint, a nested
 * object or a one-element prototype array), and which verified claims.
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html#name-requesting-verified-claims
 */
export interface VerifiedClaimsRequest {
  readonly verification: { readonly trust_framework: ClaimRequest; readonly [element: string]: unknown };
  readonly claims: Readonly<Record<string, unknown>>;
}

/** One `verified_claims` element a host can attest (IDA §5): how the claims were verified, and the claims. */
export interface VerifiedClaims {
  readonly verification: { readonly trust_framework: string; readonly [element: string]: unknown };
  readonly claims: Readonly<Record<string, unknown>>;
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `verified_claims` member of one target's request, as a list (a single object is a list of one). */
export function verifiedClaimsRequests(target: Readonly<Record<string, unknown>> | undefined): VerifiedClaimsRequest[] {
  const member = target?.verified_claims;
  if (member === undefined || member === null) return [];
  return (Array.isArray(member) ? member : [member]).filter(
    (entry): entry is VerifiedClaimsRequest => isJsonObject(entry) && isJsonObject(entry.verification) && isJsonObject(entry.claims),
  );
}

/** Whether `value` satisfies the `value` / `values` constraints of a claim request (OIDC Core §5.5.1); `null` asks for any value. */
export function meetsConstraint(request: unknown, value: unknown): boolean {
  if (!isJsonObject(request)) return true;
  if ('value' in request && !sameJson(request.value, value)) return false;
  if (Array.isArray(request.values) && !request.values.some((allowed) => sameJson(allowed, value))) return false;
  return true;
}

/**
 * Whether a requested member is an individual claim request rather than a nested structure (IDA
 * `verification` elements, structured claims): `null`, `{}`, or an object with any member of
 * OIDC Core §5.5.1 (its other members are then ignored, as §5.5.1 says).
 */
export function isClaimRequest(request: unknown): boolean {
  if (request === null) return true;
  if (!isJsonObject(request)) return false;
  const members = Object.keys(request);
  return members.length === 0 || members.some((member) => CLAIM_REQUEST_MEMBERS.has(member));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
