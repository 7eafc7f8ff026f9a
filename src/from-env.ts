/** Builds a handler from environment variables: the shared start-up path of every runtime entry. */
import { type Env, optionsFromEnv } from './config.js';
import { createMailWebhookHandler } from './handler.js';
import { consoleLogger } from './log.js';
import { sinksFromEnv } from './sinks/env.js';

/**
 * Creates the handler the Worker and the servers use. Throws a `ConfigError` naming the variable
 * when a setting is wrong, so start-up stops with a clear message.
 */
export function createHandlerFromEnv(env: Env): (request: Request) => Promise<Response> {
  const options = optionsFromEnv(env);
  const fetchFn: typeof fetch = (input, init) => globalThis.fetch(input, init);
  const { requestSinks } = sinksFromEnv(env, { fetch: fetchFn, logger: consoleLogger });
  return createMailWebhookHandler({ ...options, sinks: requestSinks });
}
