/** Queue sink: a request's contexts as wire JSON messages, sent with `sendBatch` within the queue's limits. */

import * as v from 'valibot';
import { ConfigError } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';
import { rejectUnknownKeys } from '../providers/options.js';
import { parseOptions, string, wholeNumber } from '../schema.js';
import { createTrackingEventEncoder, type EncodedTrackingEvent } from '../wire.js';
import { type Sink, sendAborted } from './types.js';

/** Cloudflare Queues limits (decimal KB, as the platform counts them). */
export const QUEUE_MAX_MESSAGE_BYTES = 128_000;
export const QUEUE_MAX_BATCH_BYTES = 256_000;
export const QUEUE_MAX_BATCH_MESSAGES = 100;
// The platform counts about 100 bytes of its own metadata per message against both limits.
const _MESSAGE_OVERHEAD_BYTES = 128;

export type QueueContentType = 'text' | 'bytes' | 'json' | 'v8';

/** One message of a `sendBatch` call. */
export interface QueueMessageRequest {
  readonly body: unknown;
  readonly contentType?: QueueContentType;
}

/** What the sink needs of a queue: a Cloudflare Queue producer binding fits, as does a test double. */
export interface QueueLike {
  sendBatch(messages: Iterable<QueueMessageRequest>): Promise<unknown>;
}

export interface QueueSinkOptions {
  /** Shown in logs; default `queue`. */
  readonly name?: string | undefined;
  /** Largest message in UTF-8 bytes; larger ones are sent with `rawEvent` trimmed. */
  readonly maxMessageBytes?: number | undefined;
  /** Largest `sendBatch` call in UTF-8 bytes (message bodies plus 128 bytes of metadata each). */
  readonly maxBatchBytes?: number | undefined;
  /** Most messages per `sendBatch` call. */
  readonly maxBatchMessages?: number | undefined;
}

/**
 * The options' schema, built on a program's first call (the environment reader passes none, so a
 * Worker leaves it out). A limit that is no count (`'128000'`) would compare false with every
 * size: each message would lose its rawEvent, or each batch hold one message.
 */
const _optionsSchema = () =>
  v.object({
    name: v.optional(string()),
    maxMessageBytes: v.optional(wholeNumber(1)),
    maxBatchBytes: v.optional(wholeNumber(1)),
    maxBatchMessages: v.optional(wholeNumber(1)),
  });
let _schema: ReturnType<typeof _optionsSchema> | undefined;

type _Encode = ReturnType<typeof createTrackingEventEncoder>;

// One shared empty object, so the encoder serializes the trimmed rawEvent once as well.
const _TRIMMED_RAW_EVENT: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

// The free-text fields, cut to this many characters when nothing else makes a message fit; a
// character of two UTF-16 units is not split (a lone surrogate is no text a receiver can read).
const _CUT_TEXT = 1_000;
const _cut = (text: string | null) =>
  text && text.length > _CUT_TEXT
    ? `${text.slice(0, _CUT_TEXT - 1).replace(/[\ud800-\udbff]$/, '')}…`
    : text;

// What goes, in order, while a message is too large.
const _TRIMS = [
  (c: EmailTrackingContext) => ({
    ...c,
    rawEvent: _TRIMMED_RAW_EVENT,
    rawEventTrimmed: true as const,
  }),
  (c: EmailTrackingContext) => ({ ...c, tags: [], metadata: {} }),
  (c: EmailTrackingContext) => ({
    ...c,
    description: _cut(c.description),
    mtaResponse: _cut(c.mtaResponse),
    rejectReason: _cut(c.rejectReason),
    clickUrl: _cut(c.clickUrl),
    userAgent: _cut(c.userAgent),
  }),
];

/**
 * Wire JSON of one context; `rawEvent` is dropped (and flagged) when the message would be too
 * large, its tags and metadata too when it still would be (an ESP passes custom headers of any
 * size), and then its free-text fields (a bounce's diagnostic, a URL) are cut to 1,000
 * characters: a message that can never be sent would fail its whole request on every retry.
 */
