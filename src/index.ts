/** mailhooks: email-provider tracking webhooks in, verified per-recipient events out. Runtime-agnostic. */

export type { MailWebhookOptions } from './config.js';
export { ConfigError, HttpError } from './errors.js';
export {
  type EmailTrackingContext,
  EmailTrackingEvent,
  type EventKey,
  type RejectCategory,
  TRACKING_EVENT_TYPES,
  type TrackingEventType,
} from './events.js';
export { createMailWebhookHandler, handleMailWebhook } from './handler.js';
export type { LogFields, Logger } from './log.js';
export { type BrevoOptions, brevo } from './providers/brevo/index.js';
export { type LoopsOptions, loops } from './providers/loops/index.js';
export { type MailersendOptions, mailersend } from './providers/mailersend/index.js';
export { type MailgunOptions, mailgun } from './providers/mailgun/index.js';
export { type MailjetOptions, mailjet } from './providers/mailjet/index.js';
export { type MailpaceOptions, mailpace } from './providers/mailpace/index.js';
export { type MailtrapOptions, mailtrap } from './providers/mailtrap/index.js';
export { type MandrillOptions, mandrill } from './providers/mandrill/index.js';
export { type PostalOptions, postal } from './providers/postal/index.js';
export { type PostmarkOptions, postmark } from './providers/postmark/index.js';
export { type ResendOptions, resend } from './providers/resend/index.js';
export { type ScalewayOptions, scaleway } from './providers/scaleway/index.js';
export { type SendgridOptions, sendgrid } from './providers/sendgrid/index.js';
export { type SesOptions, ses } from './providers/ses/index.js';
export { type SesEventBridgeOptions, sesEventBridge } from './providers/ses-eventbridge/index.js';
export { type SparkpostOptions, sparkpost } from './providers/sparkpost/index.js';
export {
  defineProvider,
  type Provider,
  type ProviderContext,
  type ProviderDefinition,
  type ProviderInstance,
  type ProviderResult,
  type Refusal,
  refuse,
} from './providers/types.js';
export { type UnisenderGoOptions, unisenderGo } from './providers/unisender-go/index.js';
export {
  createFanoutSink,
  type FanoutEndpoint,
  FanoutError,
  type FanoutFailure,
  type FanoutOptions,
} from './sinks/fanout.js';
export {
  EventBus,
  type EventBusOptions,
  type EventListener,
  ListenerError,
  type ListenerFn,
  type ListenerLike,
  type NextFn,
} from './sinks/memory.js';
export { createQueueSink, type QueueLike, type QueueSinkOptions } from './sinks/queue.js';
export type { Sink, SinkSendOptions } from './sinks/types.js';
export {
  createD1Store,
  createSqliteStore,
  type D1DatabaseLike,
  type EventPage,
  type EventQuery,
  type EventStore,
  type SqliteDatabaseLike,
  type StoreOptions,
  type Suppression,
} from './store/index.js';
export {
  type DecodedTrackingContext,
  decodeTrackingEvent,
  encodeTrackingEvent,
  WireFormatError,
  type WireTrackingEvent,
} from './wire.js';
