import { describe, expect, it } from 'vitest';
import type { VerifiedClaimsRequest } from './claims-request.js';
import { releaseClaims, requestedClaimNames } from './release-claims.js';

const ACCOUNT = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  email: 'alice@example.com',
  email_verified: true,
  locale: 'en-GB',
  phone_number: null,
  sub: 'mallory',
  iss: 'https://evil.example',
  acr: 'forged',
  verified_claims: [{ verification: { trust_framework: 'de_aml', time: '2012-04-23T18:25Z' }, claims: { given_name: 'Alice', birthdate: '1852-05-04' } }],
};

describe('requestedClaimNames (OIDC Core §5.4, §5.5)', () => {
  it('joins the scopes\' claims and the target\'s requested claims, once each', () => {
    expect(requestedClaimNames(['openid', 'email'], { email: null, nickname: { essential: true } })).toEqual(['email', 'email_verified', 'nickname']);
  });

  it('leaves out verified_claims and the claims the server sets itself', () => {
    expect(requestedClaimNames(['openid'], { verified_claims: {}, sub: { value: 'x' }, auth_time: { essential: true }, acr: null, given_name: null })).toEqual(['given_name']);
  });

  it('asks for nothing without claim scopes or a claims request', () => {
    expect(requestedClaimNames(['openid', 'offline_access'], undefined)).toEqual([]);
  });
});

describe('releaseClaims (OIDC Core §5.5.1, IDA 1.0)', () => {
  it('releases exactly the requested claims the user has', () => {
    expect(releaseClaims(['email', 'email_verified', 'nickname', 'phone_number'], undefined, ACCOUNT, [])).toEqual({ email: 'alice@example.com', email_verified: true });
  });

  it('never takes sub, iss, acr or any protected claim from the host, even when asked for by name', () => {
    expect(releaseClaims(['sub', 'iss', 'acr', 'name'], undefined, ACCOUNT, [])).toEqual({ name: 'Alice Liddell' });
  });

  it('leaves out a claim whose value misses the request\'s value or values', () => {
    const request = { email: { value: 'alice@example.org' }, locale: { values: ['en-GB', 'en-US'] }, given_name: { essential: true, value: 'Alice' } };
    expect(releaseClaims(['email', 'locale', 'given_name'], request, ACCOUNT, [])).toEqual({ locale: 'en-GB', given_name: 'Alice' });
  });

  it('releases verified_claims only when requested for this target, filtered by the request', () => {
    expect(releaseClaims(['name'], { name: null }, ACCOUNT, [])).toEqual({ name: 'Alice Liddell' });
    const verified = [{ verification: { trust_framework: { value: 'de_aml' } }, claims: { birthdate: null } }] as unknown as VerifiedClaimsRequest[];
    expect(releaseClaims([], { verified_claims: verified[0] }, ACCOUNT, verified)).toEqual({
      verified_claims: { verification: { trust_framework: 'de_aml' }, claims: { birthdate: '1852-05-04' } },
    });
  });

  it('omits verified_claims when nothing attested matches', () => {
    const verified = [{ verification: { trust_framework: { value: 'eidas' } }, claims: { birthdate: null } }] as unknown as VerifiedClaimsRequest[];
    expect(releaseClaims(['name'], undefined, ACCOUNT, verified)).toEqual({ name: 'Alice Liddell' });
  });
});
