import type { ClaimsRequest } from '../authorization-request/authorization-request.js';
import { type ClaimsTarget, isJsonObject, type VerifiedClaimsRequest, verifiedClaimsRequests } from './claims-request.js';
import { releaseClaims, requestedClaimNames } from './release-claims.js';

/** What the server asks the host's `findAccountClaims` for: the claims of one user for one target. */
export interface AccountClaimsRequest {
  /** Where the claims go: the ID token, or the UserInfo response (OIDC Core §5.5). */
  readonly target: ClaimsTarget;
  /** Names of the claims asked for this target: by the granted scopes (§5.4) and by the `claims` request (§5.5). */
  readonly claims: readonly string[];
  /** IDA 1.0: the `verified_claims` requested for this target, when any (each a `{ verification, claims }` request). */
  readonly verifiedClaims?: readonly VerifiedClaimsRequest[];
}

/**
 * The host's claims resolver: the user's claims (any superset of what was asked), and for IDA
 * `verified_claims`, an array of `{ verification, claims }` it can attest. The server releases only
 * what was requested; what is missing is left out.
 */
export type FindAccountClaims = (subject: string, request: AccountClaimsRequest) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** What {@link resolveAccountClaims} needs to know about one release. */
export interface ClaimsRelease {
  readonly subject: string;
  readonly target: ClaimsTarget;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** The `claims` request of the grant, if any. */
  readonly request: ClaimsRequest | undefined;
  /** Whether `verified_claims` are served (the `identityAssurance` option is set). */
  readonly identityAssurance: boolean;
}

/**
 * Asks the host for the claims of one target (only when something is asked) and releases what the
 * request allows: {@link requestedClaimNames}, then {@link releaseClaims}.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
 */
export async function resolveAccountClaims(find: FindAccountClaims, release: ClaimsRelease): Promise<Record<string, unknown>> {
  const targetRequest = release.request?.[release.target];
  const request = isJsonObject(targetRequest) ? targetRequest : undefined;
  const names = requestedClaimNames(release.scopes, request);
  const verified = release.identityAssurance ? verifiedClaimsRequests(request) : [];
  if (names.length === 0 && verified.length === 0) return {};
  const account: unknown = await find(release.subject, { target: release.target, claims: names, ...(verified.length > 0 && { verifiedClaims: verified }) });
  if (!isJsonObject(account)) return {};
  return releaseClaims(names, request, account, verified);
}
