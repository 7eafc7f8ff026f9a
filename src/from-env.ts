/** Builds a handler from environment variables: the shared start-up path of every runtime entry. */
import { type Env, optionsFromEnv } from './config.js';
import { lateBoundFetch } from './errors.js';
import { createMailWebhookHandler } from './handler.js';
import { consoleLogger, type Logger } from './log.js';
import { sinksFromEnv } from './sinks/env.js';
import type { QueueLike } from './sinks/queue.js';
import type { Sink } from './sinks/types.js';

/** What a runtime may supply instead of the defaults. */
export interface FromEnvContext {
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
  /** A queue to use instead of the `MAIL_WEBHOOK_QUEUE` binding. */
  readonly queue?: QueueLike;
}

/** The request handler, and the sinks a queue consumer delivers to (empty without a queue). */
export interface EnvRuntime {
  readonly handler: (request: Request) => Promise<Response>;
  readonly consumerSinks: readonly Sink[];
  readonly logger: Logger;
}

/** Like `createHandlerFromEnv`, also returning the queue consumer's sinks (the Worker's `queue()`). */
export function createRuntimeFromEnv(env: Env, context: FromEnvContext = {}): EnvRuntime {
  const options = optionsFromEnv(env);
  const logger = context.logger ?? consoleLogger;
  const fetchFn = context.fetch ?? lateBoundFetch;
  const { requestSinks, consumerSinks } = sinksFromEnv(env, {
    fetch: fetchFn,
    logger,
    ...(context.queue ? { queue: context.queue } : {}),
  });
  const handler = createMailWebhookHandler({
    ...options,
    sinks: requestSinks,
    logger,
    ...(context.fetch ? { fetch: context.fetch } : {}),
  });
  return { handler, consumerSinks, logger };
}

/**
 * Creates the handler the Worker and the servers use. Throws a `ConfigError` naming the variable
 * when a setting is wrong, so start-up stops with a clear message.
 */
export function createHandlerFromEnv(
  env: Env,
  context: FromEnvContext = {},
): (request: Request) => Promise<Response> {
  return createRuntimeFromEnv(env, context).handler;
}
