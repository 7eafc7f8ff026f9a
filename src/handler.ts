/** createMailWebhookHandler: routes, body limit, provider dispatch, sink delivery, errors to responses. */
import { type IRequest, Router } from 'itty-router';
import { readBodyLimited } from './body.js';
import { type MailWebhookOptions, type ResolvedOptions, resolveOptions } from './config.js';
import {
  badRequest,
  describeThrown,
  errorResponse,
  HttpError,
  isHttpError,
  jsonResponse,
} from './errors.js';
import type { LogFields } from './log.js';
import type { Provider, ProviderInstance, ProviderResult } from './providers/types.js';
import { isSaneHost, pathnameOf } from './route.js';
import type { RuntimeHooks } from './runtime-hooks.js';
import { createStoreApi } from './store/api.js';
import { deliverThroughStore } from './store/pipeline.js';

interface _Mounted {
  readonly provider: Provider;
  readonly instance: ProviderInstance;
}

// itty-router sees only this: the pathname on a fixed origin, so it never parses a query string.
const _ROUTING_ORIGIN = 'http://mailhooks.invalid';

/** Logs a refusal (warn, or error for 5xx) and turns it into its response. */
function _refuse(options: ResolvedOptions, refusal: HttpError, fields: LogFields): Response {
  const line = {
    ...fields,
    status: refusal.status,
    reason: refusal.reason,
    detail: refusal.message,
  };
  if (refusal.status >= 500) options.logger.error('request refused', line);
  else options.logger.warn('request refused', line);
  return errorResponse(refusal);
}

const _INTERNAL = new HttpError(500, 'internal-error', 'internal error; see the logs');

/** A provider's answer is a refusal (4xx/5xx) or `{ events: [...] }`; anything else is a bug in it. */
function _isValidResult(result: unknown): result is ProviderResult | HttpError {
  if (isHttpError(result)) {
    return Number.isInteger(result.status) && result.status >= 400 && result.status <= 599;
  }
  return (
    typeof result === 'object' &&
    result !== null &&
    Array.isArray((result as { events?: unknown }).events)
  );
}

/** Authenticate, read, verify and parse; a provider that throws is a bug, answered 500 and logged. */
async function _accept(
  mounted: _Mounted,
  request: Request,
  options: ResolvedOptions,
): Promise<ProviderResult | HttpError> {
  const { instance } = mounted;
  const bug = (problem: string): HttpError => {
    options.logger.error(`provider ${problem}; this is a bug in it`, {
      esp: mounted.provider.name,
    });
    return _INTERNAL;
  };
  try {
    // Credentials are checked before a byte of the body is read.
    const refused: unknown = await instance.authenticate?.(request);
    if (refused !== undefined && refused !== null) {
      return _isValidResult(refused) && isHttpError(refused)
        ? refused
        : bug('authenticate returned neither undefined nor a refusal');
    }
    const body = await readBodyLimited(request, options.maxBodyBytes, options.bodyTimeoutMs);
    if (isHttpError(body)) return body;
    const result: unknown = await instance.handle(request, body);
    return _isValidResult(result)
      ? result
      : bug('handle returned neither { events: [...] } nor a refusal (4xx/5xx)');
  } catch (error) {
    options.logger.error('provider threw; this is a bug', {
      esp: mounted.provider.name,
      error: describeThrown(error),
    });
    return _INTERNAL;
  }
}

/** Runs one request through a provider and the sinks; every failure is a response, never a throw. */
async function _receive(
  mounted: _Mounted,
  request: Request,
  path: string,
  options: ResolvedOptions,
): Promise<Response> {
  const fields = { esp: mounted.provider.name, path };
  let result = await _accept(mounted, request, options);
  if (!isHttpError(result) && result.events.length > 0) {
    result = (await deliverThroughStore(result.events, options, fields)) ?? result;
  }
  if (isHttpError(result)) return _refuse(options, result, fields);
  for (const event of result.events) {
    options.logger.info('event', {
      ...fields,
      eventType: event.eventType,
      recipient: event.recipient,
      messageId: event.messageId,
      eventId: event.eventId,
      timestamp: event.timestamp.toISOString(),
    });
  }
  return jsonResponse(200, { ok: true, events: result.events.length });
}

