import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthorizationCodeService } from './codes/authorization-code.service.js';
import { ClientAuthenticationService } from './clients/client-authentication.service.js';
import { ClientsService } from './clients/clients.service.js';
import { FormBodyReader } from './common/form-body.reader.js';
import { AuthorizationController } from './endpoints/authorization/authorization.controller.js';
import { AuthorizationService } from './endpoints/authorization/authorization.service.js';
import { TokenManagementController } from './endpoints/introspection/token-management.controller.js';
import { IntrospectionService } from './endpoints/introspection/introspection.service.js';
import { JwksController } from './endpoints/jwks/jwks.controller.js';
import { RevocationService } from './endpoints/revocation/revocation.service.js';
import { AuthorizationCodeGrant } from './endpoints/token/grants/authorization-code.grant.js';
import { ClientCredentialsGrant } from './endpoints/token/grants/client-credentials.grant.js';
import { RefreshTokenGrant } from './endpoints/token/grants/refresh-token.grant.js';
import { TokenIssuer } from './endpoints/token/token-issuer.js';
import { TokenController } from './endpoints/token/token.controller.js';
import { TokenEndpointService } from './endpoints/token/token.service.js';
import { DpopService } from './dpop/dpop.service.js';
import { KeyService } from './keys/key.service.js';
import { TokenStore } from './persistence/token-stores.js';
import { AccessTokenGuard } from './resource-server/access-token.guard.js';
import { ProtectedResourceService } from './resource-server/protected-resource.service.js';
import { AccessTokenVerifier } from './tokens/access-token-verifier.js';
import { TokenService } from './tokens/token.service.js';
import { MetadataController } from './endpoints/metadata/metadata.controller.js';
import { MetadataService } from './endpoints/metadata/metadata.service.js';
import { UserInfoController } from './endpoints/userinfo/userinfo.controller.js';
import { UserInfoService } from './endpoints/userinfo/userinfo.service.js';
import { PushedAuthorizationController } from './endpoints/pushed-authorization/pushed-authorization.controller.js';
import { PushedAuthorizationService } from './endpoints/pushed-authorization/pushed-authorization.service.js';
import { InteractionService } from './interaction/interaction.service.js';
import { ParEvents } from './observability/par-events.service.js';
import { AUTHORIZATION_CODE_STORE, PAR_OPTIONS, PUSHED_REQUEST_STORE, REPLAY_STORE } from './par.constants.js';
import { PAR_MODULE_OPTIONS, ParConfigurableModule } from './par.module-definition.js';
import { type ParModuleOptions, resolveParOptions } from './par.options.js';
import { PurgeService } from './persistence/purge.service.js';
import { ParShutdownService } from './lifecycle/par-shutdown.service.js';
import { ParHealthIndicator } from './health/par-health.indicator.js';
import { TypeOrmRateLimitStore } from './rate-limits/rate-limit.store.js';
import { RateLimiter } from './rate-limits/rate-limiter.service.js';
import { TypeOrmAuthorizationCodeStore, TypeOrmPushedRequestStore, TypeOrmReplayStore } from './persistence/typeorm-stores.js';

/**
 * An OAuth 2.0 authorization server built around Pushed Authorization Requests (RFC 9126), in your
 * Nest app. Register with `ParModule.forRoot(options)` or `ParModule.forRootAsync({ useFactory, ... })`;
 * it needs a TypeORM DataSource with {@link PAR_ENTITIES} and {@link PAR_MIGRATIONS}.
 */
@Module({
  // For ParHealthIndicator's HealthIndicatorService; the host imports TerminusModule where it builds its health controller.
  imports: [TerminusModule],
  controllers: [PushedAuthorizationController, AuthorizationController, TokenController, TokenManagementController, JwksController, MetadataController, UserInfoController],
  providers: [
    { provide: PAR_OPTIONS, useFactory: (options: ParModuleOptions) => resolveParOptions(options), inject: [PAR_MODULE_OPTIONS] },
    { provide: PUSHED_REQUEST_STORE, useClass: TypeOrmPushedRequestStore },
    { provide: REPLAY_STORE, useClass: TypeOrmReplayStore },
    { provide: AUTHORIZATION_CODE_STORE, useClass: TypeOrmAuthorizationCodeStore },
    FormBodyReader,
    ClientsService,
    ClientAuthenticationService,
    PushedAuthorizationService,
    AuthorizationService,
    AuthorizationCodeService,
    InteractionService,
    DpopService,
    ProtectedResourceService,
    KeyService,
    TokenService,
    TokenStore,
    TokenIssuer,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    ClientCredentialsGrant,
    TokenEndpointService,
    IntrospectionService,
    RevocationService,
    AccessTokenVerifier,
    AccessTokenGuard,
    MetadataService,
    UserInfoService,
    PurgeService,
    ParShutdownService,
    ParHealthIndicator,
    ParEvents,
    TypeOrmRateLimitStore,
    RateLimiter,
  ],
  exports: [PAR_OPTIONS, ParEvents, ClientsService, ClientAuthenticationService, InteractionService, KeyService, RateLimiter, AccessTokenVerifier, AccessTokenGuard, ProtectedResourceService, PurgeService, ParHealthIndicator],
})
export class ParModule extends ParConfigurableModule {}
