import type { Client, ClientMetadata } from './clients/client.js';
import type { StaticClientRegistry } from './clients/client-registry.js';
import { ParConfigurationError } from './common/configuration-error.js';
import type { ParModuleOptions } from './par.options.js';

/**
 * The security profile ParModule enforces: `oauth2` (RFC 6749 + RFC 9126 + RFC 9700, what each option
 * says) or `fapi2` (FAPI 2.0 Security Profile Final, on top of that).
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html
 */
export type ParProfile = 'oauth2' | 'fapi2';

export const PAR_PROFILES: readonly ParProfile[] = ['oauth2', 'fapi2'];

/** Why the fapi2 profile refuses this. */
const FAPI2 = 'under the fapi2 profile';

/**
 * The options under FAPI 2.0 SP Final: what the profile requires is forced on, and an option set
 * explicitly against it is a boot error naming it. Everything else is left to the usual validation.
 * - §5.3.2.2-3: PAR only (`requirePushedAuthorizationRequests`).
 * - §5.3.2.1-8: the issuer as a string is the only assertion audience (`clientAssertionAudience`).
 * - §5.3.2.1-4/5: sender-constrained access tokens, here DPoP (`requireDpop`; mTLS is not implemented).
 * - §5.3.2.1-11: codes live at most 60 s (`codeTtl`).
 * - §5.3.2.1-9: no refresh-token rotation (`rotateRefreshTokens` defaults to `never`, `always` is
 *   refused; `public` is accepted and means the same, as there are no public clients).
 * - §5.3.2.1-13: `iat`/`nbf` up to 10 s ahead must be accepted, so `clockSkew` is at least 10 (the
 *   general bound of 59 already rejects 60 s or more).
 * `requestUriTtl` < 600 (§5.3.2.2-12), the signing algorithms (§5.4) and state/nonce lengths of 64
 * (§5.3.2.2-13) hold for every profile.
 */
export function withFapi2Profile(options: ParModuleOptions): ParModuleOptions {
  const refuse = (name: keyof ParModuleOptions, problem: string): never => {
    throw new ParConfigurationError(name, `${problem} ${FAPI2} (got ${JSON.stringify(options[name])})`);
  };
  if (options.requirePushedAuthorizationRequests === false) refuse('requirePushedAuthorizationRequests', 'must be true (FAPI 2.0 §5.3.2.2-3)');
  if (options.clientAssertionAudience !== undefined && options.clientAssertionAudience !== 'issuer-string') {
    refuse('clientAssertionAudience', "must be 'issuer-string' (FAPI 2.0 §5.3.2.1-8)");
  }
  if (options.requireDpop === false) refuse('requireDpop', 'must be true: access tokens are sender-constrained with DPoP (FAPI 2.0 §5.3.2.1-4)');
  if (typeof options.codeTtl === 'number' && options.codeTtl > 60) refuse('codeTtl', 'must be at most 60 (FAPI 2.0 §5.3.2.1-11)');
  if (options.rotateRefreshTokens === 'always') refuse('rotateRefreshTokens', "must be 'never' (FAPI 2.0 §5.3.2.1-9)");
  if (typeof options.clockSkew === 'number' && options.clockSkew < 10) {
    refuse('clockSkew', 'must be at least 10: iat/nbf up to 10 seconds ahead must be accepted (FAPI 2.0 §5.3.2.1-13)');
  }
  return {
    ...options,
    requirePushedAuthorizationRequests: true,
    clientAssertionAudience: 'issuer-string',
    requireDpop: true,
    rotateRefreshTokens: options.rotateRefreshTokens ?? 'never',
  };
}

/**
 * A static client list under FAPI 2.0: each registration must fit the profile (see
 * {@link fapi2ClientProblem}); the first one that does not fails the boot, named `clients[i].field`.
 */
export function checkFapi2Clients(clients: readonly ClientMetadata[], registry: StaticClientRegistry): void {
  clients.forEach((metadata, i) => {
    const client = registry.findNormalized(metadata.client_id);
    const problem = client === undefined ? undefined : fapi2ClientProblem(client);
    if (problem) throw new ParConfigurationError(`clients[${i}].${problem.field}`, `${problem.problem} ${FAPI2}`);
  });
}

/**
 * What keeps a registered client out of FAPI 2.0: confidential clients authenticating with
 * `private_key_jwt` only (§5.3.2.1-3, -6; mTLS is not implemented), and no http redirect URI except
 * a loopback IP literal (§5.3.2.2-8).
 */
export function fapi2ClientProblem(client: Client): { field: string; problem: string } | undefined {
  if (client.authMethod !== 'private_key_jwt') {
    return { field: 'token_endpoint_auth_method', problem: `must be private_key_jwt, not ${client.authMethod} (FAPI 2.0 §5.3.2.1-6)` };
  }
  for (const [j, uri] of client.redirectUris.entries()) {
    const problem = fapi2RedirectUriProblem(uri);
    if (problem) return { field: `redirect_uris[${j}]`, problem };
  }
  return undefined;
}

/**
 * FAPI 2.0 §5.3.2.2-8: no `http` redirect URI, except the loopback redirection of native apps (RFC 8252
 * §7.3), strictly an IP literal: `127.0.0.1` or `[::1]`; `localhost` is not (RFC 8252 §8.3: it may
 * resolve elsewhere). Other schemes (https, private-use schemes of native apps) are not concerned.
 */
export function fapi2RedirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.protocol === 'http:' && url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') {
    return 'must not use http, except on a loopback IP address (127.0.0.1 or [::1]; FAPI 2.0 §5.3.2.2-8)';
  }
  return undefined;
}
