/** Queue consumer, runtime-neutral: decode each message, hand it to the sinks, ack or retry it. */
import { describeThrown, readSafely } from '../errors.js';
import { type Logger, loggerOrConsole } from '../log.js';
import { strictUtf8 } from '../providers/base64.js';
import { decodeTrackingEvent } from '../wire.js';
import type { Sink } from './types.js';

/** What the consumer needs of a queue message (a Cloudflare `Message` fits). */
export interface QueueMessageLike {
  readonly id: string;
  /** 1 on the first delivery. */
  readonly attempts: number;
  readonly body: unknown;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** What the consumer needs of a batch (a Cloudflare `MessageBatch` fits). */
export interface MessageBatchLike {
  readonly queue: string;
  readonly messages: readonly QueueMessageLike[];
}

const _MAX_DELAY_SECONDS = 3600;

/**
 * Backoff before the next attempt: 10 s after the first, doubling, at most an hour. A message
 * without a count (a batch of your own) is on its first.
 */
export function retryDelaySeconds(attempts: number): number {
  // biome-ignore lint/complexity/useMathMinMax: Math.max(undefined, 1) is NaN, which no queue takes as a delay.
  return Math.min(2 ** (attempts > 1 ? attempts : 1) * 5, _MAX_DELAY_SECONDS);
}

/** Retries `message` after its backoff delay. */
export const retryAfterBackoff = (message: QueueMessageLike): void =>
  message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });

const _IDENTITY_FIELDS = ['eventId', 'eventType', 'messageId', 'recipient', 'espName'] as const;

/** The identifying fields of an undecodable body, where they are short strings. */
function _identity(body: unknown): Record<string, string> {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const found: Record<string, string> = {};
  for (const key of _IDENTITY_FIELDS) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'string' && field.length <= 320) found[key] = field;
  }
  return found;
}

async function _consume(
  message: QueueMessageLike,
  sinks: readonly Sink[],
  logger: Logger,
  fields: Record<string, unknown>,
): Promise<void> {
  let context: ReturnType<typeof decodeTrackingEvent>;
  try {
    const { body } = message;
    // contentType `bytes` (a producer of your own): the wire JSON as UTF-8, strictly: bytes that
    // are not UTF-8 are no tracking event, not one with U+FFFD in its fields.
    context = decodeTrackingEvent(
      body instanceof ArrayBuffer || ArrayBuffer.isView(body)
        ? strictUtf8.decode(body)
        : (body as string | object),
    );
  } catch (error) {
    // Acked, not retried: decoding is deterministic, so every retry fails the same way, and a
    // dead-letter queue that is replayed would cycle it forever. Fields a newer version added
    // are ignored, not refused, so a mid-deploy message still decodes. The log line keeps what
    // identifies the event.
    logger.error('queue message is not a tracking event this version can read; acked and dropped', {
      ...fields,
      ..._identity(message.body),
      error: describeThrown(error),
    });
    message.ack();
    return;
  }
  const eventFields = { ...fields, eventType: context.eventType, eventId: context.eventId };
  for (const sink of sinks) {
    try {
      // A copy each, as on the request path: a field one sink reassigns stays for the next.
      await sink.send([{ ...context }]);
    } catch (error) {
      logger.error('sink failed on a queued event; retrying later', {
        ...eventFields,
        sink: readSafely(sink, 'name') as string,
        error: describeThrown(error),
        delaySeconds: retryDelaySeconds(message.attempts),
      });
      retryAfterBackoff(message);
      return;
    }
  }
  message.ack();
  logger.info('queued event delivered', { ...eventFields, recipient: context.recipient });
}

/**
 * Delivers a queue batch to `sinks`: each message is acked once every sink took it (or, with an
 * error log line, when it does not decode: no retry could help), otherwise retried with a delay
 * growing per attempt (after the consumer's `max_retries`, the platform
 * moves it to the dead-letter queue). Never throws: every message is acked or retried.
 * @example
 * export default {
 *   queue: (batch: MessageBatch, env: Env) => consumeQueueBatch(batch, [createFanoutSink(options)]),
 * };
 */
export async function consumeQueueBatch(
  batch: MessageBatchLike,
  sinks: readonly Sink[],
  userLogger?: Logger,
): Promise<void> {
  const logger = loggerOrConsole(userLogger);
  // One message at a time: the fan-out already fills the connections a Worker may open.
  for (const message of batch.messages) {
    const fields = { queue: batch.queue, queueMessageId: message.id, attempts: message.attempts };
    if (sinks.length === 0) {
      // Nothing would take it: keep it (towards the dead-letter queue) rather than drop it.
      logger.error(
        'queue consumer has no sinks (add fanout to MAIL_WEBHOOK_SINKS); retrying',
        fields,
      );
      retryAfterBackoff(message);
      continue;
    }
    try {
      await _consume(message, sinks, logger, fields);
    } catch (error) {
      logger.error('queue message could not be handled; retrying', {
        ...fields,
        error: describeThrown(error),
      });
      retryAfterBackoff(message);
    }
  }
}
