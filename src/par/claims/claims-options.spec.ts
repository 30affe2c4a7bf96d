import { describe, expect, it } from 'vitest';
import { ParConfigurationError } from '../common/configuration-error.js';
import { type ParModuleOptions, resolveParOptions } from '../par.options.js';

const BASE = { issuer: 'https://as.example.com', clients: [{ client_id: 'c', token_endpoint_auth_method: 'none', redirect_uris: ['https://c.example.org/cb'] }] } as const satisfies ParModuleOptions;
const IDA = { trustFrameworks: ['de_aml'], claimsInVerifiedClaims: ['given_name'], evidence: ['document'], documents: ['idcard'] };

/** The message of the ParConfigurationError that resolving these options throws. */
function problem(options: Record<string, unknown>): string {
  try {
    resolveParOptions({ ...BASE, ...options } as unknown as ParModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ParConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ParConfigurationError');
}

describe('identityAssurance and findAccountClaims options', () => {
  it('leaves identity assurance off by default, and resolves no claims without findAccountClaims', async () => {
    const resolved = resolveParOptions(BASE);
    expect(resolved.identityAssurance).toBeUndefined();
    expect(await resolved.findAccountClaims('u', { target: 'userinfo', claims: ['name'] })).toEqual({});
  });

  it('keeps a valid identityAssurance, each list deduplicated', () => {
    expect(resolveParOptions({ ...BASE, identityAssurance: { ...IDA, trustFrameworks: ['de_aml', 'eidas', 'de_aml'] } }).identityAssurance).toEqual({ ...IDA, trustFrameworks: ['de_aml', 'eidas'] });
    expect(resolveParOptions({ ...BASE, identityAssurance: { trustFrameworks: ['eidas'], claimsInVerifiedClaims: ['birthdate'], evidence: [] } }).identityAssurance).toEqual({
      trustFrameworks: ['eidas'],
      claimsInVerifiedClaims: ['birthdate'],
      evidence: [],
    });
  });

  it.each([
    [{ identityAssurance: 'yes' }, 'ParModule option "identityAssurance" must be an object with trustFrameworks, claimsInVerifiedClaims and evidence'],
    [{ identityAssurance: { ...IDA, trustFrameworks: [] } }, 'ParModule option "identityAssurance.trustFrameworks" must be a non-empty array of non-empty strings'],
    [{ identityAssurance: { ...IDA, claimsInVerifiedClaims: ['given_name', ''] } }, 'ParModule option "identityAssurance.claimsInVerifiedClaims" must be a non-empty array of non-empty strings'],
    [{ identityAssurance: { ...IDA, evidence: 'document' } }, 'ParModule option "identityAssurance.evidence" must be an array of non-empty strings'],
    [{ identityAssurance: { ...IDA, documents: undefined } }, 'ParModule option "identityAssurance.documents" is required when evidence has "document"'],
    [{ findAccountClaims: { name: 'Alice' } }, 'ParModule option "findAccountClaims" must be a function'],
  ])('refuses %j at boot, naming the option', (options, message) => {
    expect(problem(options)).toBe(message);
  });
});
