import { execFile } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DatabaseSettings } from '../../src/database/data-source-options.js';
import { freePort } from './app.js';
import type { TestDatabase } from './database.js';

const run = promisify(execFile);

/** Where initdb and pg_ctl are (PostgreSQL 15 on this machine and in CI); PG_BIN overrides it. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL server of a test's own, which the test may stop and start at will. */
export interface PostgresCluster {
  readonly port: number;
  readonly url: string;
  /** ParModule's database settings for it (the `postgres` database, public schema). */
  readonly settings: DatabaseSettings;
  /** A TestDatabase on it; each query opens its own connection, so it works across restarts. */
  readonly database: TestDatabase;
  /** Stops the server (`fast`: sessions are terminated with 57P01; `immediate`: like a crash) and waits until it is down. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /**
   * Freezes every process of the server (SIGSTOP, by their process ids): it still accepts TCP
   * connections but answers nothing, like a server that hangs or a network that drops packets.
   */
  freeze(): Promise<void>;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/**
 * initdb refuses to run as root, so as root (CI) the PostgreSQL binaries run as the `postgres` OS
 * user, in a directory it owns; as anyone else they run as that user.
 */
async function asServerUser(): Promise<{ prefix: string[]; owner?: { uid: number; gid: number } }> {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { prefix: ['runuser', '-u', 'postgres', '--'], owner: { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } };
}

/**
 * Creates and starts a PostgreSQL cluster in a fresh temporary directory, on a free loopback port,
 * tuned for tests: no fsync (a killed server's writes are still in the OS cache), but
 * `synchronous_commit` stays on, or an immediate stop would lose commits already acknowledged.
 * Call {@link PostgresCluster.destroy} when done.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const user = await asServerUser();
  const root = await mkdtemp(join(tmpdir(), 'par-pg-'));
  if (user.owner) await chown(root, user.owner.uid, user.owner.gid);
  const dataDir = join(root, 'data');
  const exec = async (binary: string, args: string[]): Promise<void> => {
    const [command, ...rest] = [...user.prefix, join(PG_BIN, binary), ...args];
    await run(command as string, rest, { timeout: 30_000 });
  };
  const port = await freePort();
  const serverOptions = [`-p ${port}`, `-k ${root}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off'].join(' ');
  const start = (): Promise<void> => exec('pg_ctl', ['-D', dataDir, '-l', join(root, 'server.log'), '-o', serverOptions, '-w', '-t', '20', 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => exec('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '20', 'stop']);
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await start();
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  /** The postmaster and its children, from postmaster.pid and /proc (Linux). */
  const serverProcesses = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8');
    return [postmaster, ...children.split(' ').filter(Boolean).map(Number)];
  };
  const signal = async (name: 'SIGSTOP' | 'SIGCONT'): Promise<void> => {
    for (const pid of await serverProcesses()) process.kill(pid, name);
  };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const query = async <T>(text: string, parameters: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query(text, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    settings: { url },
    database: { settings: { url }, query, drop: async () => undefined },
    stop,
    start,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    destroy: async () => {
      await signal('SIGCONT').catch(() => undefined);
      await stop('immediate').catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
