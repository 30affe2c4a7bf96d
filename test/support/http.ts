import type { Response } from 'supertest';

/** Headers that legitimately differ between two otherwise identical answers (a fresh request id each time). */
const VOLATILE_HEADERS = ['date', 'x-request-id'];

/**
 * What a client sees of an answer, for byte-for-byte comparisons between two apps: status, raw body
 * text and every header except `Date` and `X-Request-Id` (and any listed in `ignore`, e.g. `etag` of a random body).
 */
export function observable(res: Response, ignore: readonly string[] = []): { status: number; headers: Record<string, string>; text: string } {
  const skip = new Set([...VOLATILE_HEADERS, ...ignore.map((h) => h.toLowerCase())]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers as Record<string, string | string[] | undefined>)) {
    if (skip.has(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: res.status, headers, text: res.text };
}
