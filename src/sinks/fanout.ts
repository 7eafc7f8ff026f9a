/** Webhook fan-out sink: each event POSTed to each interested endpoint, signed as Standard Webhooks. */
import * as v from 'valibot';
import { describeThrown, lateBoundFetch } from '../errors.js';
import { type EmailTrackingContext, TrackingEventTypeSchema } from '../events.js';
import { consoleLogger, type Logger } from '../log.js';
import { functionSchema, parseOptions } from '../schema.js';
import { type DecodedTrackingContext, toWireObject } from '../wire.js';
import type { Sink } from './types.js';
import {
  decodeWebhookSecret,
  importWebhookKey,
  signWebhook,
  WEBHOOK_SECRET_PREFIX,
  webhookMessageId,
} from './webhook-signing.js';

export const DEFAULT_FANOUT_TIMEOUT_MS = 10_000;
export const DEFAULT_FANOUT_RETRIES = 3;
// Workers allow six simultaneous open connections per invocation; more would wait in line
// while their timeouts run.
export const DEFAULT_FANOUT_CONCURRENCY = 6;
const _BACKOFF_BASE_MS = 100;

const _isHttpUrl = (text: string): boolean => {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
};

const _HttpUrlSchema = v.pipe(v.string(), v.check(_isHttpUrl, 'expected an http(s) URL'));

const FanoutEndpointSchema = v.object({
  url: _HttpUrlSchema,
  secret: v.pipe(
    v.string(),
    v.startsWith(
      WEBHOOK_SECRET_PREFIX,
      `expected a Standard Webhooks secret (${WEBHOOK_SECRET_PREFIX}…)`,
    ),
    v.check(
      (secret) => (decodeWebhookSecret(secret)?.byteLength ?? 0) > 0,
      `the part after ${WEBHOOK_SECRET_PREFIX} must be a base64 key`,
    ),
  ),
  events: v.optional(
    v.pipe(
      v.array(TrackingEventTypeSchema),
      v.minLength(1, 'list at least one event type, or leave events out to receive all'),
    ),
  ),
});

const FanoutOptionsSchema = v.object({
  endpoints: v.pipe(
    v.array(FanoutEndpointSchema),
    v.minLength(1, 'expected at least one endpoint'),
  ),
  timeoutMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1, 'expected at least 1')),
    DEFAULT_FANOUT_TIMEOUT_MS,
  ),
  retries: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10, 'expected at most 10')),
    DEFAULT_FANOUT_RETRIES,
  ),
  concurrency: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1)),
    DEFAULT_FANOUT_CONCURRENCY,
  ),
  fetch: v.optional(functionSchema<typeof fetch>('a fetch function')),
  logger: v.optional(v.custom<Logger>((value) => typeof value === 'object' && value !== null)),
  sleep: v.optional(functionSchema<(ms: number) => Promise<void>>('a sleep(ms) function')),
  now: v.optional(functionSchema<() => Date>('a clock function')),
  name: v.optional(v.string()),
});

/** One receiver: its URL, its `whsec_` secret, and the event types it wants (all when absent). */
export type FanoutEndpoint = v.InferInput<typeof FanoutEndpointSchema>;

/**
 * Options of `createFanoutSink`. `retries` are extra attempts after the first (backoff 100 ms,
 * 200 ms, 400 ms…) for network errors, timeouts, 408, 429 and 5xx; other answers are final.
 * `sleep` and `now` are for tests.
 */
export type FanoutOptions = v.InferInput<typeof FanoutOptionsSchema>;

/** One delivery that failed after its retries. */
export interface FanoutFailure {
  readonly endpoint: string;
  readonly type: string;
  readonly eventId: string;
  readonly recipient: string;
  readonly reason: string;
}

/** Rejected by the fan-out's `send()`; names every endpoint and event that did not get through. */
export class FanoutError extends Error {
  override readonly name = 'FanoutError';
  constructor(readonly failures: readonly FanoutFailure[]) {
    const shown = failures
      .slice(0, 5)
      .map((f) => `${f.type} (event ${f.eventId}, ${f.recipient}) to ${f.endpoint}: ${f.reason}`);
    const more = failures.length > 5 ? `; and ${failures.length - 5} more` : '';
    super(`${failures.length} webhook deliveries failed: ${shown.join('; ')}${more}`);
  }
}

interface _Endpoint {
  readonly url: string;
  /** The URL without credentials or query, for logs and errors. */
  readonly label: string;
  readonly events: ReadonlySet<string> | undefined;
  readonly key: Promise<CryptoKey>;
}

interface _Delivery {
  readonly endpoint: _Endpoint;
  readonly context: EmailTrackingContext;
  readonly type: string;
  readonly id: string;
  readonly body: string;
}

