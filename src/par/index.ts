export { ParModule } from './par.module.js';
export { PAR_ASYNC_OPTIONS_TYPE, PAR_OPTIONS_TYPE, type ParModuleExtras } from './par.module-definition.js';
export {
  type ParModuleOptions,
  type ResolvedParOptions,
  type ClientAssertionAudiencePolicy,
  type IdentityAssuranceOptions,
  type RateLimit,
  type RateLimitsOptions,
  type EndpointRateLimits,
  type RateLimitedEndpoint,
  type ResolvedRateLimits,
  DEFAULT_RATE_LIMIT,
  type HttpServerLimits,
  type ResolvedHttpServerLimits,
  resolveHttpServerLimits,
  resolveParOptions,
  ASSERTION_SIGNING_ALGS,
  DEFAULT_SCOPES,
} from './par.options.js';
export type { ParProfile } from './fapi2-profile.js';
export { PAR_OPTIONS, ENDPOINT_PATHS } from './par.constants.js';
export { type Clock, systemClock } from './common/clock.js';
export { ParConfigurationError } from './common/configuration-error.js';
export { type ClientMetadata, type Client, type ClientAuthMethod, CLIENT_AUTH_METHODS } from './clients/client.js';
export { type ClientRegistry, StaticClientRegistry } from './clients/client-registry.js';
export { ClientAuthenticationService, type AuthenticatedClient } from './clients/client-authentication.service.js';
export { OAuthError, type OAuthErrorCode } from './errors/oauth-error.js';
export { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable, describeDatabaseFault, isDatabaseUnavailable } from './errors/database-unavailable.js';
export { InteractionService } from './interaction/interaction.service.js';
export {
  type InteractionDetails,
  type InteractionResult,
  type InteractionDenialError,
  type SilentInteraction,
  type SilentInteractionAnswer,
  InteractionNotFoundError,
} from './interaction/interaction.types.js';
export type { AuthorizationGrant } from './codes/authorization-grant.js';
export {
  PAR_ENTITIES,
  PushedRequestEntity,
  InteractionEntity,
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  RevocationEntity,
  SigningKeyEntity,
  UsedJtiEntity,
  RateLimitEntity,
} from './persistence/entities.js';
export { PurgeService } from './persistence/purge.service.js';
export { ParShutdownService } from './lifecycle/par-shutdown.service.js';
export { ParHealthIndicator, type ParHealthCheckOptions } from './health/par-health.indicator.js';
export { ParEvents } from './observability/par-events.service.js';
export { RequestIdMiddleware, REQUEST_ID_HEADER } from './observability/request-id.middleware.js';
export { currentRequestId } from './observability/request-context.js';
export {
  type ParEvent,
  type ParEventBase,
  type ParEventListener,
  type RequestPushedEvent,
  type InteractionStartedEvent,
  type InteractionDeniedEvent,
  type CodeIssuedEvent,
  type CodeReplayDetectedEvent,
  type TokenIssuedEvent,
  type TokensRevokedEvent,
  type ClientAuthenticationFailedEvent,
  PAR_EVENT_TYPES,
} from './observability/par-event.js';
export { RateLimiter } from './rate-limits/rate-limiter.service.js';
export { applyHttpServerLimits } from './http-server-limits.js';
export { expressMessageClasses, type ExpressMessageClasses, ParExpressAdapter } from './http/par-express-adapter.js';
export { PAR_MIGRATIONS } from '../../migrations/index.js';
export { KeyService, type SigningKey } from './keys/key.service.js';
export { AccessTokenVerifier, type AccessTokenClaims, InvalidAccessTokenError } from './tokens/access-token-verifier.js';
export { AccessTokenGuard, RequireAccessToken, AccessToken, type AccessTokenRequirements } from './resource-server/access-token.guard.js';
export type { TokenResponse } from './endpoints/token/token-response.js';
export { sqlStatementCount } from './persistence/sql.js';
export { type AuthorizationDetailsValidator, canonicalJson } from './authorization-details/authorization-details.js';
export type { AuthorizationDetail, AuthorizationRequest, ClaimsRequest } from './authorization-request/authorization-request.js';
export type { AccountClaimsRequest, FindAccountClaims } from './claims/account-claims.js';
export type { ClaimRequest, ClaimsTarget, VerifiedClaims, VerifiedClaimsRequest } from './claims/claims-request.js';
