import type { Server } from 'node:http';
import { type HttpServerLimits, resolveHttpServerLimits, type ResolvedHttpServerLimits } from './par.options.js';

/**
 * Sets Node's HTTP server bounds against slow clients (slowloris: headers sent byte by byte; bodies
 * trickled in) and oversized headers, on the host's server: a request must send its headers within
 * `headersTimeout` and all of itself within `requestTimeout` (else 408 and the socket is closed),
 * an idle keep-alive socket closes after `keepAliveTimeout`, and a header section larger than
 * `maxHeaderSize` is answered 431 by Node before the app sees it. Call it before `listen()` (for Nest:
 * `applyHttpServerLimits(app.getHttpServer())` before `app.listen()`): the timeouts are checked every
 * `connectionsCheckingInterval`, which Node reads when the server starts listening. Returns the values
 * set. Bad values throw a ParConfigurationError naming the option.
 * @see https://nodejs.org/api/http.html#serverheaderstimeout
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.9
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-5
 */
export function applyHttpServerLimits(server: Server, options?: HttpServerLimits): ResolvedHttpServerLimits {
  const limits = resolveHttpServerLimits(options);
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.maxHeadersCount = limits.maxHeadersCount;
  // Both are read by Node's server as public properties: per connection, and when it starts listening.
  Object.assign(server, { maxHeaderSize: limits.maxHeaderSize, connectionsCheckingInterval: limits.connectionsCheckingInterval });
  return limits;
}
