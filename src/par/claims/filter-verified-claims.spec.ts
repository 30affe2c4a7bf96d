import { describe, expect, it } from 'vitest';
import type { VerifiedClaims, VerifiedClaimsRequest } from './claims-request.js';
import { filterVerifiedClaims } from './filter-verified-claims.js';

const AML: VerifiedClaims = {
  verification: {
    trust_framework: 'de_aml',
    time: '2012-04-23T18:25Z',
    verification_process: 'f24c6f-6d3f-4ec5-973e-b0d8506f3bc7',
    evidence: [
      {
        type: 'document',
        method: 'pipp',
        time: '2012-04-22T11:30Z',
        document_details: { type: 'idcard', document_number: '53554554', issuer: { name: 'Stadt Augsburg', country: 'DE' } },
      },
      { type: 'electronic_record', record: { type: 'population_register' } },
    ],
  },
  claims: { given_name: 'Alice', family_name: 'Liddell', birthdate: '1852-05-04' },
};
const EIDAS: VerifiedClaims = { verification: { trust_framework: 'eidas', assurance_level: 'substantial' }, claims: { given_name: 'Alice', nationalities: ['GB'] } };

const request = (verification: Record<string, unknown>, claims: Record<string, unknown>): VerifiedClaimsRequest =>
  ({ verification: { trust_framework: null, ...verification }, claims }) as VerifiedClaimsRequest;

describe('filterVerifiedClaims (IDA 1.0)', () => {
  it('releases, with trust_framework: null, every attested element holding a requested claim, with trust_framework only', () => {
    expect(filterVerifiedClaims([request({}, { given_name: null })], [AML, EIDAS])).toEqual([
      { verification: { trust_framework: 'de_aml' }, claims: { given_name: 'Alice' } },
      { verification: { trust_framework: 'eidas' }, claims: { given_name: 'Alice' } },
    ]);
  });

  it('releases a single element as an object', () => {
    expect(filterVerifiedClaims([request({}, { birthdate: null })], [AML, EIDAS])).toEqual({ verification: { trust_framework: 'de_aml' }, claims: { birthdate: '1852-05-04' } });
  });

  it('keeps only the elements whose trust_framework matches value or values', () => {
    expect(filterVerifiedClaims([request({ trust_framework: { value: 'eidas' } }, { given_name: null })], [AML, EIDAS])).toEqual({
      verification: { trust_framework: 'eidas' },
      claims: { given_name: 'Alice' },
    });
    expect(filterVerifiedClaims([request({ trust_framework: { values: ['uk_tfida', 'de_aml'] } }, { given_name: null })], [AML, EIDAS])).toEqual({
      verification: { trust_framework: 'de_aml' },
      claims: { given_name: 'Alice' },
    });
  });

  it('releases nothing when no trust framework matches (omitted, not an error)', () => {
    expect(filterVerifiedClaims([request({ trust_framework: { value: 'jp_aml' } }, { given_name: null })], [AML, EIDAS])).toBeUndefined();
  });

  it('releases only the requested claims the user has, and drops an element left without claims', () => {
    expect(filterVerifiedClaims([request({}, { family_name: { essential: true }, place_of_birth: null })], [AML, EIDAS])).toEqual({
      verification: { trust_framework: 'de_aml' },
      claims: { family_name: 'Liddell' },
    });
    expect(filterVerifiedClaims([request({}, { place_of_birth: { essential: true } })], [AML, EIDAS])).toBeUndefined();
  });

  it('leaves out a verified claim whose value misses the request\'s value or values', () => {
    expect(filterVerifiedClaims([request({ trust_framework: { value: 'de_aml' } }, { given_name: { value: 'Bob' }, family_name: { values: ['Liddell', 'Lidell'] } })], [AML])).toEqual({
      verification: { trust_framework: 'de_aml' },
      claims: { family_name: 'Liddell' },
    });
  });

  it('reduces verification to trust_framework plus the requested elements the host has', () => {
    expect(filterVerifiedClaims([request({ time: null, assurance_level: null }, { given_name: null })], [AML])).toEqual({
      verification: { trust_framework: 'de_aml', time: '2012-04-23T18:25Z' },
      claims: { given_name: 'Alice' },
    });
  });

  it('passes a requested element as it is when requested with null (all evidence)', () => {
    expect(filterVerifiedClaims([request({ evidence: null }, { given_name: null })], [AML])).toEqual({
      verification: { trust_framework: 'de_aml', evidence: AML.verification.evidence },
      claims: { given_name: 'Alice' },
    });
  });

  it('keeps the evidence entries matching a prototype, reduced to the requested fields plus their type', () => {
    const evidence = [{ type: { value: 'document' }, method: null, document_details: { type: { values: ['idcard', 'passport'] }, issuer: { country: null } } }];
    expect(filterVerifiedClaims([request({ evidence }, { given_name: null })], [AML])).toEqual({
      verification: {
        trust_framework: 'de_aml',
        evidence: [{ type: 'document', method: 'pipp', document_details: { type: 'idcard', issuer: { country: 'DE' } } }],
      },
      claims: { given_name: 'Alice' },
    });
  });

  it('leaves evidence out when no entry matches its prototype, still releasing the claims', () => {
    const evidence = [{ type: { value: 'vouch' } }];
    expect(filterVerifiedClaims([request({ evidence }, { given_name: null })], [AML])).toEqual({ verification: { trust_framework: 'de_aml' }, claims: { given_name: 'Alice' } });
  });

  it('does not use an element whose constrained verification element misses the constraint', () => {
    expect(filterVerifiedClaims([request({ assurance_level: { value: 'high' } }, { given_name: null })], [EIDAS])).toBeUndefined();
    expect(filterVerifiedClaims([request({ assurance_level: { values: ['substantial', 'high'] } }, { given_name: null })], [EIDAS])).toEqual({
      verification: { trust_framework: 'eidas', assurance_level: 'substantial' },
      claims: { given_name: 'Alice' },
    });
  });

  it('answers each request of an array, releasing identical results once', () => {
    const requests = [request({ trust_framework: { value: 'de_aml' } }, { birthdate: null }), request({ trust_framework: { value: 'eidas' } }, { nationalities: null }), request({}, { birthdate: null })];
    expect(filterVerifiedClaims(requests, [AML, EIDAS])).toEqual([
      { verification: { trust_framework: 'de_aml' }, claims: { birthdate: '1852-05-04' } },
      { verification: { trust_framework: 'eidas' }, claims: { nationalities: ['GB'] } },
    ]);
  });

  it('accepts a single attested object, and ignores whatever the host returned that is not verified claims', () => {
    expect(filterVerifiedClaims([request({}, { given_name: null })], EIDAS)).toEqual({ verification: { trust_framework: 'eidas' }, claims: { given_name: 'Alice' } });
    expect(filterVerifiedClaims([request({}, { given_name: null })], undefined)).toBeUndefined();
    expect(filterVerifiedClaims([request({}, { given_name: null })], ['x', { claims: {} }, { verification: { trust_framework: 1 }, claims: { given_name: 'A' } }])).toBeUndefined();
  });
});