function _encode(
  encode: _Encode,
  context: EmailTrackingContext,
  maxBytes: number,
): EncodedTrackingEvent {
  let encoded = encode(context);
  let trimmed: EmailTrackingContext & { rawEventTrimmed?: true } = context;
  for (const trim of _TRIMS) {
    if (encoded.bytes <= maxBytes) return encoded;
    trimmed = trim(trimmed);
    encoded = encode(trimmed);
  }
  if (encoded.bytes > maxBytes) {
    throw new Error(
      `event ${context.eventId} for ${context.recipient} is ${encoded.bytes} bytes with only its ids, recipient and cut text, over the ${maxBytes}-byte message limit`,
    );
  }
  return encoded;
}

/** Collects messages into `sendBatch` calls of at most `maxMessages` and `maxBytes`. */
function _batcher(queue: QueueLike, maxMessages: number, maxBytes: number) {
  let messages: string[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (messages.length === 0) return;
    const bodies = messages;
    messages = [];
    bytes = 0;
    await queue.sendBatch(bodies.map((body) => ({ body, contentType: 'text' as const })));
  };
  return {
    async add(message: EncodedTrackingEvent): Promise<void> {
      const cost = message.bytes + _MESSAGE_OVERHEAD_BYTES;
      const full = messages.length >= maxMessages || bytes + cost > maxBytes;
      if (messages.length > 0 && full) await flush();
      messages.push(message.json);
      bytes += cost;
    },
    flush,
  };
}

/**
 * A sink that enqueues each context as one message: `contentType: 'text'`, the body the wire JSON
 * string (so the size measured is the size sent), read back with `decodeTrackingEvent`.
 * @param queue a Cloudflare Queue producer binding, or anything with `sendBatch` (else a `ConfigError`)
 * @param options limits of a queue of your own; a bad value is a `ConfigError` naming it
 * @example
 * // Create it with the handler once per env (the shipped Worker does so), not per request.
 * const handle = createMailWebhookHandler({ sinks: [createQueueSink(env.EVENTS)] });
 */
export function createQueueSink(queue: QueueLike, options: QueueSinkOptions = {}): Sink {
  if (typeof queue?.sendBatch !== 'function') {
    throw new ConfigError('queue', 'createQueueSink needs a queue binding with sendBatch()');
  }
  _schema ??= _optionsSchema();
  rejectUnknownKeys(options, Object.keys(_schema.entries), '');
  return queueSink(queue, parseOptions(_schema, options));
}

/**
 * `createQueueSink` past its checks, for a queue already checked and options without unknown keys:
 * the environment reader's (which checks the binding itself), so a Worker carries neither check.
 */
export function queueSink(queue: QueueLike, options: QueueSinkOptions = {}): Sink {
  const maxMessageBytes =
    options.maxMessageBytes ?? QUEUE_MAX_MESSAGE_BYTES - _MESSAGE_OVERHEAD_BYTES;
  const maxBatchBytes = options.maxBatchBytes ?? QUEUE_MAX_BATCH_BYTES;
  const maxBatchMessages = options.maxBatchMessages ?? QUEUE_MAX_BATCH_MESSAGES;
  return {
    name: options.name ?? 'queue',
    // One context at a time, each rawEvent serialized once per send; a batch is sent as soon
    // as it is full, so at most one batch of bodies is held.
    async send(events, sendOptions) {
      const encode = createTrackingEventEncoder();
      const batcher = _batcher(queue, maxBatchMessages, maxBatchBytes);
      for (const event of events) {
        if (sendOptions && sendAborted(sendOptions)) throw sendOptions.signal?.reason;
        await batcher.add(_encode(encode, event, maxMessageBytes));
      }
      if (sendOptions && sendAborted(sendOptions)) throw sendOptions.signal?.reason;
      await batcher.flush();
    },
  };
}
