// RFC 9126 §3 with RFC 9101 §5, §6: a push may carry a signed request object (`request`); it is verified, and then only its claims are the request's parameters.
import type { Client } from '../clients/client.js';
import { optional, type Params } from '../common/form.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { ReplayStore } from '../persistence/stores.js';
import { checkRequestObjectAudience } from './request-object/check-request-object-audience.js';
import { checkRequestObjectClientId } from './request-object/check-request-object-client-id.js';
import { checkRequestObjectIssuer } from './request-object/check-request-object-issuer.js';
import { checkRequestObjectLifetime } from './request-object/check-request-object-lifetime.js';
import { checkRequestObjectNesting } from './request-object/check-request-object-nesting.js';
import { checkRequestObjectReplay } from './request-object/check-request-object-replay.js';
import { checkRequestObjectSerialization } from './request-object/check-request-object-serialization.js';
import { checkRequestObjectSignature } from './request-object/check-request-object-signature.js';
import { checkRequestObjectType } from './request-object/check-request-object-type.js';
import { checkSignedRequestObjectRequired } from './request-object/check-signed-request-object-required.js';
import { parseRequestObjectPayload } from './request-object/request-object-payload.js';
import { requestObjectParameters } from './request-object/request-object-parameters.js';

/** What the request object checks need besides the parameters. */
export interface RequestObjectContext {
  /** The client that authenticated the push. */
  readonly client: Client;
  readonly options: ResolvedParOptions;
  /** Where used `jti` values are remembered. */
  readonly replay: ReplayStore;
}

/**
 * The parameters of a pushed authorization request (RFC 9126 §3). Without `request`: the form
 * parameters, unless signed request objects are required of the client (then 400 `invalid_request`,
 * RFC 9126 §2.3). With `request`: the request object is verified, in the order of RFC 9101 §6 (form,
 * signature, then claims), and its claims are returned as the parameters; every other form parameter is
 * ignored (JAR §5). Every failure of the object is 400 `invalid_request_object` (RFC 9101 §6.2, §7).
 * The result then goes through the same checks as any authorization request (RFC 9126 §2.1 step 3).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6
 */
export async function checkRequestObject(params: Params, { client, options, replay }: RequestObjectContext): Promise<Params> {
  const requestObject = optional(params, 'request');
  if (requestObject === undefined) {
    checkSignedRequestObjectRequired(client, options);
    return params;
  }
  checkRequestObjectSerialization(requestObject);
  const { protectedHeader, payload } = await checkRequestObjectSignature(requestObject, client);
  checkRequestObjectType(protectedHeader);
  const claims = parseRequestObjectPayload(payload);
  const now = options.clock.now();
  checkRequestObjectIssuer(claims, client);
  checkRequestObjectAudience(claims, options.issuer);
  const { exp } = checkRequestObjectLifetime(claims, now, options.clockSkew);
  checkRequestObjectClientId(claims, client);
  checkRequestObjectNesting(claims);
  // Last: an object refused for another reason does not use up its jti.
  await checkRequestObjectReplay(claims, client, exp, replay, now, options.clockSkew);
  return requestObjectParameters(claims);
}
