/** Queue sink: a request's contexts as wire JSON messages, sent with `sendBatch` within the queue's limits. */
import type { EmailTrackingContext } from '../events.js';
import { encodeTrackingEvent } from '../wire.js';
import type { Sink } from './types.js';

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
  readonly name?: string;
  /** Largest message in UTF-8 bytes; larger ones are sent with `rawEvent` trimmed. */
  readonly maxMessageBytes?: number;
  /** Largest `sendBatch` call in UTF-8 bytes (message bodies plus 128 bytes of metadata each). */
  readonly maxBatchBytes?: number;
  /** Most messages per `sendBatch` call. */
  readonly maxBatchMessages?: number;
}

interface _Encoded {
  readonly body: string;
  readonly bytes: number;
}

const _encoder = new TextEncoder();
const _utf8Bytes = (text: string): number => _encoder.encode(text).byteLength;

/** Wire JSON of one context; `rawEvent` is dropped (and flagged) when the message would be too large. */
function _encode(context: EmailTrackingContext, maxBytes: number): _Encoded {
  const body = encodeTrackingEvent(context);
  const bytes = _utf8Bytes(body);
  if (bytes <= maxBytes) return { body, bytes };
  const trimmed = encodeTrackingEvent({ ...context, rawEvent: {}, rawEventTrimmed: true });
  const trimmedBytes = _utf8Bytes(trimmed);
  if (trimmedBytes > maxBytes) {
    throw new Error(
      `event ${context.eventId} for ${context.recipient} is ${trimmedBytes} bytes without its rawEvent, over the ${maxBytes}-byte message limit`,
    );
  }
  return { body: trimmed, bytes: trimmedBytes };
}

/** Splits messages into `sendBatch` calls of at most `maxMessages` and `maxBytes`. */
function _chunks(messages: _Encoded[], maxMessages: number, maxBytes: number): _Encoded[][] {
  const chunks: _Encoded[][] = [];
  let current: _Encoded[] = [];
  let size = 0;
  for (const message of messages) {
    const cost = message.bytes + _MESSAGE_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= maxMessages || size + cost > maxBytes)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A sink that enqueues each context as one message: `contentType: 'text'`, the body the wire JSON
 * string (so the size measured is the size sent), read back with `decodeTrackingEvent`.
 * @param queue a Cloudflare Queue producer binding, or anything with `sendBatch`
 * @example
 * // Create it with the handler once per env (the shipped Worker does so), not per request.
 * const handle = createMailWebhookHandler({ sinks: [createQueueSink(env.EVENTS)] });
 */
export function createQueueSink(queue: QueueLike, options: QueueSinkOptions = {}): Sink {
  if (typeof queue?.sendBatch !== 'function') {
    throw new TypeError('createQueueSink needs a queue binding with sendBatch()');
  }
  const maxMessageBytes =
    options.maxMessageBytes ?? QUEUE_MAX_MESSAGE_BYTES - _MESSAGE_OVERHEAD_BYTES;
  const maxBatchBytes = options.maxBatchBytes ?? QUEUE_MAX_BATCH_BYTES;
  const maxBatchMessages = options.maxBatchMessages ?? QUEUE_MAX_BATCH_MESSAGES;
  return {
    name: options.name ?? 'queue',
    async send(events) {
      const encoded = events.map((event) => _encode(event, maxMessageBytes));
      for (const chunk of _chunks(encoded, maxBatchMessages, maxBatchBytes)) {
        await queue.sendBatch(chunk.map(({ body }) => ({ body, contentType: 'text' as const })));
      }
    },
  };
}
