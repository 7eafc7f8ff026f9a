/** Webhook fan-out sink: each event POSTed to each interested endpoint, signed as Standard Webhooks. */

import * as v from 'valibot';
import { type FetchFn, lateBoundFetch, systemClock } from '../errors.js';
import { type TrackingEventType, TrackingEventTypeSchema } from '../events.js';
import { type Logger, loggerOrConsole } from '../log.js';
import { parseUrl } from '../parse-url.js';
import { rejectUnknownKeys } from '../providers/options.js';
import {
  atMost,
  functionSchema,
  milliseconds,
  nonEmpty,
  parseOptions,
  string,
  wholeNumber,
} from '../schema.js';
import { createTrackingEventEncoder, type DecodedTrackingContext } from '../wire.js';
import {
  deliverWebhook,
  type FanoutDelivery,
  type FanoutSettings,
  type FanoutTarget,
} from './fanout-delivery.js';
import type { FanoutFailure } from './fanout-failure.js';
import type { Sink } from './types.js';
import {
  decodeWebhookSecret,
  importWebhookKey,
  WEBHOOK_SECRET_PREFIX,
  webhookMessageId,
} from './webhook-signing.js';

export const DEFAULT_FANOUT_TIMEOUT_MS = 10_000;
export const DEFAULT_FANOUT_RETRIES = 3;
// Workers allow six simultaneous open connections per invocation; more would wait in line
// while their timeouts run.
export const DEFAULT_FANOUT_CONCURRENCY = 6;
// Each send starts this many workers, whatever it has to deliver: a billion would never finish.
const _MAX_CONCURRENCY = 100;

// Credentials and query tokens in a URL end up in logs, proxies and error messages; a receiver's
// secret belongs in the signing key. Messages never repeat the URL.
const _HttpUrlSchema = v.pipe(
  string(),
  v.check((text) => /^https?:$/.test(parseUrl(text)?.protocol ?? ''), 'expected an http(s) URL'),
  v.check((text) => {
    const url = parseUrl(text);
    return !url?.username && !url?.password;
  }, 'must not carry credentials (user:password@); the whsec_ secret is what authenticates the events'),
  v.check(
    (text) => !(parseUrl(text)?.href.split('#')[0] ?? '').includes('?'),
    'must not carry a query string (tokens in URLs end up in logs); the whsec_ secret is what authenticates the events',
  ),
);

const FanoutEndpointSchema = v.object({
  url: _HttpUrlSchema,
  secret: v.pipe(
    string(),
    // check, not startsWith: one valibot action fewer in every Worker.
    v.check(
      (secret) => secret.startsWith(WEBHOOK_SECRET_PREFIX),
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
      nonEmpty('list at least one event type, or leave events out to receive all'),
    ),
  ),
});

// What the environment reader passes (endpoints, timeoutMs, retries, fetch, logger): every check
// a variable can fail. A program's options add the rest (`_programSchema`).
const FanoutOptionsSchema = v.object({
  endpoints: v.pipe(v.array(FanoutEndpointSchema), nonEmpty('expected at least one endpoint')),
  // Capped as the handler's timeouts are: past 2^31 - 1 ms a timer fires at once, failing every attempt.
  timeoutMs: v.optional(milliseconds('expected at least 1'), DEFAULT_FANOUT_TIMEOUT_MS),
  retries: v.optional(v.pipe(wholeNumber(0), atMost(10)), DEFAULT_FANOUT_RETRIES),
  fetch: v.optional(functionSchema<FetchFn>('a fetch function')),
  logger: v.optional(v.custom<Logger>((value) => typeof value === 'object' && value !== null)),
});

/**
 * A program's options (`createFanoutSink`): the reader's and the rest, in the order they have
 * always been checked (the first bad one is the one named). Built on a program's first call: a
 * Worker leaves it out.
 */
const _programSchema = () => {
  const { fetch, logger, ...first } = FanoutOptionsSchema.entries;
  return v.object({
    ...first,
    // `fanoutSink` fills in the default (DEFAULT_FANOUT_CONCURRENCY), which the reader leaves out.
    concurrency: v.optional(v.pipe(wholeNumber(1), atMost(_MAX_CONCURRENCY))),
    fetch,
    logger,
    sleep: v.optional(functionSchema<(ms: number) => Promise<void>>('a sleep(ms) function')),
    now: v.optional(functionSchema<() => Date>('a clock function')),
    name: v.optional(string()),
  });
};
let _program: ReturnType<typeof _programSchema> | undefined;

/** One receiver: its URL, its `whsec_` secret, and the event types it wants (all when absent). */
export type FanoutEndpoint = Omit<v.InferInput<typeof FanoutEndpointSchema>, 'events'> & {
  readonly events?: readonly TrackingEventType[] | undefined;
};

