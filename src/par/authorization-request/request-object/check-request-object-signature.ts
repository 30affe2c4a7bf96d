// RFC 9101 §6.2 with RFC 8725 §3.1: a request object is signed with an allowed algorithm (ES256, PS256, EdDSA) by a key registered for the client, and the signature verifies.
import { compactVerify, type CompactVerifyResult, createLocalJWKSet, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { Client } from '../../clients/client.js';
import { invalidRequestObject } from '../../errors/oauth-error.js';

/**
 * JWS algorithms accepted for request objects (FAPI 2.0 §5.4; never `none`, RFC 8725 §3.2; not RS256,
 * which FAPI refuses; no MAC algorithms).
 */
export const REQUEST_OBJECT_SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;

const VERIFY_OPTIONS = { algorithms: [...REQUEST_OBJECT_SIGNING_ALGS] };

/** Key sets built from a client's `jwks`, once per client object. */
const keySets = new WeakMap<Client, ReturnType<typeof createLocalJWKSet>>();

/**
 * Verifies the signature of a request object with the client's registered `jwks` and returns the
 * verified header and payload. A `kid` in the header must identify one of those keys; without one,
 * each registered key that fits the algorithm is tried. A client without `jwks` cannot use request
 * objects. Every failure is `invalid_request_object`, described without the token's content.
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6.2
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 */
export async function checkRequestObjectSignature(requestObject: string, client: Client): Promise<CompactVerifyResult> {
  if (client.jwks === undefined || client.jwks.keys.length === 0) {
    throw invalidRequestObject('the client has no registered jwks, so it cannot sign request objects');
  }
  let kidPresent: boolean;
  try {
    kidPresent = decodeProtectedHeader(requestObject).kid !== undefined;
  } catch {
    throw invalidRequestObject('request has a malformed JWS header');
  }
  try {
    return await verifyWithAnyMatchingKey(requestObject, keySet(client));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw invalidRequestObject(signatureProblem(error, kidPresent));
    throw error;
  }
}

/** jose leaves it to the caller to try each key when several fit (no `kid`, several keys of one type). */
async function verifyWithAnyMatchingKey(jws: string, keys: ReturnType<typeof createLocalJWKSet>): Promise<CompactVerifyResult> {
  try {
    return await compactVerify(jws, keys, VERIFY_OPTIONS);
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return await compactVerify(jws, key, VERIFY_OPTIONS);
      } catch (attempt) {
        if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}

function keySet(client: Client): ReturnType<typeof createLocalJWKSet> {
  let set = keySets.get(client);
  if (set === undefined) {
    set = createLocalJWKSet(client.jwks ?? { keys: [] });
    keySets.set(client, set);
  }
  return set;
}

/** A short reason from a jose error: never the token, the header values or the keys. */
function signatureProblem(error: joseErrors.JOSEError, kidPresent: boolean): string {
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `request object alg must be one of ${REQUEST_OBJECT_SIGNING_ALGS.join(', ')}`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return kidPresent ? 'the kid of the request object does not identify a key registered for the client' : 'no key registered for the client fits the alg of the request object';
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'request object signature verification failed';
  return 'request is not a valid JWS';
}
