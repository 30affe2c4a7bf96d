import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors/oauth-error.js';
import { checkClaims, MAX_CLAIMS_BYTES } from './check-claims.js';

const check = (claims: unknown): ReturnType<typeof checkClaims> => checkClaims(new Map([['claims', typeof claims === 'string' ? claims : JSON.stringify(claims)]]));

/** The invalid_request description that checking `claims` throws. */
function refusal(claims: unknown): string {
  try {
    check(claims);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('invalid_request');
    expect((error as OAuthError).status).toBe(400);
    return (error as OAuthError).description;
  }
  throw new Error('expected an invalid_request');
}

const VERIFIED = { verification: { trust_framework: null }, claims: { given_name: null } };

describe('checkClaims (OIDC Core §5.5, IDA 1.0)', () => {
  it('is absent when the parameter is absent or empty', () => {
    expect(checkClaims(new Map())).toEqual({});
    expect(checkClaims(new Map([['claims', '']]))).toEqual({});
  });

  it('stores the parsed userinfo and id_token members, with null and constraint objects as they are', () => {
    const claims = {
      userinfo: { email: null, nickname: { essential: true }, locale: { values: ['en', 'fr'] } },
      id_token: { auth_time: { essential: true }, given_name: { value: 'Alice', purpose: 'to greet you' } },
    };
    expect(check(claims)).toEqual({ claims });
  });

  it('ignores unknown top-level members and unknown members of a claim request', () => {
    expect(check({ userinfo: { email: { essential: false, foo: 1 } }, vp_token: {}, x: 1 })).toEqual({ claims: { userinfo: { email: { essential: false, foo: 1 } } } });
    expect(check({ other: {} })).toEqual({});
  });

  it('accepts verified_claims as an object or an array, with constraints, verification elements and evidence prototypes', () => {
    const single = { id_token: { verified_claims: VERIFIED } };
    expect(check(single)).toEqual({ claims: single });
    const array = {
      userinfo: {
        verified_claims: [
          VERIFIED,
          {
            verification: {
              trust_framework: { value: 'de_aml' },
              time: { max_age: 63113852 },
              evidence: [{ type: { value: 'document' }, document_details: { type: { values: ['idcard', 'passport'] } } }],
            },
            claims: { family_name: { essential: true, purpose: 'a legal name' }, address: { country: null } },
          },
        ],
      },
    };
    expect(check(array)).toEqual({ claims: array });
  });

  it.each([
    ['malformed JSON', '{"userinfo":', 'claims must be a JSON object'],
    ['a JSON array', '[]', 'claims must be a JSON object'],
    ['JSON null', 'null', 'claims must be a JSON object'],
    ['a string', '"userinfo"', 'claims must be a JSON object'],
    ['userinfo as an array', { userinfo: ['email'] }, 'claims.userinfo must be a JSON object'],
    ['id_token as null', { id_token: null }, 'claims.id_token must be a JSON object'],
    ['a claim as a string', { userinfo: { email: 'yes' } }, 'claims.userinfo.email must be null or a JSON object'],
    ['a claim as true', { id_token: { email: true } }, 'claims.id_token.email must be null or a JSON object'],
    ['a claim with an empty name', { id_token: { '': null } }, 'claims.id_token must not request a claim with an empty name'],
    ['essential not a boolean', { id_token: { email: { essential: 'true' } } }, 'claims.id_token.email.essential must be a boolean'],
    ['values not an array', { userinfo: { locale: { values: 'en' } } }, 'claims.userinfo.locale.values must be an array'],
    ['a purpose too short', { userinfo: { email: { purpose: 'no' } } }, 'claims.userinfo.email.purpose must be a string of 3 to 300 characters'],
    ['a purpose too long', { userinfo: { email: { purpose: 'x'.repeat(301) } } }, 'claims.userinfo.email.purpose must be a string of 3 to 300 characters'],
    ['verified_claims as a string', { userinfo: { verified_claims: 'yes' } }, 'claims.userinfo.verified_claims must be a JSON object'],
    ['verified_claims as an empty array', { userinfo: { verified_claims: [] } }, 'claims.userinfo.verified_claims must not be an empty array'],
    ['verified_claims without verification', { userinfo: { verified_claims: { claims: { given_name: null } } } }, 'claims.userinfo.verified_claims.verification must be a JSON object'],
    ['verified_claims without trust_framework', { userinfo: { verified_claims: { verification: {}, claims: { given_name: null } } } }, 'claims.userinfo.verified_claims.verification.trust_framework is required'],
    ['trust_framework as a string', { id_token: { verified_claims: { verification: { trust_framework: 'de_aml' }, claims: { given_name: null } } } }, 'trust_framework must be null or an object with value or values'],
    ['trust_framework values not an array', { id_token: { verified_claims: { verification: { trust_framework: { values: 'de_aml' } }, claims: { given_name: null } } } }, 'trust_framework.values must be an array'],
    ['verified_claims without claims', { id_token: { verified_claims: { verification: { trust_framework: null } } } }, 'claims.id_token.verified_claims.claims must be a non-empty JSON object'],
    ['verified_claims with empty claims', { id_token: { verified_claims: { verification: { trust_framework: null }, claims: {} } } }, 'claims.id_token.verified_claims.claims must be a non-empty JSON object'],
    ['verified_claims with null claims', { id_token: { verified_claims: { verification: { trust_framework: null }, claims: null } } }, 'claims.id_token.verified_claims.claims must be a non-empty JSON object'],
    ['a second verified_claims entry malformed', { id_token: { verified_claims: [VERIFIED, { verification: { trust_framework: null }, claims: { given_name: 1 } }] } }, 'claims.id_token.verified_claims[1].claims.given_name must be null or a JSON object'],
    ['an empty evidence prototype array', { id_token: { verified_claims: { verification: { trust_framework: null, evidence: [] }, claims: { given_name: null } } } }, 'verification.evidence must be a non-empty array of JSON objects'],
    ['a verification element as a number', { id_token: { verified_claims: { verification: { trust_framework: null, time: 5 }, claims: { given_name: null } } } }, 'verification.time must be null or a JSON object'],
    ['a negative max_age', { id_token: { verified_claims: { verification: { trust_framework: null, time: { max_age: -1 } }, claims: { given_name: null } } } }, 'verification.time.max_age must be a non-negative integer'],
  ])('refuses %s with invalid_request', (_case, claims, description) => {
    expect(refusal(claims)).toContain(description);
  });

  it(`refuses more than ${MAX_CLAIMS_BYTES} bytes of JSON`, () => {
    const big = JSON.stringify({ userinfo: { email: { purpose: 'ok!', padding: 'x'.repeat(MAX_CLAIMS_BYTES) } } });
    expect(refusal(big)).toBe(`claims must not be larger than ${MAX_CLAIMS_BYTES} bytes`);
  });

  it('refuses nesting deeper than a verification element needs', () => {
    let deep: unknown = null;
    for (let i = 0; i < 20; i++) deep = { level: deep };
    expect(refusal({ id_token: { verified_claims: { verification: { trust_framework: null, deep }, claims: { given_name: null } } } })).toContain('is nested too deeply');
  });

  it('echoes client-chosen claim names only in characters error_description allows', () => {
    expect(refusal({ userinfo: { 'a"b\\c\u00e9': 1 } })).toBe('claims.userinfo.a?b?c? must be null or a JSON object');
  });
});
