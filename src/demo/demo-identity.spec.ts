import { describe, expect, it } from 'vitest';
import { resolveAccountClaims } from '../par/claims/account-claims.js';
import { resolveParOptions } from '../par/index.js';
import { readDemoConfig } from './demo-config.js';
import { findDemoAccountClaims } from './demo-identity.js';

describe('the demo\'s identity assurance', () => {
  it('is configured with valid options', () => {
    expect(resolveParOptions(readDemoConfig({}).par).identityAssurance).toEqual({
      trustFrameworks: ['de_aml'],
      claimsInVerifiedClaims: ['given_name', 'family_name', 'birthdate'],
      evidence: ['document'],
      documents: ['idcard'],
    });
  });

  it('releases alice\'s verified claims under de_aml, with her ID card as evidence when asked for', async () => {
    const request = {
      id_token: {
        verified_claims: {
          verification: { trust_framework: { value: 'de_aml' }, time: null, evidence: [{ type: { value: 'document' }, document_details: { type: null, issuer: null } }] },
          claims: { given_name: null, family_name: null, birthdate: null },
        },
      },
    };
    const released = await resolveAccountClaims(findDemoAccountClaims, { subject: 'user-alice', target: 'id_token', scopes: ['openid'], request, identityAssurance: true });
    expect(released).toEqual({
      verified_claims: {
        verification: {
          trust_framework: 'de_aml',
          time: '2024-03-01T10:00:00Z',
          evidence: [{ type: 'document', document_details: { type: 'idcard', issuer: { name: 'Stadt Oxford', country: 'GB' } } }],
        },
        claims: { given_name: 'Alice', family_name: 'Liddell', birthdate: '1852-05-04' },
      },
    });
  });

  it('has nothing verified for bob', async () => {
    const request = { userinfo: { verified_claims: { verification: { trust_framework: null }, claims: { given_name: null } } } };
    expect(await resolveAccountClaims(findDemoAccountClaims, { subject: 'user-bob', target: 'userinfo', scopes: ['openid'], request, identityAssurance: true })).toEqual({});
  });
});
