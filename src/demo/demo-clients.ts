import type { ClientMetadata } from '../par/index.js';

/**
 * Clients the demo server registers when no CLIENTS_FILE is given. Development only: their secrets
 * are public, in this file and in README.md.
 */
export const DEMO_CLIENTS: readonly ClientMetadata[] = [
  {
    client_id: 'bench-client',
    client_name: 'Benchmark client',
    client_secret: 'bench-secret-0123456789abcdef0123456789',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['http://127.0.0.1:4999/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email offline_access api:read',
  },
  {
    client_id: 'demo-web',
    client_name: 'Demo web app',
    client_secret: 'demo-web-secret-0123456789abcdef012345',
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: ['http://localhost:3001/callback', 'http://127.0.0.1:3001/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email offline_access api:read',
  },
  {
    client_id: 'demo-spa',
    client_name: 'Demo single-page app (public client)',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost:3002/callback'],
    scope: 'openid profile email',
  },
];
