import type { Request } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { authorizationParams, basicAuth, form } from './oauth.js';

/** A confidential client's credentials and redirect_uri, for pushing. */
export interface PushingClient {
  client_id: string;
  client_secret: string;
  redirect_uris: readonly string[];
}

/** Pushes a request (HTTP Basic) and returns its request_uri. */
export async function pushRequest(t: TestApp, client: PushingClient, overrides: Record<string, string | undefined> = {}): Promise<string> {
  const res = await request(t.server)
    .post('/par')
    .set('Authorization', basicAuth(client.client_id, client.client_secret))
    .type('form')
    .send(form(authorizationParams(client.redirect_uris[0] as string, overrides)));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.request_uri as string;
}

/** A started interaction: its uid and the cookie that binds it to "this browser". */
export interface StartedInteraction {
  uid: string;
  cookie: string;
  location: string;
  setCookie: string;
}

/** GET /authorize with client_id + request_uri; expects the 303 to the interaction. */
export async function startInteraction(t: TestApp, clientId: string, requestUri: string): Promise<StartedInteraction> {
  const res = await request(t.server).get('/authorize').query({ client_id: clientId, request_uri: requestUri });
  expect(res.status, JSON.stringify(res.body)).toBe(303);
  return interactionFrom(res);
}

/** Reads the interaction uid and cookie from a 303 of /authorize. */
export function interactionFrom(res: request.Response): StartedInteraction {
  const location = res.headers.location as string;
  const uid = /\/interaction\/([A-Za-z0-9_-]{43})$/.exec(location)?.[1];
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  expect(uid).toBeDefined();
  return { uid: uid as string, cookie: setCookie.split(';')[0] as string, location, setCookie };
}

/** A stand-in for the browser's request to the host's login page (only its cookies are read). */
export function browserRequest(cookie: string | undefined): Request {
  return { headers: cookie === undefined ? {} : { cookie } } as unknown as Request;
}

/** The query parameters of a redirect URL. */
export function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}
