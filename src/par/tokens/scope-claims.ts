/** OIDC Core §5.4: the claims each standard scope stands for. */
const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

/** Claim names the granted scopes ask for. */
export function claimsForScopes(scopes: readonly string[]): string[] {
  return scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []);
}

/** Claims that are the server's to set: a host's claim resolver cannot override them. */
export const PROTECTED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid', 'cnf', 'client_id', 'scope']);
