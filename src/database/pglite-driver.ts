import { EventEmitter } from 'node:events';
import { PGlite, types } from '@electric-sql/pglite';

/** The part of a node-postgres result that TypeORM's postgres driver reads. */
interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

type Release = (error?: unknown) => void;
type ConnectCallback = (error: Error | null, client: PGliteClient | null, release: Release) => void;

/** One "connection": PGlite is a single session, so connections are handed out one at a time. */
class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(textOrConfig: string | { text: string; values?: unknown[] }, values?: unknown[]): Promise<PgResult> {
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    const parameters = typeof textOrConfig === 'string' ? values : textOrConfig.values;
    const result =
      parameters && parameters.length > 0
        ? await this.db.query(text, parameters)
        : ((await this.db.exec(text)).at(-1) ?? { rows: [], affectedRows: 0 });
    const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command };
  }
}

/**
 * A node-postgres `Pool` look-alike over one PGlite instance, for TypeORM's postgres driver
 * (`driver: pgliteDriver(db)`). PGlite has a single session, so each connection holds it exclusively
 * until released: a transaction is never interleaved with another caller's statements.
 */
export function pgliteDriver(db: PGlite, ownsDatabase: boolean): { Pool: new () => EventEmitter } {
  class Pool extends EventEmitter {
    private readonly client = new PGliteClient(db);
    private queue: Promise<void> = Promise.resolve();

    connect(callback: ConnectCallback): void {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const previous = this.queue;
      this.queue = previous.then(() => held);
      void previous.then(async () => {
        try {
          await db.waitReady;
          callback(null, this.client, () => release());
        } catch (error) {
          release();
          callback(error instanceof Error ? error : new Error(String(error)), null, () => undefined);
        }
      });
    }

    end(callback?: (error?: Error) => void): void {
      const done = ownsDatabase ? db.close() : Promise.resolve();
      done.then(
        () => callback?.(),
        (error: unknown) => callback?.(error instanceof Error ? error : new Error(String(error))),
      );
    }
  }
  return { Pool };
}

/** PGlite parses booleans and timestamps like node-postgres does; TypeORM sends booleans as text. */
export function createPGlite(dataDir?: string): PGlite {
  return new PGlite(dataDir, {
    serializers: { [types.BOOL]: (value: unknown) => (value === true || value === 'true' ? 'TRUE' : value === false || value === 'false' ? 'FALSE' : String(value)) },
  });
}
