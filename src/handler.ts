/** createMailWebhookHandler: routes, body limit, provider dispatch, sink delivery, errors to responses. */
import { readBodyLimited } from './body.js';
import { type MailWebhookOptions, type ResolvedOptions, resolveProgramOptions } from './config.js';
import {
  badRequest,
  describeThrown,
  errorResponse,
  HttpError,
  isHttpError,
  type JsonAnswer,
  jsonAnswer,
  methodNotAllowed,
} from './errors.js';
import type { LogFields, Logger } from './log.js';
import type { Provider, ProviderInstance, ProviderResult } from './providers/types.js';
import { isSaneHost, normalizedPath, pathnameOf, segmentMatcher, shownPath } from './route.js';
import type { RuntimeHooks } from './runtime-hooks.js';
import { createStoreApi } from './store/api.js';
import { deliverThroughStore } from './store/pipeline.js';

interface _Mounted {
  readonly provider: Provider;
  readonly instance: ProviderInstance;
}

/** What one handler settled at start-up: its options and the runtime's ways to read and answer. */
interface _Setup {
  readonly options: ResolvedOptions;
  readonly answer: JsonAnswer;
  readonly runtime: RuntimeHooks;
}

/**
 * The `request refused` line of a refusal: warn, or error for 5xx; `fields` say which request,
 * their `path` cut as every line shows one (`shownPath`).
 */
export function logRefusal(logger: Logger, refusal: HttpError, fields: LogFields): void {
  const line: LogFields = {
    ...fields,
    status: refusal.status,
    reason: refusal.reason,
    detail: refusal.message,
    ...refusal.logged,
  };
  line.path &&= shownPath(line.path as string);
  if (refusal.status >= 500) logger.error('request refused', line);
  else logger.warn('request refused', line);
}

/** Logs a refusal and turns it into its response. */
function _refuse(setup: _Setup, refusal: HttpError, fields: LogFields): Response {
  logRefusal(setup.options.logger, refusal, fields);
  return errorResponse(refusal, setup.answer);
}

/** A provider's bug: 500, and its one log line says what went wrong. */
const _internal = (error: string): HttpError =>
  new HttpError(500, 'internal-error', 'internal error; see the logs', undefined, { error });

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

const _bug = (problem: string): HttpError => _internal(`provider ${problem}; this is a bug in it`);

/** Authenticate, read, verify and parse; a provider that throws is a bug, answered 500 and logged. */
async function _accept(
  mounted: _Mounted,
  request: Request,
  { options, runtime }: _Setup,
): Promise<ProviderResult | HttpError> {
  const { instance } = mounted;
  try {
    // Credentials are checked before a byte of the body is read.
    const refused: unknown = instance.authenticate
      ? await instance.authenticate(request)
      : undefined;
    if (refused !== undefined && refused !== null) {
      return _isValidResult(refused) && isHttpError(refused)
        ? refused
        : _bug('authenticate returned neither undefined nor a refusal');
    }
    const body = await readBodyLimited(
      request,
      options.maxBodyBytes,
      options.bodyTimeoutMs,
      runtime.readBody,
    );
    if (isHttpError(body)) return body;
    const result: unknown = await instance.handle(request, body);
    return _isValidResult(result)
      ? result
      : _bug('handle returned neither { events: [...] } nor a refusal (4xx/5xx)');
  } catch (error) {
    return _internal(describeThrown(error));
  }
}

/** Runs one request through a provider and the sinks; every failure is a response, never a throw. */
async function _receive(
  mounted: _Mounted,
  request: Request,
  path: string,
  setup: _Setup,
): Promise<Response> {
  const { options } = setup;
  const esp = mounted.provider.name;
  const shown = shownPath(path);
  const fields = { esp, path: shown };
  const result = await _accept(mounted, request, setup);
  if (isHttpError(result)) return _refuse(setup, result, fields);
  const { events } = result;
  // The lines are written before the sinks run: a sink that changes a context (its Date, say)
  // can neither change its line nor fail the request after delivery. The events of one message
  // share their Date: one ISO string for all of their lines.
  let time: Date | undefined;
  let iso = '';
  const lines = events.map((event) => {
    if (event.timestamp !== time) {
      time = event.timestamp;
      iso = time.toISOString();
    }
    // Written out, not spread from `fields`: with the spread, the whole request took 33 µs in
    // process on Node instead of 14 (`bench/core-path.ts`).
    return {
      esp,
      path: shown,
      eventType: event.eventType,
      recipient: event.recipient,
      messageId: event.messageId,
      eventId: event.eventId,
      timestamp: iso,
    };
  });
  const count = events.length;
  const failed = count ? await deliverThroughStore(events, options, fields) : undefined;
  if (failed) return _refuse(setup, failed, fields);
  for (const line of lines) options.logger.info('event', line);
  return setup.answer(200, `{"ok":true,"events":${count}}`);
}

