import type { DataSource, QueryResult } from 'typeorm';

/**
 * Runs one parameterised statement and returns its rows, whatever the statement kind (TypeORM's
 * `DataSource.query` reshapes UPDATE/DELETE results; this does not).
 */
export async function queryRows<T>(dataSource: DataSource, text: string, parameters: readonly unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = (await runner.query(text, [...parameters], true)) as QueryResult<T>;
    return result.records ?? [];
  } finally {
    await runner.release();
  }
}
