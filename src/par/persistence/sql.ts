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

/**
 * Deletes one bounded batch of rows whose `column` is before `before`, skipping rows another purger
 * holds (no long locks, safe with several instances). Returns how many were deleted.
 */
export async function purgeBatch(dataSource: DataSource, table: string, key: string, column: string, before: Date, limit: number): Promise<number> {
  const rows = await queryRows<{ k: string }>(
    dataSource,
    `DELETE FROM ${table} WHERE ${key} IN (
       SELECT ${key} FROM ${table} WHERE ${column} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ) RETURNING ${key} AS k`,
    [before, limit],
  );
  return rows.length;
}
