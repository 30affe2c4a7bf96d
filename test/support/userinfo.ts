import request from 'supertest';
import type { TestApp } from './app.js';
import { form } from './oauth.js';

/** How a test sends the access token to /userinfo (RFC 6750 §2.1, §2.2). */
export type BearerMethod = 'GET header' | 'POST header' | 'POST form';

/** Calls /userinfo with `token` sent the given way (no token when undefined). */
export function userinfo(t: TestApp, token: string | undefined, method: BearerMethod = 'GET header'): request.Test {
  if (method === 'POST form') return request(t.server).post('/userinfo').type('form').send(form(token === undefined ? {} : { access_token: token }));
  const call = method === 'GET header' ? request(t.server).get('/userinfo') : request(t.server).post('/userinfo');
  return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
}

/** The `WWW-Authenticate` value of an RFC 6750 §3 answer: bare without `error`. */
export function bearerChallenge(realm: string, error?: string, description?: string, scope?: string): string {
  const params = [`realm="${realm}"`];
  if (error !== undefined) params.push(`error="${error}"`, `error_description="${description ?? ''}"`);
  if (scope !== undefined) params.push(`scope="${scope}"`);
  return `Bearer ${params.join(', ')}`;
}

/** A claims request parameter (OIDC Core §5.5) as the JSON text a client sends. */
export function claimsParameter(claims: unknown): string {
  return JSON.stringify(claims);
}
