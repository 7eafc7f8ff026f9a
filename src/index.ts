/** mailhooks: email-provider tracking webhooks in, verified per-recipient events out. Runtime-agnostic. */

export {
  type Env,
  type MailWebhookOptions,
  optionsFromEnv,
  type ResolvedOptions,
  resolveOptions,
  type SesOptions,
} from './config.js';
export { ConfigError, HttpError } from './errors.js';
export {
  parseSesEvent,
  parseSesMessage,
  parseSnsEnvelope,
  type SnsMessage,
} from './esp/ses/index.js';
export {
  type EmailTrackingContext,
  EmailTrackingContextSchema,
  EmailTrackingEvent,
  type EventKey,
  TRACKING_EVENT_TYPES,
  type TrackingEventType,
  TrackingEventTypeSchema,
} from './events.js';
export {
  createHandlerFromEnv,
  createRuntimeFromEnv,
  type EnvRuntime,
  type FromEnvContext,
} from './from-env.js';
export { createMailWebhookHandler, handleMailWebhook } from './handler.js';
export { consoleLogger, type LogFields, type Logger, silentLogger } from './log.js';
export {
  consumeQueueBatch,
  type MessageBatchLike,
  type QueueMessageLike,
  retryDelaySeconds,
} from './sinks/consumer.js';
export { type EnvSinks, type SinkEnvContext, sinksFromEnv } from './sinks/env.js';
export {
  createFanoutSink,
  type FanoutEndpoint,
  FanoutError,
  type FanoutFailure,
  type FanoutOptions,
} from './sinks/fanout.js';
export {
  EventBus,
  type EventListener,
  ListenerError,
  type ListenerFn,
  type ListenerLike,
  type NextFn,
} from './sinks/memory.js';
export {
  createQueueSink,
  type QueueContentType,
  type QueueLike,
  type QueueMessageRequest,
  type QueueSinkOptions,
} from './sinks/queue.js';
export type { Sink } from './sinks/types.js';
export {
  type DecodedTrackingContext,
  decodeTrackingEvent,
  encodeTrackingEvent,
  WireFormatError,
  type WireTrackingEvent,
  WireTrackingEventSchema,
} from './wire.js';
