import { optional, type Params } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';
import { CLAIM_REQUEST_MEMBERS, isClaimRequest, isJsonObject } from '../claims/claims-request.js';
import type { ClaimsRequest } from './authorization-request.js';

/** Largest accepted `claims` parameter, in bytes of JSON text. */
export const MAX_CLAIMS_BYTES = 32 * 1024;
/** Deepest accepted nesting inside a `verification` or a structured claim request. */
const MAX_DEPTH = 8;
const TARGETS = ['userinfo', 'id_token'] as const;

/**
 * OIDC Core §5.5: `claims` is a JSON object whose `userinfo` and `id_token` members (other members
 * are ignored) each map claim names to `null` or to an object with `essential` (boolean), `value`,
 * `values` (array) (§5.5.1); IDA 1.0 adds `purpose` (3 to 300 characters) and `verified_claims`: an
 * object or a non-empty array of objects, each with a `verification` object holding `trust_framework`
 * (`null` or a constraint) and a non-empty `claims` object. Anything else, or more than
 * {@link MAX_CLAIMS_BYTES}, is `invalid_request`. The parsed object is what is stored.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html#name-requesting-verified-claims
 */
export function checkClaims(params: Params): { claims?: ClaimsRequest } {
  const text = optional(params, 'claims');
  if (text === undefined) return {};
  if (Buffer.byteLength(text, 'utf8') > MAX_CLAIMS_BYTES) throw invalidRequest(`claims must not be larger than ${MAX_CLAIMS_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('claims must be a JSON object');
  }
  if (!isJsonObject(parsed)) throw invalidRequest('claims must be a JSON object');
  const claims: ClaimsRequest = {};
  for (const target of TARGETS) {
    const requested = parsed[target];
    if (requested === undefined) continue;
    const path = `claims.${target}`;
    if (!isJsonObject(requested)) throw invalidRequest(`${path} must be a JSON object`);
    for (const [name, request] of Object.entries(requested)) {
      if (name === '') throw invalidRequest(`${path} must not request a claim with an empty name`);
      if (name === 'verified_claims') checkVerifiedClaims(request, `${path}.verified_claims`);
      else checkClaimRequest(request, `${path}.${safeName(name)}`, 1);
    }
    claims[target] = requested;
  }
  return claims.userinfo === undefined && claims.id_token === undefined ? {} : { claims };
}

/** IDA: `verified_claims` is an object or a non-empty array of objects, each with `verification` and `claims`. */
function checkVerifiedClaims(value: unknown, path: string): void {
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0) throw invalidRequest(`${path} must not be an empty array`);
  entries.forEach((entry, i) => {
    const where = Array.isArray(value) ? `${path}[${i}]` : path;
    if (!isJsonObject(entry)) throw invalidRequest(`${where} must be a JSON object`);
    const { verification, claims } = entry;
    if (!isJsonObject(verification)) throw invalidRequest(`${where}.verification must be a JSON object`);
    if (!('trust_framework' in verification)) throw invalidRequest(`${where}.verification.trust_framework is required`);
    if (!isClaimRequest(verification.trust_framework)) throw invalidRequest(`${where}.verification.trust_framework must be null or an object with value or values`);
    for (const [element, request] of Object.entries(verification)) checkClaimRequest(request, `${where}.verification.${safeName(element)}`, 1);
    if (!isJsonObject(claims) || Object.keys(claims).length === 0) throw invalidRequest(`${where}.claims must be a non-empty JSON object`);
    for (const [name, request] of Object.entries(claims)) {
      if (name === '') throw invalidRequest(`${where}.claims must not request a claim with an empty name`);
      checkClaimRequest(request, `${where}.claims.${safeName(name)}`, 1);
    }
  });
}

/**
 * One requested member: `null`; a claim request whose defined members have their types (§5.5.1,
 * IDA `purpose` and `max_age`); a nested object of such members (IDA `verification` elements,
 * structured claims); or a non-empty array of nested objects (IDA `evidence` prototypes).
 */
function checkClaimRequest(request: unknown, path: string, depth: number): void {
  if (request === null) return;
  if (depth > MAX_DEPTH) throw invalidRequest(`${path} is nested too deeply`);
  if (Array.isArray(request)) {
    if (request.length === 0 || !request.every(isJsonObject)) throw invalidRequest(`${path} must be a non-empty array of JSON objects`);
    for (const element of request) checkClaimRequest(element, path, depth + 1);
    return;
  }
  if (!isJsonObject(request)) throw invalidRequest(`${path} must be null or a JSON object`);
  if (isClaimRequest(request)) {
    checkConstraints(request, path);
    return;
  }
  for (const [name, member] of Object.entries(request)) checkClaimRequest(member, `${path}.${safeName(name)}`, depth + 1);
}

function checkConstraints(request: Readonly<Record<string, unknown>>, path: string): void {
  for (const member of CLAIM_REQUEST_MEMBERS) {
    const value = request[member];
    if (value === undefined) continue;
    if (member === 'essential' && typeof value !== 'boolean') throw invalidRequest(`${path}.essential must be a boolean`);
    if (member === 'values' && !Array.isArray(value)) throw invalidRequest(`${path}.values must be an array`);
    // IDA 1.0: a purpose outside 3 to 300 characters MUST fail the request with invalid_request.
    if (member === 'purpose' && (typeof value !== 'string' || value.length < 3 || value.length > 300)) {
      throw invalidRequest(`${path}.purpose must be a string of 3 to 300 characters`);
    }
    if (member === 'max_age' && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
      throw invalidRequest(`${path}.max_age must be a non-negative integer`);
    }
  }
}

/** Keeps a client-chosen claim name short and in the characters error_description allows (RFC 6749 §5.2). */
function safeName(name: string): string {
  const printable = name.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}...` : printable;
}
