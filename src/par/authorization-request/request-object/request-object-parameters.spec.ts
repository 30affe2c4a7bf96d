import { describe, expect, it } from 'vitest';
import { requestObjectParameters } from './request-object-parameters.js';

describe('requestObjectParameters (RFC 9101 §4: claims become the parameters, in wire form)', () => {
  it('keeps strings, writes numbers and booleans as strings, objects and arrays as JSON text, and drops null', () => {
    const details = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '12.00' } }];
    const claims = { id_token: { email: { essential: true } }, userinfo: { name: null } };
    const params = requestObjectParameters({
      response_type: 'code',
      state: '',
      max_age: 300,
      exp: 1_700_000_000.5,
      flag: true,
      authorization_details: details,
      claims,
      login_hint: null,
    });
    expect(Object.fromEntries(params)).toEqual({
      response_type: 'code',
      state: '',
      max_age: '300',
      exp: '1700000000.5',
      flag: 'true',
      authorization_details: JSON.stringify(details),
      claims: JSON.stringify(claims),
    });
    expect(JSON.parse(params.get('authorization_details') ?? '')).toEqual(details);
    expect(JSON.parse(params.get('claims') ?? '')).toEqual(claims);
  });

  it('keeps a claim named __proto__ as an ordinary parameter', () => {
    const params = requestObjectParameters(JSON.parse('{"__proto__":{"x":1},"scope":"openid"}') as Record<string, unknown>);
    expect(params.get('__proto__')).toBe('{"x":1}');
    expect(params.get('scope')).toBe('openid');
  });
});