/**
 * Options of `createFanoutSink`. `retries` are extra attempts after the first (backoff 100 ms,
 * 200 ms, 400 ms…, or the answer's `Retry-After` when longer; one longer than `timeoutMs` is not
 * waited for) for network errors, timeouts, 408, 429 and 5xx; other answers are final.
 * `sleep` and `now` are for tests.
 */
export type FanoutOptions = Omit<v.InferInput<ReturnType<typeof _programSchema>>, 'endpoints'> & {
  readonly endpoints: readonly FanoutEndpoint[];
};

export type { FanoutFailure } from './fanout-failure.js';

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

// A wait the deadline cut short clears its timer: it would hold the delivery until it fired.
const _sleep = (ms: number, aborted?: Promise<void>) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    aborted?.then(() => clearTimeout(timer));
  });

function _endpoint(endpoint: v.InferOutput<typeof FanoutEndpointSchema>): FanoutTarget {
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

/** Runs `run` over what `items` yields, at most `limit` at a time, pulling the next only when one finishes. */
async function _pool<T>(
  items: Iterator<T>,
  limit: number,
  signal: AbortSignal | undefined,
  run: (item: T) => Promise<void>,
) {
  const worker = async () => {
    while (!signal?.aborted) {
      const next = items.next();
      if (next.done) return;
      await run(next.value);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/**
 * The deliveries of a send, made as they are pulled: one context encoded at a time (its body
 * shared by its endpoints, each rawEvent serialized once per send) and let go once sent.
 */
function* _deliveries(
  events: readonly DecodedTrackingContext[],
  endpoints: readonly FanoutTarget[],
): Generator<FanoutDelivery> {
  const encode = createTrackingEventEncoder();
  for (const context of events) {
    const targets = endpoints.filter((e) => !e.events || e.events.has(context.eventType));
    if (targets.length === 0) continue;
    const type = `email.${context.eventType}`;
    const id = webhookMessageId(context);
    const envelope = JSON.stringify({ type, timestamp: context.timestamp.toISOString() });
    const body = `${envelope.slice(0, -1)},"data":${encode(context).json}}`;
    for (const endpoint of targets) yield { endpoint, context, type, id, body };
  }
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
  // A misspelt key (`event` for `events`) must not silently widen what an endpoint receives.
  _program ??= _programSchema();
  rejectUnknownKeys(options, Object.keys(_program.entries), '');
  const endpointKeys = Object.keys(FanoutEndpointSchema.entries);
  if (Array.isArray(options?.endpoints)) {
    options.endpoints.forEach((e, i) => {
      rejectUnknownKeys(e, endpointKeys, `endpoints.${i}`);
    });
  }
  return fanoutSink(options, _program);
}

/**
 * `createFanoutSink` past its unknown-key checks, for options whose keys are known: the
 * environment reader's (which refuses an endpoint's unknown keys itself, naming the variable).
 */
export function fanoutSink(
  options: FanoutOptions,
  schema: typeof FanoutOptionsSchema | ReturnType<typeof _programSchema> = FanoutOptionsSchema,
): Sink {
  const o = parseOptions(schema, options) as v.InferOutput<ReturnType<typeof _programSchema>>;
  const endpoints = o.endpoints.map(_endpoint);
  // Delivery reads timeoutMs and retries from `o`, and the rest as filled in here.
  const settings: Omit<FanoutSettings, 'signal' | 'aborted'> = {
    ...o,
    fetch: o.fetch ?? lateBoundFetch,
    logger: loggerOrConsole(o.logger),
    sleep: o.sleep ?? _sleep,
    now: o.now ?? systemClock,
  };
  const concurrency = o.concurrency ?? DEFAULT_FANOUT_CONCURRENCY;
  return {
    name: o.name ?? 'fanout',
    async send(events, sendOptions) {
      const signal = sendOptions?.signal;
      let stop = () => {};
      const aborted =
        signal &&
        new Promise<void>((resolve) => {
          stop = resolve;
          signal.addEventListener('abort', stop, { once: true });
        });
      const run = { ...settings, signal, aborted };
      const failures: FanoutFailure[] = [];
      try {
        await _pool(_deliveries(events, endpoints), concurrency, signal, async (delivery) => {
          const failure = await deliverWebhook(delivery, run);
          if (failure) failures.push(failure);
        });
      } finally {
        signal?.removeEventListener('abort', stop);
      }
      if (failures.length > 0) throw new FanoutError(failures);
      if (signal?.aborted) throw signal.reason;
    },
  };
}
