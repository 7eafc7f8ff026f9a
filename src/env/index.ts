/** mailhooks/env: building a handler, a runtime or sinks from `MAIL_WEBHOOK_*` variables. */
export type { Env } from '../env-values.js';
export {
  createHandlerFromEnv,
  createRuntimeFromEnv,
  type EnvRuntime,
  type FromEnvContext,
  optionsFromEnv,
  unknownVariables,
} from '../from-env.js';
export { providersFromEnv, providerVariable } from '../providers/env.js';
export { BUILTIN_PROVIDERS } from '../providers/registry.js';
export {
  consumeQueueBatch,
  type MessageBatchLike,
  type QueueMessageLike,
} from '../sinks/consumer.js';
export { type EnvSinks, type SinkEnvContext, sinksFromEnv } from '../sinks/env.js';
