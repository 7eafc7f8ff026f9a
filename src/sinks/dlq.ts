/** Dead-letter queue replay: with `MAIL_WEBHOOK_DLQ_REPLAY=true`, the Worker's `queue()` sends what landed there back through the fan-out. */

import { type Env, envBoolean, envString } from '../env-values.js';
import { ConfigError } from '../errors.js';
import { type Logger, loggerOrConsole } from '../log.js';
import { consumeQueueBatch, type MessageBatchLike } from './consumer.js';
import type { Sink } from './types.js';

export const DLQ_REPLAY_VARIABLE = 'MAIL_WEBHOOK_DLQ_REPLAY';
export const DLQ_NAME_VARIABLE = 'MAIL_WEBHOOK_DLQ_NAME';
export const DLQ_VARIABLES = [DLQ_REPLAY_VARIABLE, DLQ_NAME_VARIABLE] as const;

// Cloudflare's longest retry delay: a dead letter nobody replays waits as long as it can (each
// wait still counts against the consumer's max_retries, and the queue's retention still applies).
const _HOLD_SECONDS = 43_200;

/** How the consumer treats the dead-letter queue, read once at start-up. */
export interface DeadLetterSettings {
  /** `MAIL_WEBHOOK_DLQ_REPLAY`: send dead letters back through the fan-out. */
  readonly replay: boolean;
  /** `MAIL_WEBHOOK_DLQ_NAME`: the dead-letter queue's exact name; by name pattern when absent. */
  readonly queue?: string | undefined;
}

/**
 * Whether `queue` is the dead-letter queue. With `name` (`MAIL_WEBHOOK_DLQ_NAME`), exactly that
 * queue. Without it, by pattern: a name ending in `-dlq` (the shipped `mailhooks-events-dlq`) or
 * `dead-letter`/`dead_letter`/`deadletter`. A batch names its queue, not the queue it was
 * dead-lettered from, so the name is all there is to go by.
 */
export function isDeadLetterQueue(queue: string, name?: string): boolean {
  if (name !== undefined) return queue === name;
  return /(?:[-_.]dlq|dead[-_]?letter(?:[-_.]?queue)?)$/i.test(queue) || /^dlq\b/i.test(queue);
}

/**
 * `MAIL_WEBHOOK_DLQ_REPLAY` (default false) and `MAIL_WEBHOOK_DLQ_NAME`; a `ConfigError`
 * naming the variable on a bad value.
 */
export function deadLetterFromEnv(env: Env): DeadLetterSettings {
  const replay = envBoolean(env, DLQ_REPLAY_VARIABLE) ?? false;
  const queue = envString(env, DLQ_NAME_VARIABLE)?.trim() || undefined;
  if (queue !== undefined && !/^[A-Za-z0-9_.-]+$/.test(queue)) {
    throw new ConfigError(
      DLQ_NAME_VARIABLE,
      'expected one queue name, such as mailhooks-events-dlq',
    );
  }
  return { replay, queue };
}

/**
 * Consumes a batch of the queue consumer: from the dead-letter queue, each message goes back
 * through `sinks` (acked once delivered, retried within the dead-letter queue otherwise) when
 * `replay` is on, and is held (retried with the longest delay) with an error log naming
 * `MAIL_WEBHOOK_DLQ_REPLAY` when it is off; any other queue's batch is consumed as usual.
 * A held message is not kept forever: Cloudflare deletes it after the dead-letter queue
 * consumer's `max_retries`, or when the queue's retention runs out. Never throws.
 * @example
 * queue: (batch, env) => consumeWithReplay(batch, sinks, deadLetterFromEnv(env)),
 */
export async function consumeWithReplay(
  batch: MessageBatchLike,
  sinks: readonly Sink[],
  options: DeadLetterSettings & { readonly logger?: Logger },
): Promise<void> {
  // consumeQueueBatch guards the user's logger itself: it gets `options.logger`, not this.
  const logger = loggerOrConsole(options.logger);
  if (!isDeadLetterQueue(batch.queue, options.queue)) {
    return consumeQueueBatch(batch, sinks, options.logger);
  }
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
  return consumeQueueBatch(batch, sinks, options.logger);
}
