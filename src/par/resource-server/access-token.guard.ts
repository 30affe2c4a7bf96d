import { type CanActivate, createParamDecorator, type ExecutionContext, HttpException, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import { type AccessTokenClaims, AccessTokenVerifier, InvalidAccessTokenError } from '../tokens/access-token-verifier.js';

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
 * A resource-server guard for Nest apps: accepts `Authorization: Bearer <our JWT access token>` after
 * checking signature (our published keys), `typ`, `iss`, `aud`, `exp` and the required scopes, and
 * answers RFC 6750 §3 errors with `WWW-Authenticate: Bearer`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.reflector.getAllAndOverride<AccessTokenRequirements | undefined>(REQUIREMENTS, [context.getHandler(), context.getClass()]) ?? {};
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const header = req.headers.authorization;
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header ?? '');
    if (match?.[1] === undefined) {
      // RFC 6750 §3.1: no credentials (or another scheme) gets the bare challenge, no error information;
      // a malformed Bearer header is invalid_request.
      if (header === undefined || !/^bearer(\s|$)/i.test(header)) throw this.reject(res, 401, undefined, '');
      throw this.reject(res, 400, 'invalid_request', 'the Authorization header must be "Bearer <token>"');
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.verifier.verify(match[1], { audience: requirements.audience ?? this.options.accessTokenAudience, checkRevocation: requirements.checkRevocation });
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw this.reject(res, 401, 'invalid_token', error.reason);
      throw error;
    }
    const granted = new Set((claims.scope ?? '').split(' '));
    const missing = (requirements.scopes ?? []).filter((scope) => !granted.has(scope));
    if (missing.length > 0) throw this.reject(res, 403, 'insufficient_scope', `the access token lacks scope ${missing.join(' ')}`, requirements.scopes);
    const types = new Set((claims.authorization_details ?? []).map((detail) => detail.type));
    const missingTypes = (requirements.authorizationDetailsTypes ?? []).filter((type) => !types.has(type));
    if (missingTypes.length > 0) throw this.reject(res, 403, 'insufficient_scope', `the access token lacks authorization_details of type ${missingTypes.join(', ')}`);
    verified.set(req, claims);
    return true;
  }

  private reject(res: Response, status: number, error: string | undefined, description: string, scopes?: readonly string[]): HttpException {
    const params = [`realm="${this.options.issuer}"`];
    if (error !== undefined) params.push(`error="${error}"`, `error_description="${description}"`);
    if (scopes !== undefined) params.push(`scope="${scopes.join(' ')}"`);
    res.setHeader('WWW-Authenticate', `Bearer ${params.join(', ')}`);
    return new HttpException(error === undefined ? {} : { error, error_description: description }, status);
  }
}