function _notFoundText(options: ResolvedOptions, path: string): string {
  const routes = options.providers.map((p) => `${options.basePath}/${p.path}`).join(', ');
  const known = `basePath is ${options.basePath || '/'}; provider routes: ${routes}`;
  if (!options.enabled) return `mail webhooks are disabled (enabled: false); ${known}`;
  return `no route for ${path.slice(0, 200)}; ${known}`;
}

/**
 * Creates the webhook handler. Create it once and reuse it: it holds the certificate cache.
 * @param options see `MailWebhookOptions`; invalid options throw a `ConfigError` naming the option
 * @example
 * const handle = createMailWebhookHandler({
 *   providers: [ses({ topicArns: ['arn:aws:sns:us-east-1:123456789012:ses-events'] })],
 * });
 * export default { fetch: (request: Request) => handle(request) };
 */
export function createMailWebhookHandler(
  options?: MailWebhookOptions,
): (request: Request) => Promise<Response> {
  return createHandlerWithRuntime(options, {});
}

/** `createMailWebhookHandler` with a runtime's hooks (`mailhooks/node` lends `node:crypto`). */
export function createHandlerWithRuntime(
  options: MailWebhookOptions | undefined,
  runtime: RuntimeHooks,
): (request: Request) => Promise<Response> {
  const resolved = resolveOptions(options);
  const context = {
    fetch: resolved.fetch,
    now: resolved.now,
    logger: resolved.logger,
    verifyRsa: runtime.verifyRsa,
  };
  const mounted = new Map<string, _Mounted>(
    resolved.providers.map((provider) => [
      provider.path,
      { provider, instance: provider.start(context) },
    ]),
  );
  const { store, apiToken } = resolved;
  const storeApi =
    store && apiToken
      ? createStoreApi({ store, apiToken, basePath: resolved.basePath, logger: resolved.logger })
      : undefined;
  const router = Router({ base: resolved.basePath });
  router.all('/:path', (route: IRequest) => {
    const entry = mounted.get(route.params.path ?? '');
    if (!entry) return undefined;
    const { request, path } = route as unknown as { request: Request; path: string };
    if (!entry.provider.methods.includes(request.method)) {
      const allow = entry.provider.methods.join(', ');
      return _refuse(
        resolved,
        new HttpError(405, 'method-not-allowed', `${request.method} is not allowed; use ${allow}`, {
          allow,
        }),
        { esp: entry.provider.name, path, method: request.method },
      );
    }
    return _receive(entry, request, path, resolved);
  });

  return async (request) => {
    const path = pathnameOf(request.url);
    if (!isSaneHost(request.headers.get('host'))) {
      return _refuse(resolved, badRequest('invalid-host', 'the Host header is not a host name'), {
        path,
      });
    }
    const route = { method: request.method, url: _ROUTING_ORIGIN + path, request, path };
    let response: Response | undefined;
    try {
      const answer = resolved.enabled ? await storeApi?.(request, path) : undefined;
      if (answer instanceof HttpError)
        return _refuse(resolved, answer, { path, method: request.method });
      response = answer ?? (resolved.enabled ? await router.fetch(route) : undefined);
    } catch (error) {
      resolved.logger.error('unexpected error in the webhook handler', {
        path,
        error: describeThrown(error),
      });
      return errorResponse(_INTERNAL);
    }
    return (
      response ??
      _refuse(resolved, new HttpError(404, 'not-found', _notFoundText(resolved, path)), {
        path: path.slice(0, 200),
        method: request.method,
      })
    );
  };
}

const _handlers = new WeakMap<object, (request: Request) => Promise<Response>>();
const _NO_OPTIONS = {};

/**
 * Handles one request. Handlers are kept per options object, so passing the same object (or
 * none) reuses one handler and its certificate cache.
 */
export function handleMailWebhook(
  request: Request,
  options?: MailWebhookOptions,
): Promise<Response> {
  const key = options ?? _NO_OPTIONS;
  let handler = _handlers.get(key);
  if (!handler) {
    handler = createMailWebhookHandler(options);
    _handlers.set(key, handler);
  }
  return handler(request);
}
