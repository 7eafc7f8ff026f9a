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
export { createHandlerFromEnv } from './from-env.js';
export { createMailWebhookHandler, handleMailWebhook } from './handler.js';
export { consoleLogger, type LogFields, type Logger, silentLogger } from './log.js';
export {
  EventBus,
  type EventListener,
  ListenerError,
  type ListenerFn,
  type ListenerLike,
  type NextFn,
} from './sinks/memory.js';
export type { Sink } from './sinks/types.js';
