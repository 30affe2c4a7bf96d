import type { AccountClaimsRequest, IdentityAssuranceOptions, VerifiedClaims } from '../par/index.js';
import { demoAccountClaims } from './demo-users.js';

/** What the demo publishes about OpenID Connect for Identity Assurance 1.0. */
export const DEMO_IDENTITY_ASSURANCE: IdentityAssuranceOptions = {
  trustFrameworks: ['de_aml'],
  claimsInVerifiedClaims: ['given_name', 'family_name', 'birthdate'],
  evidence: ['document'],
  documents: ['idcard'],
};

/** Verified data of the demo users (alice only): what the demo can attest, and how it was verified. */
const VERIFIED: Readonly<Record<string, readonly VerifiedClaims[]>> = {
  'user-alice': [
    {
      verification: {
        trust_framework: 'de_aml',
        time: '2024-03-01T10:00:00Z',
        verification_process: 'demo-kyc-0001',
        evidence: [
          {
            type: 'document',
            check_details: [{ check_method: 'vpip' }],
            time: '2024-03-01T09:45:00Z',
            document_details: {
              type: 'idcard',
              document_number: 'T22000129',
              date_of_issuance: '2020-01-15',
              date_of_expiry: '2030-01-14',
              issuer: { name: 'Stadt Oxford', country: 'GB' },
            },
          },
        ],
      },
      claims: { given_name: 'Alice', family_name: 'Liddell', birthdate: '1852-05-04' },
    },
  ],
};

/**
 * The demo's `findAccountClaims`: the user's standard claims, and their verified data when
 * `verified_claims` were requested. It may return more than asked: ParModule releases only what the
 * request allows.
 */
export function findDemoAccountClaims(subject: string, request: AccountClaimsRequest): Record<string, unknown> {
  const verified = request.verifiedClaims !== undefined ? VERIFIED[subject] : undefined;
  return { ...demoAccountClaims(subject), ...(verified !== undefined && { verified_claims: verified }) };
}
