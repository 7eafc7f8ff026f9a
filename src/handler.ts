/** createMailWebhookHandler: routes, body limit, ESP dispatch, sink delivery, errors to responses. */
import { type IRequest, Router } from 'itty-router';
import { readBodyLimited } from './body.js';
import { type MailWebhookOptions, type ResolvedOptions, resolveOptions } from './config.js';
import {
  describeThrown,
  errorResponse,
  HttpError,
  isHttpError,
  jsonResponse,
  unavailable,
} from './errors.js';
import { createSesHandler } from './esp/ses/index.js';
import type { EspHandler } from './esp/types.js';
import type { EmailTrackingContext } from './events.js';

const _notFound = (what: string) => errorResponse(new HttpError(404, 'not-found', what));

/** Hands the events to every sink in order; the first failure is a 503 so SNS retries. */
async function _deliver(
  events: EmailTrackingContext[],
  options: ResolvedOptions,
  fields: Record<string, unknown>,
): Promise<HttpError | undefined> {
  for (const sink of options.sinks) {
    try {
      await sink.send(events);
    } catch (error) {
      options.logger.error('sink failed; answering 503 so SNS retries', {
        ...fields,
        sink: sink.name,
        error: describeThrown(error),
        events: events.length,
      });
      return unavailable('sink-failed', `sink ${sink.name} did not take the events; retry later`);
    }
  }
  for (const event of events) {
    options.logger.info('event', {
      ...fields,
      eventType: event.eventType,
      recipient: event.recipient,
      messageId: event.messageId,
      eventId: event.eventId,
      timestamp: event.timestamp.toISOString(),
    });
  }
  return undefined;
}

/** Runs one request through an ESP and the sinks; every failure is a response, never a throw. */
async function _receive(
  esp: EspHandler,
  request: Request,
  options: ResolvedOptions,
): Promise<Response> {
  const fields = { esp: esp.name, path: new URL(request.url).pathname };
  const body = await readBodyLimited(request, options.maxBodyBytes);
  let result = isHttpError(body) ? body : await esp.handle(request, body);
  if (!isHttpError(result) && result.events.length > 0) {
    result = (await _deliver(result.events, options, fields)) ?? result;
  }
  if (isHttpError(result)) {
    const log = result.status >= 500 ? options.logger.error : options.logger.warn;
    log('request refused', {
      ...fields,
      status: result.status,
      reason: result.reason,
      detail: result.message,
    });
    return errorResponse(result);
  }
  return jsonResponse(200, { ok: true, events: result.events.length });
}

/**
 * Creates the webhook handler. Create it once and reuse it: it holds the certificate cache.
 * @param options see `MailWebhookOptions`; invalid options throw a `ConfigError` naming the option
 * @example
 * const handle = createMailWebhookHandler({ ses: { topicArns: ['arn:aws:sns:us-east-1:123456789012:ses'] } });
 * export default { fetch: (request: Request) => handle(request) };
 */
export function createMailWebhookHandler(
  options?: MailWebhookOptions,
): (request: Request) => Promise<Response> {
  const resolved = resolveOptions(options);
  const esps = new Map<string, EspHandler>([['ses', createSesHandler(resolved)]]);
  const router = Router({
    base: resolved.basePath,
    catch: (error: unknown) => {
      resolved.logger.error('unexpected error in the webhook handler', {
        error: describeThrown(error),
      });
      return errorResponse(new HttpError(500, 'internal-error', 'internal error; see the logs'));
    },
  });
  router
    .post('/:esp', (request: IRequest) => {
      const esp = esps.get(request.params.esp ?? '');
      return esp
        ? _receive(esp, request as unknown as Request, resolved)
        : _notFound(`no ESP named ${request.params.esp}`);
    })
    .all('/:esp', (request: IRequest) =>
      esps.has(request.params.esp ?? '')
        ? errorResponse(
            new HttpError(405, 'method-not-allowed', `${request.method} is not allowed; use POST`, {
              allow: 'POST',
            }),
          )
        : _notFound(`no ESP named ${request.params.esp}`),
    );

  return async (request) => {
    if (!resolved.enabled) return _notFound('mail webhooks are disabled');
    // Paths outside basePath match no route at all.
    const response: Response | undefined = await router.fetch(request);
    return response ?? _notFound(`no route for ${new URL(request.url).pathname}`);
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
