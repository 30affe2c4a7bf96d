import { createPrivateKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { PAR_DATA_SOURCE, PAR_OPTIONS } from '../par.constants.js';
import { inferAlg, type ResolvedParOptions } from '../par.options.js';
import { runStatement } from '../persistence/sql.js';
import { parLogger } from '../observability/par-logger.js';

/** A key that signs tokens. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;
/** The row that holds the development key (its JWK has its own kid, the thumbprint). */
const DEVELOPMENT_KEY_ROW = 'development';

/**
 * The server's signing keys: the configured `signingKeys` (the first signs, all are published), or,
 * when none are configured, one development key generated once and kept in the database, so that every
 * instance and every restart uses the same key.
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
@Injectable()
export class KeyService implements OnModuleInit {
  private keys: SigningKey[] = [];
  private publicSet: JSONWebKeySet = { keys: [] };
  private localSet: ReturnType<typeof createLocalJWKSet> | undefined;

  constructor(
    @Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions,
    @Inject(PAR_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const jwks = this.options.signingKeys ?? [await this.developmentKey()];
    this.keys = await Promise.all(jwks.map((jwk) => toSigningKey(jwk)));
    this.publicSet = { keys: this.keys.map((key) => key.publicJwk) };
    this.localSet = createLocalJWKSet(this.publicSet);
  }

  /** The key that signs new tokens. */
  get signingKey(): SigningKey {
    const key = this.keys[0];
    if (key === undefined) throw new Error('ParModule signing keys are not loaded yet');
    return key;
  }

  /** The public JWK Set (RFC 7517 §5), as served at /jwks. */
  get jwks(): JSONWebKeySet {
    return this.publicSet;
  }

  /** A key resolver for jose's jwtVerify over our published keys. */
  get verificationKeys(): ReturnType<typeof createLocalJWKSet> {
    if (this.localSet === undefined) throw new Error('ParModule signing keys are not loaded yet');
    return this.localSet;
  }

  /**
   * The development key lives in one fixed row: the first instance to insert it wins, atomically, and
   * every instance (and restart) then reads the same key. Boot work: not counted in `sqlStatementCount`.
   */
  private async developmentKey(): Promise<JWK> {
    const existing = await runStatement<{ private_jwk: JWK }>(this.dataSource, 'SELECT private_jwk FROM par_signing_key WHERE kid = $1', [DEVELOPMENT_KEY_ROW]);
    if (existing[0]) return existing[0].private_jwk;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const candidate: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
    await runStatement(this.dataSource, 'INSERT INTO par_signing_key (kid, private_jwk, created_at) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING', [
      DEVELOPMENT_KEY_ROW,
      JSON.stringify(candidate),
      new Date(),
    ]);
    const stored = await runStatement<{ private_jwk: JWK }>(this.dataSource, 'SELECT private_jwk FROM par_signing_key WHERE kid = $1', [DEVELOPMENT_KEY_ROW]);
    parLogger.warn('no signingKeys configured: using a generated development key kept in the database. Configure signingKeys in production.', { option: 'signingKeys' });
    return stored[0]?.private_jwk ?? candidate;
  }
}

async function toSigningKey(jwk: JWK): Promise<SigningKey> {
  const alg = jwk.alg ?? inferAlg(jwk) ?? 'ES256';
  const publicPart: JWK = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete (publicPart as Record<string, unknown>)[member];
  delete publicPart.key_ops;
  delete publicPart.ext;
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicPart));
  const privateKey = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  return { kid, alg, privateKey, publicJwk: { ...publicPart, kid, alg, use: 'sig' } };
}
