/** Sink settings from environment variables (MAIL_WEBHOOK_SINKS and friends). */
import type { Env } from '../config.js';
import type { Logger } from '../log.js';
import { EventBus } from './memory.js';
import type { Sink } from './types.js';

export interface SinkEnvContext {
  readonly fetch: typeof fetch;
  readonly logger: Logger;
}

/** The sinks a request delivers to, and the ones a queue consumer delivers to. */
export interface EnvSinks {
  readonly requestSinks: Sink[];
  readonly consumerSinks: Sink[];
}

/** Placeholder until the sink settings land: everything to the in-memory bus. */
export function sinksFromEnv(env: Env, context: SinkEnvContext): EnvSinks {
  void env;
  void context;
  return { requestSinks: [EventBus.default], consumerSinks: [] };
}
