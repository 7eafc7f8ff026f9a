/** `GET /healthz`, answered before the webhook handler: the same probe on every runtime. */
import { JSON_HEADERS } from './errors.js';
import { isSaneHost, pathnameOf } from './route.js';

/** A fetch-style handler, as `createMailWebhookHandler` returns. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Answers `GET /healthz` with 200 `{"ok":true}` before the handler sees the request, so a probe
 * passes even while the webhooks are disabled.
 */
export function withHealthCheck<A extends unknown[]>(
  handler: (request: Request, ...rest: A) => Response | Promise<Response>,
): (request: Request, ...rest: A) => Response | Promise<Response> {
  return (request, ...rest) => {
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      pathnameOf(request.url) === '/healthz' &&
      // Deno builds the URL from the Host header: `x/healthz?` must not make any path a probe.
      isSaneHost(request.headers.get('host'))
    ) {
      // A HEAD answer as the GET's, body included: the runtime sends its length, not the body.
      return new Response('{"ok":true}', { headers: JSON_HEADERS });
    }
    return handler(request, ...rest);
  };
}
