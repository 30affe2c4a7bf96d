import { readFileSync } from 'node:fs';
import type { LogLevel } from '@nestjs/common';
import { type ClientMetadata, DEFAULT_SCOPES, type ParModuleOptions } from '../par/index.js';
import type { DatabaseSettings } from '../database/data-source-options.js';
import { DEMO_CLIENTS } from './demo-clients.js';
import { DEFAULT_FAPI_CLIENT_KEY_FILE, demoFapiClient } from './demo-fapi-client.js';
import { DEMO_IDENTITY_ASSURANCE, findDemoAccountClaims } from './demo-identity.js';
import { accountInformation, paymentInitiation } from './demo-authorization-details.js';
import { DemoSessions, demoSilentInteraction } from './demo-sessions.js';

/** The demo server's settings, read from the environment (documented in README.md). */
export interface DemoConfig {
  port: number;
  database: DatabaseSettings;
  par: ParModuleOptions;
  /** LOG_LEVEL (default `log`): the levels printed, that one and the more severe ones. */
  logLevels: LogLevel[];
  /** The demo's login sessions, read by its pages and by its `silentInteraction`. */
  sessions: DemoSessions;
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
  const sessions = new DemoSessions();
  const clients = env.CLIENTS_FILE ? readClients(env.CLIENTS_FILE) : fapiClientKeyFile ? [demoFapiClient(fapiClientKeyFile)] : DEMO_CLIENTS;
  return {
    port,
    logLevels: logLevelsFrom(env.LOG_LEVEL),
    sessions,
    ...(fapiClientKeyFile && { fapiClientKeyFile }),
    database: env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: env.PGLITE_DIR ?? '.data/pglite' },
    par: {
      issuer,
      clients,
      profile,
      scopesSupported: [...DEFAULT_SCOPES, 'api:read'],
      authorizationDetailsTypes: { payment_initiation: paymentInitiation, account_information: accountInformation },
      findAccountClaims: findDemoAccountClaims,
      silentInteraction: demoSilentInteraction(sessions, env.BENCH_AUTO_APPROVE === '1'),
      identityAssurance: DEMO_IDENTITY_ASSURANCE,
      ...optionalNumber(env, 'REQUEST_URI_TTL', 'requestUriTtl'),
      ...optionalNumber(env, 'INTERACTION_TTL', 'interactionTtl'),
      ...optionalNumber(env, 'CODE_TTL', 'codeTtl'),
      ...optionalNumber(env, 'ACCESS_TOKEN_TTL', 'accessTokenTtl'),
      ...rateLimits(env),
      ...optionalNumber(env, 'PURGE_INTERVAL', 'purgeInterval'),
      ...optionalNumber(env, 'PURGE_GRACE', 'purgeGrace'),
    },
  };
}

/** Nest's levels, most verbose first. */
const LOG_LEVELS: readonly LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

function logLevelsFrom(raw: string | undefined): LogLevel[] {
  const level = raw === undefined || raw === '' ? 'log' : raw;
  const index = LOG_LEVELS.indexOf(level as LogLevel);
  if (index === -1) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  return LOG_LEVELS.slice(index);
}

/**
 * RATE_LIMIT_PER_MINUTE: every per-client and per-address limit of /par and /token, per 60 s window;
 * `off` turns the rate limits off (to measure what they cost). With BENCH_AUTO_APPROVE=1 and no
 * RATE_LIMIT_PER_MINUTE the limits are set out of reach (10^8), so that a benchmark from one address
 * measures the limiter without being refused by it.
 */
const BENCH_RATE_LIMIT = 100_000_000;

function rateLimits(env: NodeJS.ProcessEnv): Pick<ParModuleOptions, 'rateLimits'> {
  if (env.RATE_LIMIT_PER_MINUTE === 'off') return { rateLimits: false };
  const limit = numberVar(env, 'RATE_LIMIT_PER_MINUTE') ?? (env.BENCH_AUTO_APPROVE === '1' ? BENCH_RATE_LIMIT : undefined);
  if (limit === undefined) return {};
  const each = { perClient: { limit, windowSeconds: 60 }, perAddress: { limit, windowSeconds: 60 } };
  return { rateLimits: { pushedAuthorization: each, token: each } };
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
