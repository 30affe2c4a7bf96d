import { describe, expect, it } from 'vitest';
import { type AccountClaimsRequest, resolveAccountClaims } from './account-claims.js';

const ATTESTED = [{ verification: { trust_framework: 'de_aml' }, claims: { given_name: 'Alice' } }];

/** A host resolver that records what it was asked and returns more than asked. */
function host(): { asked: AccountClaimsRequest[]; find: (subject: string, request: AccountClaimsRequest) => Record<string, unknown> } {
  const asked: AccountClaimsRequest[] = [];
  return { asked, find: (_subject, request) => (asked.push(request), { name: 'Alice', email: 'a@example.com', nickname: 'al', verified_claims: ATTESTED }) };
}

const VERIFIED = { verification: { trust_framework: null }, claims: { given_name: null } };

describe('resolveAccountClaims', () => {
  it('does not call the host when nothing is asked for the target', async () => {
    const h = host();
    expect(await resolveAccountClaims(h.find, { subject: 'u', target: 'userinfo', scopes: ['openid'], request: { id_token: { name: null } }, identityAssurance: true })).toEqual({});
    expect(h.asked).toEqual([]);
  });

  it('asks the host for the target\'s names and verified claims, and releases only those', async () => {
    const h = host();
    const request = { id_token: { nickname: null, verified_claims: VERIFIED }, userinfo: { name: null } };
    const claims = await resolveAccountClaims(h.find, { subject: 'u', target: 'id_token', scopes: ['openid', 'email'], request, identityAssurance: true });
    expect(h.asked).toEqual([{ target: 'id_token', claims: ['email', 'email_verified', 'nickname'], verifiedClaims: [VERIFIED] }]);
    expect(claims).toEqual({ email: 'a@example.com', nickname: 'al', verified_claims: { verification: { trust_framework: 'de_aml' }, claims: { given_name: 'Alice' } } });
  });

  it('ignores verified_claims requests when identity assurance is not configured', async () => {
    const h = host();
    const claims = await resolveAccountClaims(h.find, { subject: 'u', target: 'userinfo', scopes: ['openid'], request: { userinfo: { verified_claims: VERIFIED } }, identityAssurance: false });
    expect(h.asked).toEqual([]);
    expect(claims).toEqual({});
  });

  it('releases nothing when the host answers something other than an object', async () => {
    const claims = await resolveAccountClaims(() => null as unknown as Record<string, unknown>, { subject: 'u', target: 'userinfo', scopes: ['profile'], request: undefined, identityAssurance: false });
    expect(claims).toEqual({});
  });
});