type _Attempt =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly reason: string };

interface _Settings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

const _sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function _endpoint(endpoint: v.InferOutput<typeof FanoutEndpointSchema>): _Endpoint {
  const url = new URL(endpoint.url);
  const key = importWebhookKey(endpoint.secret);
  // Keys are imported at creation; a rejection surfaces on first use, not as an unhandled one.
  key.catch(() => {});
  return {
    url: endpoint.url,
    label: `${url.origin}${url.pathname}`,
    events: endpoint.events && new Set(endpoint.events),
    key,
  };
}

/** One POST with its own timeout. Answers are drained so the connection is freed at once. */
async function _attempt(delivery: _Delivery, settings: _Settings): Promise<_Attempt> {
  const timestamp = Math.floor(settings.now().getTime() / 1000);
  const signature = await signWebhook(
    await delivery.endpoint.key,
    delivery.id,
    timestamp,
    delivery.body,
  );
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  try {
    const response = await settings.fetch(delivery.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'mailhooks',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body: delivery.body,
      signal: controller.signal,
      // A signed event is for this URL only; a redirect is a misconfiguration to surface.
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const retry = response.status >= 500 || response.status === 429 || response.status === 408;
    return { ok: false, retry, reason: `HTTP ${response.status}` };
  } catch (error) {
    const reason = controller.signal.aborted
      ? `timed out after ${settings.timeoutMs} ms`
      : describeThrown(error);
    return { ok: false, retry: true, reason };
  } finally {
    clearTimeout(timer);
  }
}

/** Attempts a delivery up to `1 + retries` times; returns the failure, or undefined once delivered. */
async function _deliver(
  delivery: _Delivery,
  settings: _Settings,
): Promise<FanoutFailure | undefined> {
  const fields = {
    endpoint: delivery.endpoint.label,
    type: delivery.type,
    eventId: delivery.context.eventId,
    webhookId: delivery.id,
  };
  for (let attempt = 1; ; attempt++) {
    const outcome = await _attempt(delivery, settings);
    if (outcome.ok) return undefined;
    if (!outcome.retry || attempt > settings.retries) {
      const reason = `${outcome.reason} after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
      settings.logger.warn('webhook delivery failed', { ...fields, reason });
      return { ...fields, recipient: delivery.context.recipient, reason };
    }
    settings.logger.debug('webhook attempt failed; retrying', {
      ...fields,
      attempt,
      reason: outcome.reason,
    });
    await settings.sleep(_BACKOFF_BASE_MS * 2 ** (attempt - 1));
  }
}

/** Runs `run` over `items` with at most `limit` at a time. */
async function _pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function _deliveries(
  events: readonly DecodedTrackingContext[],
  endpoints: readonly _Endpoint[],
): Promise<_Delivery[]> {
  const deliveries: _Delivery[] = [];
  for (const context of events) {
    const targets = endpoints.filter((e) => !e.events || e.events.has(context.eventType));
    if (targets.length === 0) continue;
    const type = `email.${context.eventType}`;
    const id = await webhookMessageId(context);
    const body = JSON.stringify({
      type,
      timestamp: context.timestamp.toISOString(),
      data: toWireObject(context),
    });
    for (const endpoint of targets) deliveries.push({ endpoint, context, type, id, body });
  }
  return deliveries;
}

/**
 * A sink that POSTs every event to every endpoint that wants its type, signed as Standard
 * Webhooks. `send()` tries every delivery, then rejects with a `FanoutError` naming each one
 * that failed after its retries. Throws a `ConfigError` naming the option when options are wrong.
 * @example
 * const fanout = createFanoutSink({
 *   endpoints: [{ url: 'https://crm.example.com/hooks/mail', secret: 'whsec_…', events: ['bounced', 'complained'] }],
 * });
 * const handle = createMailWebhookHandler({ sinks: [fanout] });
 */
export function createFanoutSink(options: FanoutOptions): Sink {
  const o = parseOptions(FanoutOptionsSchema, options);
  const endpoints = o.endpoints.map(_endpoint);
  const settings: _Settings = {
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    fetch: o.fetch ?? lateBoundFetch,
    logger: o.logger ?? consoleLogger,
    sleep: o.sleep ?? _sleep,
    now: o.now ?? (() => new Date()),
  };
  return {
    name: o.name ?? 'fanout',
    async send(events) {
      const failures: FanoutFailure[] = [];
      await _pool(await _deliveries(events, endpoints), o.concurrency, async (delivery) => {
        const failure = await _deliver(delivery, settings);
        if (failure) failures.push(failure);
      });
      if (failures.length > 0) throw new FanoutError(failures);
    },
  };
}
