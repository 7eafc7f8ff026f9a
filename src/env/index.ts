/**
 * mailhooks/env: building a handler, a runtime or sinks from `MAIL_WEBHOOK_*` variables; and the
 * registry entries one by one, so a Worker from `createWorker([...])` bundles only those it names.
 */
export type { Env } from '../env-values.js';
export {
  createHandlerFromEnv,
  createRuntimeFromEnv,
  type EnvRuntime,
  type FromEnvContext,
  optionsFromEnv,
  providersFromEnv,
  type Registry,
  sinksFromEnv,
  type UnknownVariable,
  unknownVariables,
} from '../from-env.js';
export { brevoProvider } from '../providers/brevo/index.js';
export { providerVariable } from '../providers/env.js';
export { loopsProvider } from '../providers/loops/index.js';
export { mailersendProvider } from '../providers/mailersend/index.js';
export { mailgunProvider } from '../providers/mailgun/index.js';
export { mailjetProvider } from '../providers/mailjet/index.js';
export { mailpaceProvider } from '../providers/mailpace/index.js';
export { mailtrapProvider } from '../providers/mailtrap/index.js';
export { mandrillProvider } from '../providers/mandrill/index.js';
export { postalProvider } from '../providers/postal/index.js';
export { postmarkProvider } from '../providers/postmark/index.js';
export { BUILTIN_PROVIDERS } from '../providers/registry.js';
export type { BuiltinProvider, SettingKind } from '../providers/registry-types.js';
export { resendProvider } from '../providers/resend/index.js';
export { scalewayProvider } from '../providers/scaleway/index.js';
export { sendgridProvider } from '../providers/sendgrid/index.js';
export { sesProvider } from '../providers/ses/index.js';
export { sesEventBridgeProvider } from '../providers/ses-eventbridge/index.js';
export { sparkpostProvider } from '../providers/sparkpost/index.js';
export { unisenderGoProvider } from '../providers/unisender-go/index.js';
export {
  consumeQueueBatch,
  type MessageBatchLike,
  type QueueMessageLike,
} from '../sinks/consumer.js';
export type { EnvSinks, SinkEnvContext } from '../sinks/env.js';
export type { OpenSqlite } from '../store/env.js';
