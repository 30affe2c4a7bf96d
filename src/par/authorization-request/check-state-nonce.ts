import { optional, type Params } from '../common/form.js';
import { invalidRequest } from '../errors/oauth-error.js';
import type { CheckContext } from './authorization-request.js';

/** Whether `state` (absent, or at most `maxStateLength` characters) may be stored and echoed. */
export function stateFits(state: string | undefined, options: CheckContext['options']): boolean {
  return state === undefined || state.length <= options.maxStateLength;
}

/**
 * RFC 6749 §4.1.1 `state` and OIDC Core §3.1.2.1 `nonce` are opaque, but bounded: at least 64
 * characters are always accepted (FAPI 2.0 §5.3.2.2-13), at most `maxStateLength` / `maxNonceLength`.
 */
export function checkStateAndNonce(params: Params, { options }: CheckContext): { state?: string; nonce?: string } {
  const state = optional(params, 'state');
  const nonce = optional(params, 'nonce');
  if (!stateFits(state, options)) {
    throw invalidRequest(`state must not be longer than ${options.maxStateLength} characters`);
  }
  if (nonce !== undefined && nonce.length > options.maxNonceLength) {
    throw invalidRequest(`nonce must not be longer than ${options.maxNonceLength} characters`);
  }
  // Built by assignment: a conditional spread goes through V8's generic (slow) object-clone path.
  const out: { state?: string; nonce?: string } = {};
  if (state !== undefined) out.state = state;
  if (nonce !== undefined) out.nonce = nonce;
  return out;
}
