import { readFileSync } from 'node:fs';
import { type ClientMetadata, DEFAULT_SCOPES, type ParModuleOptions } from '../par/index.js';
import type { DatabaseSettings } from '../database/data-source-options.js';
import { DEMO_CLIENTS } from './demo-clients.js';
import { DEFAULT_FAPI_CLIENT_KEY_FILE, demoFapiClient } from './demo-fapi-client.js';
import { DEMO_IDENTITY_ASSURANCE, findDemoAccountClaims } from './demo-identity.js';
import { accountInformation, paymentInitiation } from './demo-authorization-details.js';

/** The demo server's settings, read from the environment (documented in README.md). */
export interface DemoConfig {
  port: number;
  database: DatabaseSettings;
  par: ParModuleOptions;
  /** PROFILE=fapi2 without CLIENTS_FILE: where the private JWK of the demo's `fapi-client` is kept. */
  fapiClientKeyFile?: string;
}

export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const port = numberVar(env, 'PORT') ?? 3000;
  const issuer = env.ISSUER ?? `http://localhost:${port}`;
  const profile = env.PROFILE || 'oauth2';
  if (profile !== 'oauth2' && profile !== 'fapi2') throw new Error(`PROFILE must be oauth2 or fapi2 (got "${profile}")`);
  // FAPI 2.0 admits none of the usual demo clients (secrets, a public client, http://localhost): one
  // private_key_jwt client of its own instead.
  const fapiClientKeyFile = profile === 'fapi2' && !env.CLIENTS_FILE ? env.FAPI_CLIENT_KEY_FILE || DEFAULT_FAPI_CLIENT_KEY_FILE : undefined;
  const clients = env.CLIENTS_FILE ? readClients(env.CLIENTS_FILE) : fapiClientKeyFile ? [demoFapiClient(fapiClientKeyFile)] : DEMO_CLIENTS;
  return {
    port,
    ...(fapiClientKeyFile && { fapiClientKeyFile }),
    database: env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: env.PGLITE_DIR ?? '.data/pglite' },
    par: {
      issuer,
      clients,
      profile,
      scopesSupported: [...DEFAULT_SCOPES, 'api:read'],
      authorizationDetailsTypes: { payment_initiation: paymentInitiation, account_information: accountInformation },
      findAccountClaims: findDemoAccountClaims,
      identityAssurance: DEMO_IDENTITY_ASSURANCE,
      ...optionalNumber(env, 'REQUEST_URI_TTL', 'requestUriTtl'),
      ...optionalNumber(env, 'CODE_TTL', 'codeTtl'),
      ...optionalNumber(env, 'ACCESS_TOKEN_TTL', 'accessTokenTtl'),
      ...optionalNumber(env, 'PURGE_INTERVAL', 'purgeInterval'),
    },
  };
}

function readClients(path: string): ClientMetadata[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`CLIENTS_FILE ${path} could not be read as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`CLIENTS_FILE ${path} must hold a JSON array of client metadata`);
  return parsed as ClientMetadata[];
}

function numberVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer (got "${raw}")`);
  return value;
}

function optionalNumber<K extends keyof ParModuleOptions>(env: NodeJS.ProcessEnv, name: string, option: K): Partial<ParModuleOptions> {
  const value = numberVar(env, name);
  return value === undefined ? {} : { [option]: value };
}
