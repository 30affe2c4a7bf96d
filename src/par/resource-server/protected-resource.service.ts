import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { optional, readFormBody } from '../common/form.js';
import { DPOP_SIGNING_ALGS } from '../dpop/dpop-proof.js';
import { DpopService } from '../dpop/dpop.service.js';
import { OAuthError } from '../errors/oauth-error.js';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import { type AccessTokenClaims, AccessTokenVerifier, InvalidAccessTokenError } from '../tokens/access-token-verifier.js';

/** RFC 6750 §2.1 b64token, also the DPoP scheme's token syntax (RFC 9449 §7.1). */
const TOKEN = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Why a protected resource refuses a request: the status, the error code (none when no credentials
 * were presented, RFC 6750 §3.1) and the `WWW-Authenticate` challenge to send.
 */
export class ResourceAccessError extends Error {
  constructor(
    readonly status: number,
    readonly error: string | undefined,
    readonly description: string,
    readonly challenge: string,
    /** Further headers of the answer (a `DPoP-Nonce` to retry with). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.name = 'ResourceAccessError';
  }
}

/** What a protected resource checks besides the token being ours and live. */
export interface ResourceRequirements {
  /** The `aud` the token must have (none: any). */
  readonly audience?: string;
  readonly checkRevocation?: boolean;
  /** RFC 6750 §2.2: accept the token as the `access_token` parameter of a form POST. */
  readonly allowFormToken?: boolean;
}

/**
 * How a protected resource authenticates a request (RFC 6750, RFC 9449 §7): the access token from
 * `Authorization: Bearer`, `Authorization: DPoP` with a DPoP proof (its key must be the token's
 * `cnf.jkt`, its `ath` the token's hash), or a form parameter; a DPoP-bound token presented as Bearer
 * is refused. Shared by the resource-server guard and the UserInfo endpoint.
 */
@Injectable()
export class ProtectedResourceService {
  private readonly origin: string;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    private readonly verifier: AccessTokenVerifier,
    private readonly dpop: DpopService,
  ) {
    this.origin = new URL(options.issuer).origin;
  }

  async authenticate(req: Request, requirements: ResourceRequirements = {}): Promise<AccessTokenClaims> {
    const presented = this.presentedToken(req, requirements.allowFormToken === true);
    let claims: AccessTokenClaims;
    try {
      claims = await this.verifier.verify(presented.token, { audience: requirements.audience, checkRevocation: requirements.checkRevocation });
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw this.refuse(presented.scheme, 401, 'invalid_token', error.reason);
      throw error;
    }
    const jkt = claims.cnf?.jkt;
    if (presented.scheme === 'Bearer') {
      if (jkt !== undefined) throw this.refuse('DPoP', 401, 'invalid_token', 'the access token is bound to a DPoP key: present it with the DPoP scheme and a proof');
      return claims;
    }
    if (jkt === undefined) throw this.refuse('DPoP', 401, 'invalid_token', 'the access token is not bound to a DPoP key');
    // RFC 9449 §4.3 step 9: htu is this resource's URL, without query and fragment.
    const url = new URL(req.originalUrl ?? req.url, this.origin).href;
    let proof;
    try {
      proof = await this.dpop.proofOf(req, url, presented.token);
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'use_dpop_nonce') {
        // RFC 9449 §9: a resource server asks for a nonce with 401 and the DPoP challenge.
        const refusal = this.refuse('DPoP', 401, 'use_dpop_nonce', error.description);
        throw new ResourceAccessError(refusal.status, refusal.error, refusal.description, refusal.challenge, error.headers);
      }
      if (error instanceof OAuthError) throw this.refuse('DPoP', 401, 'invalid_dpop_proof', error.description);
      throw error;
    }
    if (proof === undefined) throw this.refuse('DPoP', 401, 'invalid_dpop_proof', 'a DPoP proof is required');
    if (proof.jkt !== jkt) throw this.refuse('DPoP', 401, 'invalid_dpop_proof', 'the DPoP proof was not made with the key the access token is bound to');
    return claims;
  }

  /** The challenge for an insufficient token, in the scheme it was presented with. */
  insufficientScope(req: Request, description: string, scopes?: readonly string[]): ResourceAccessError {
    const scheme = /^dpop /i.test(req.headers.authorization ?? '') ? 'DPoP' : 'Bearer';
    return this.refuse(scheme, 403, 'insufficient_scope', description, scopes);
  }

  private presentedToken(req: Request, allowFormToken: boolean): { scheme: 'Bearer' | 'DPoP'; token: string } {
    const header = req.headers.authorization;
    let fromHeader: { scheme: 'Bearer' | 'DPoP'; token: string } | undefined;
    if (header !== undefined && /^(bearer|dpop)(\s|$)/i.test(header)) {
      const match = TOKEN.exec(header);
      if (match?.[2] === undefined) throw this.refuse('Bearer', 400, 'invalid_request', 'the Authorization header must be Bearer or DPoP followed by the access token');
      fromHeader = { scheme: match[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
    }
    let fromForm: string | undefined;
    if (allowFormToken && req.method === 'POST' && req.is('application/x-www-form-urlencoded')) {
      try {
        fromForm = optional(readFormBody(req, this.options), 'access_token');
      } catch (error) {
        if (error instanceof OAuthError) throw this.refuse('Bearer', 400, 'invalid_request', error.description);
        throw error;
      }
    }
    if (fromHeader !== undefined && fromForm !== undefined) throw this.refuse('Bearer', 400, 'invalid_request', 'the access token must be sent in one way only');
    if (fromHeader !== undefined) return fromHeader;
    if (fromForm !== undefined) return { scheme: 'Bearer', token: fromForm };
    // RFC 6750 §3.1: no credentials (or another scheme): the bare challenge, no error information.
    throw new ResourceAccessError(401, undefined, '', `Bearer realm="${this.options.issuer}"`);
  }

  private refuse(scheme: 'Bearer' | 'DPoP', status: number, error: string, description: string, scopes?: readonly string[]): ResourceAccessError {
    const params = scheme === 'DPoP' ? [`algs="${DPOP_SIGNING_ALGS.join(' ')}"`] : [`realm="${this.options.issuer}"`];
    params.push(`error="${error}"`, `error_description="${description.replace(/["\\]/g, "'")}"`);
    if (scopes !== undefined) params.push(`scope="${scopes.join(' ')}"`);
    return new ResourceAccessError(status, error, description, `${scheme} ${params.join(', ')}`);
  }
}
