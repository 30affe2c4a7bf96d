import type { Response } from 'supertest';
import { expect } from 'vitest';

/**
 * Asserts an RFC 6749 §5.2 error answer: exact status, `Cache-Control: no-store`, JSON with exactly
 * `error` and `error_description`.
 */
export function expectOAuthError(res: Response, status: number, error: string, description?: string | RegExp): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status, body: { error } });
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'error_description']);
  if (description !== undefined) expect((res.body as { error_description: string }).error_description).toMatch(description);
}
