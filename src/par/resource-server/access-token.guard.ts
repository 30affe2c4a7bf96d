import { type CanActivate, createParamDecorator, type ExecutionContext, HttpException, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { databaseUnavailable, isDatabaseUnavailable } from '../errors/database-unavailable.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { AccessTokenClaims } from '../tokens/access-token-verifier.js';
import { ProtectedResourceService, ResourceAccessError } from './protected-resource.service.js';

/** What a protected route requires of the access token. */
export interface AccessTokenRequirements {
  /** Scopes the token must carry (all of them). */
  readonly scopes?: readonly string[];
  /** The `aud` the token must have. @default the `accessTokenAudience` option */
  readonly audience?: string;
  /** Also refuse revoked tokens (one database read per request). @default false */
  readonly checkRevocation?: boolean;
  /** RFC 9396 §9: authorization details types the token must carry (each at least once). */
  readonly authorizationDetailsTypes?: readonly string[];
}

const REQUIREMENTS = Symbol('par:access-token-requirements');
const verified = new WeakMap<Request, AccessTokenClaims>();

/**
 * Marks a route or controller as protected by our access tokens; use with {@link AccessTokenGuard}:
 * `@UseGuards(AccessTokenGuard) @RequireAccessToken({ scopes: ['api:read'] })`.
 */
export const RequireAccessToken = (requirements: AccessTokenRequirements = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIREMENTS, requirements);

/** The verified claims of the request's access token (RFC 9068 §2.2), in a guarded handler. */
export const AccessToken = createParamDecorator((_: unknown, context: ExecutionContext): AccessTokenClaims | undefined =>
  verified.get(context.switchToHttp().getRequest<Request>()),
);

/**
 * A resource-server guard for Nest apps: accepts our JWT access tokens as `Authorization: Bearer`, or
 * as `Authorization: DPoP` with a DPoP proof for DPoP-bound tokens (RFC 9449 §7), after checking
 * signature (our published keys), `typ`, `iss`, `aud`, `exp` and the required scopes, and answers
 * RFC 6750 §3 errors with a `WWW-Authenticate` challenge.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resource: ProtectedResourceService,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.reflector.getAllAndOverride<AccessTokenRequirements | undefined>(REQUIREMENTS, [context.getHandler(), context.getClass()]) ?? {};
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    try {
      const claims = await this.resource.authenticate(req, {
        audience: requirements.audience ?? this.options.accessTokenAudience,
        checkRevocation: requirements.checkRevocation,
      });
      const granted = new Set((claims.scope ?? '').split(' '));
      const missing = (requirements.scopes ?? []).filter((scope) => !granted.has(scope));
      if (missing.length > 0) throw this.resource.insufficientScope(req, `the access token lacks scope ${missing.join(' ')}`, requirements.scopes);
      const types = new Set((claims.authorization_details ?? []).map((detail) => detail.type));
      const missingTypes = (requirements.authorizationDetailsTypes ?? []).filter((type) => !types.has(type));
      if (missingTypes.length > 0) throw this.resource.insufficientScope(req, `the access token lacks authorization_details of type ${missingTypes.join(', ')}`);
      verified.set(req, claims);
      return true;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // The revocation check could not be made: 503 with Retry-After, never a pass without it.
        const unavailable = databaseUnavailable();
        for (const [name, value] of Object.entries(unavailable.headers)) res.setHeader(name, value);
        throw new HttpException(unavailable.toJSON(), unavailable.status);
      }
      if (!(error instanceof ResourceAccessError)) throw error;
      res.setHeader('WWW-Authenticate', error.challenge);
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      throw new HttpException(error.error === undefined ? {} : { error: error.error, error_description: error.description }, error.status);
    }
  }
}
