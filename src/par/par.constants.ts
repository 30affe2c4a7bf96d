/** Injection token of the validated, defaulted options ({@link ResolvedParOptions}). */
export const PAR_OPTIONS = Symbol('PAR_OPTIONS');
/** Injection token of the TypeORM DataSource the stores use. */
export const PAR_DATA_SOURCE = Symbol('PAR_DATA_SOURCE');
/** Injection token of the pushed authorization request store. */
export const PUSHED_REQUEST_STORE = Symbol('PUSHED_REQUEST_STORE');
/** Injection token of the authorization code store. */
export const AUTHORIZATION_CODE_STORE = Symbol('AUTHORIZATION_CODE_STORE');
/** Injection token of the replay (one-time jti) store. */
export const REPLAY_STORE = Symbol('REPLAY_STORE');

/** Paths of the endpoints, relative to the issuer. */
export const ENDPOINT_PATHS = {
  pushedAuthorization: '/par',
  authorization: '/authorize',
  token: '/token',
  jwks: '/jwks',
  introspection: '/introspect',
  revocation: '/revoke',
  userinfo: '/userinfo',
} as const;
