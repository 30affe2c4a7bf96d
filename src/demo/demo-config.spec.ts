import { describe, expect, it } from 'vitest';
import { resolveParOptions } from '../par/index.js';
import { readDemoConfig } from './demo-config.js';

describe('readDemoConfig rate limits', () => {
  it('keeps the library defaults without RATE_LIMIT_PER_MINUTE', () => {
    const each = { perClient: { limit: 1000, windowSeconds: 60 }, perAddress: { limit: 1000, windowSeconds: 60 } };
    expect(resolveParOptions(readDemoConfig({}).par).rateLimits).toEqual({ pushedAuthorization: each, token: each, syncInterval: 1000, maxKeys: 100_000 });
  });

  it('sets every limit per 60 s from RATE_LIMIT_PER_MINUTE (the benchmarks set it out of reach)', () => {
    const each = { perClient: { limit: 100_000_000, windowSeconds: 60 }, perAddress: { limit: 100_000_000, windowSeconds: 60 } };
    expect(resolveParOptions(readDemoConfig({ RATE_LIMIT_PER_MINUTE: '100000000' }).par).rateLimits).toEqual({ pushedAuthorization: each, token: each, syncInterval: 1000, maxKeys: 100_000 });
    expect(readDemoConfig({ RATE_LIMIT_PER_MINUTE: 'off' }).par.rateLimits).toBe(false);
    expect(() => readDemoConfig({ RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow('RATE_LIMIT_PER_MINUTE must be an integer (got "lots")');
  });

  it('sets the limits out of reach under BENCH_AUTO_APPROVE=1 unless RATE_LIMIT_PER_MINUTE says otherwise', () => {
    const each = (limit: number) => ({ perClient: { limit, windowSeconds: 60 }, perAddress: { limit, windowSeconds: 60 } });
    expect(readDemoConfig({ BENCH_AUTO_APPROVE: '1' }).par.rateLimits).toEqual({ pushedAuthorization: each(100_000_000), token: each(100_000_000) });
    expect(readDemoConfig({ BENCH_AUTO_APPROVE: '1', RATE_LIMIT_PER_MINUTE: '50' }).par.rateLimits).toEqual({ pushedAuthorization: each(50), token: each(50) });
    expect(readDemoConfig({ BENCH_AUTO_APPROVE: '1', RATE_LIMIT_PER_MINUTE: 'off' }).par.rateLimits).toBe(false);
  });
});