/** A 404's message: `basePath` and the routes served, the store's with them when it serves any. */
function _notFoundText(options: ResolvedOptions, path: string, storeApi: unknown): string {
  const { basePath } = options;
  const routes = options.providers.map((p) => `${basePath}/${p.path}`).join(', ');
  const store = storeApi
    ? `; store routes: ${basePath}/suppressions/{email}, ${basePath}/events`
    : '';
  const known = `basePath is ${basePath || '/'}; provider routes: ${routes}${store}`;
  if (!options.enabled) return `mail webhooks are disabled (enabled: false); ${known}`;
  return `no route for ${shownPath(path)}; ${known}`;
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
  return createHandlerWithRuntime(resolveProgramOptions(options), {});
}

/**
 * The handler for resolved options (`resolveProgramOptions`, or the environment readers'
 * `resolveOptions`), with a runtime's hooks (`mailhooks/node` lends `node:crypto`).
 */
export function createHandlerWithRuntime(
  resolved: ResolvedOptions,
  runtime: RuntimeHooks,
): (request: Request) => Promise<Response> {
  const context = {
    fetch: resolved.fetch,
    now: resolved.now,
    logger: resolved.logger,
    fetchTimeoutMs: resolved.fetchTimeoutMs,
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
      ? createStoreApi({
          store,
          apiToken,
          basePath: resolved.basePath,
          logger: resolved.logger,
          timeoutMs: resolved.deliveryTimeoutMs,
        })
      : undefined;
  const setup: _Setup = { options: resolved, answer: runtime.jsonAnswer ?? jsonAnswer, runtime };
  const segmentOf = segmentMatcher(resolved.basePath);

  // The last path routed and its provider: an ESP posts to one path, so a run of its requests
  // skips the path's two patterns (0.6 µs a request on Deno, 1.5 on Bun, in process).
  let lastPath: string | undefined;
  let lastEntry: _Mounted | undefined;
  /** The provider route `path` names, or undefined (404). */
  const route = (request: Request, path: string): Promise<Response> | Response | undefined => {
    if (path !== lastPath) {
      lastEntry = mounted.get(segmentOf(normalizedPath(path)) ?? '');
      lastPath = path;
    }
    const entry = lastEntry;
    if (!entry) return undefined;
    if (!entry.provider.methods.includes(request.method)) {
      return _refuse(setup, methodNotAllowed(request.method, entry.provider.methods.join(', ')), {
        esp: entry.provider.name,
        path,
        method: request.method,
      });
    }
    return _receive(entry, request, path, setup);
  };

  return async (request) => {
    const path = pathnameOf(request.url);
    if (!isSaneHost(request.headers.get('host'))) {
      return _refuse(setup, badRequest('invalid-host', 'the Host header is not a host name'), {
        path,
      });
    }
    let response: Response | undefined;
    try {
      // Dot segments resolved as the provider routes resolve them (Node's raw path keeps them).
      const answer =
        resolved.enabled && storeApi ? await storeApi(request, normalizedPath(path)) : undefined;
      if (answer instanceof HttpError)
        return _refuse(setup, answer, { path, method: request.method });
      response = answer ?? (resolved.enabled ? await route(request, path) : undefined);
    } catch (error) {
      return _refuse(setup, _internal(describeThrown(error)), { path });
    }
    return (
      response ??
      _refuse(setup, new HttpError(404, 'not-found', _notFoundText(resolved, path, storeApi)), {
        path,
        method: request.method,
      })
    );
  };
}

type _Handler = (request: Request) => Promise<Response>;

/**
 * `handleMailWebhook` over a handler factory: one handler per options object (or none). Bad
 * options reject the returned promise (a `ConfigError`), as a promise-returning function should,
 * rather than throw before it returns.
 */
export function handlerPerOptions(
  create: (options?: MailWebhookOptions) => _Handler,
): (request: Request, options?: MailWebhookOptions) => Promise<Response> {
  const handlers = new WeakMap<object, _Handler>();
  const none = {};
  return (request, options) => {
    const key = options ?? none;
    let handler = handlers.get(key);
    if (!handler) {
      try {
        handler = create(options);
      } catch (error) {
        return Promise.reject(error);
      }
      handlers.set(key, handler);
    }
    return handler(request);
  };
}

/**
 * Handles one request. Handlers are kept per options object, so passing the same object (or
 * none) reuses one handler and its certificate cache.
 */
// Pure: a bundle that never calls it (a Worker) leaves it and createMailWebhookHandler out.
export const handleMailWebhook: (
  request: Request,
  options?: MailWebhookOptions,
) => Promise<Response> = /* @__PURE__ */ handlerPerOptions(createMailWebhookHandler);
