/** Dead-letter queue replay: with `MAIL_WEBHOOK_DLQ_REPLAY=true`, the Worker's `queue()` sends what landed there back through the fan-out. */
import { type Env, envBoolean } from '../env-values.js';
import { consoleLogger, type Logger } from '../log.js';
import { consumeQueueBatch, type MessageBatchLike } from './consumer.js';
import type { Sink } from './types.js';

export const DLQ_REPLAY_VARIABLE = 'MAIL_WEBHOOK_DLQ_REPLAY';

// Cloudflare's longest retry delay: a dead letter nobody replays waits as long as it can.
const _HOLD_SECONDS = 43_200;

/**
 * Whether `queue` is a dead-letter queue, by its name: one ending in `-dlq` (the shipped
 * `mailhooks-events-dlq`) or `dead-letter`/`dead_letter`/`deadletter`. A batch names its queue,
 * not the queue it was dead-lettered from, so the name is all there is to go by.
 */
export function isDeadLetterQueue(queue: string): boolean {
  return /(?:[-_.]dlq|dead[-_]?letter(?:[-_.]?queue)?)$/i.test(queue) || /^dlq\b/i.test(queue);
}

/** `MAIL_WEBHOOK_DLQ_REPLAY` (default false); a `ConfigError` naming it on a bad value. */
export const dlqReplayFromEnv = (env: Env): boolean =>
  envBoolean(env, DLQ_REPLAY_VARIABLE) ?? false;

/**
 * Consumes a batch of the queue consumer: from a dead-letter queue, each message goes back
 * through `sinks` (acked once delivered, retried within the dead-letter queue otherwise) when
 * `replay` is on, and is held (retried with the longest delay, nothing lost) with an error log
 * naming `MAIL_WEBHOOK_DLQ_REPLAY` when it is off; any other queue's batch is consumed as usual.
 * Never throws.
 * @example
 * queue: (batch, env) => consumeWithReplay(batch, sinks, { replay: dlqReplayFromEnv(env) }),
 */
export async function consumeWithReplay(
  batch: MessageBatchLike,
  sinks: readonly Sink[],
  options: { readonly replay: boolean; readonly logger?: Logger },
): Promise<void> {
  const logger = options.logger ?? consoleLogger;
  if (!isDeadLetterQueue(batch.queue)) return consumeQueueBatch(batch, sinks, logger);
  if (!options.replay) {
    logger.error(
      `dead-letter queue batch held: set ${DLQ_REPLAY_VARIABLE}=true to replay it through the fan-out, or remove this consumer`,
      { queue: batch.queue, messages: batch.messages.length, delaySeconds: _HOLD_SECONDS },
    );
    for (const message of batch.messages) message.retry({ delaySeconds: _HOLD_SECONDS });
    return;
  }
  logger.info('replaying dead-letter queue batch through the fan-out', {
    queue: batch.queue,
    messages: batch.messages.length,
  });
  return consumeQueueBatch(batch, sinks, logger);
}
