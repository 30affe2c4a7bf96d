import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../errors/oauth-error.js';
import { checkRequestObjectLifetime } from './check-request-object-lifetime.js';

const NOW = 1_700_000_000;
const SKEW = 10;

function problem(claims: Record<string, unknown>): string | undefined {
  try {
    checkRequestObjectLifetime(claims, NOW * 1000, SKEW);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('invalid_request_object');
    return (error as OAuthError).description;
  }
}

describe('checkRequestObjectLifetime (exp, nbf, exp − nbf ≤ 3600, with clockSkew)', () => {
  it('accepts the boundaries', () => {
    expect(problem({ nbf: NOW, exp: NOW + 3600 })).toBeUndefined();
    expect(problem({ nbf: NOW + SKEW, exp: NOW + 60 })).toBeUndefined();
    expect(problem({ nbf: NOW - 100, exp: NOW - SKEW + 1 })).toBeUndefined();
  });
  it('refuses just past them', () => {
    expect(problem({ nbf: NOW, exp: NOW + 3601 })).toMatch(/must not exceed 3600 seconds/);
    expect(problem({ nbf: NOW + SKEW + 1, exp: NOW + 60 })).toMatch(/not valid yet/);
    expect(problem({ nbf: NOW - 100, exp: NOW - SKEW })).toMatch(/has expired/);
    expect(problem({ nbf: NOW, exp: NOW })).toMatch(/exp must be after nbf/);
  });
  it('requires both as NumericDates', () => {
    expect(problem({ nbf: NOW })).toMatch(/exp is required/);
    expect(problem({ exp: NOW + 60 })).toMatch(/nbf is required/);
    expect(problem({ nbf: NOW, exp: String(NOW + 60) })).toMatch(/exp is required/);
    expect(problem({ nbf: null, exp: NOW + 60 })).toMatch(/nbf is required/);
  });
});
