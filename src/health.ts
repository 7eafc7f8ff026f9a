/** `GET /healthz`, answered before the webhook handler: the same probe on every runtime. */

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
    if ((request.method === 'GET' || request.method === 'HEAD') && _isHealthz(request.url)) {
      return new Response(request.method === 'HEAD' ? null : '{"ok":true}', {
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
    }
    return handler(request, ...rest);
  };
}

const _isHealthz = (url: string): boolean => {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start >= 0 && url.slice(start).replace(/\?.*$/, '') === '/healthz';
};
