import { Inject, Injectable } from '@nestjs/common';
import { REQUEST_OBJECT_SIGNING_ALGS } from '../../authorization-request/request-object/check-request-object-signature.js';
import { claimsSupported, identityAssuranceMetadata } from '../../claims/claims-metadata.js';
import { CLIENT_AUTH_METHODS } from '../../clients/client.js';
import { DPOP_SIGNING_ALGS } from '../../dpop/dpop-proof.js';
import { ENDPOINT_PATHS, PAR_OPTIONS } from '../../par.constants.js';
import { ASSERTION_SIGNING_ALGS, inferAlg, type ResolvedParOptions } from '../../par.options.js';

/**
 * Authorization server metadata (RFC 8414 §2, RFC 9126 §5, OIDC Discovery §3), advertising exactly
 * what is implemented. Built once: it only depends on the options.
 */
@Injectable()
export class MetadataService {
  readonly metadata: Readonly<Record<string, unknown>>;

  constructor(@Inject(PAR_OPTIONS) options: ResolvedParOptions) {
    const url = (path: string): string => `${options.issuer}${path}`;
    const firstKey = options.signingKeys?.[0];
    const signingAlg = firstKey ? (firstKey.alg ?? inferAlg(firstKey) ?? 'ES256') : 'ES256';
    // FAPI 2.0 §5.3.2.1-6: the fapi2 profile authenticates every client with private_key_jwt only.
    const fapi2 = options.profile === 'fapi2';
    const authMethods = (methods: readonly string[]): string[] => (fapi2 ? ['private_key_jwt'] : [...methods]);
    this.metadata = Object.freeze({
      issuer: options.issuer,
      authorization_endpoint: url(ENDPOINT_PATHS.authorization),
      token_endpoint: url(ENDPOINT_PATHS.token),
      jwks_uri: url(ENDPOINT_PATHS.jwks),
      introspection_endpoint: url(ENDPOINT_PATHS.introspection),
      revocation_endpoint: url(ENDPOINT_PATHS.revocation),
      userinfo_endpoint: url(ENDPOINT_PATHS.userinfo),
      pushed_authorization_request_endpoint: url(ENDPOINT_PATHS.pushedAuthorization),
      require_pushed_authorization_requests: options.requirePushedAuthorizationRequests,
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: authMethods(CLIENT_AUTH_METHODS),
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
      scopes_supported: [...options.scopesSupported],
      authorization_details_types_supported: Object.keys(options.authorizationDetailsTypes),
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [signingAlg],
      claims_parameter_supported: true,
      claims_supported: claimsSupported(options.scopesSupported),
      ...identityAssuranceMetadata(options.identityAssurance),
      introspection_endpoint_auth_methods_supported: authMethods(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
      introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
      revocation_endpoint_auth_methods_supported: authMethods(CLIENT_AUTH_METHODS),
      revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
      // RFC 9126 §3: signed request objects are accepted in pushes (not at /authorize); RFC 9101 §10.5.
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: [...REQUEST_OBJECT_SIGNING_ALGS],
      require_signed_request_object: options.requireSignedRequestObject,
      request_uri_parameter_supported: false,
    });
  }
}
