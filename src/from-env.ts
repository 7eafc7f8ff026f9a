/** Builds a handler from environment variables: the shared start-up path of every runtime entry. */
import type { MailWebhookOptions } from './config.js';
import * as core from './env-runtime.js';
import type { Env } from './env-values.js';
import { providersFromEnv as _providersFromEnv } from './providers/env.js';
import { rejectUnknownKeys } from './providers/options.js';
import { BUILTIN_PROVIDERS } from './providers/registry.js';
import type { Provider } from './providers/types.js';
import { sinksFromEnv as _sinksFromEnv, type EnvSinks, type SinkEnvContext } from './sinks/env.js';

export type { EnvRuntime, FromEnvContext, Registry, UnknownVariable } from './env-runtime.js';
export type { Env } from './env-values.js';

/**
 * Variables named `MAIL_WEBHOOK_*` that nothing reads, each with the closest known name, or the
 * provider it belongs to when `MAIL_WEBHOOK_PROVIDERS` does not list that provider.
 */
export const unknownVariables = (
  env: Env,
  registry: core.Registry = BUILTIN_PROVIDERS,
): core.UnknownVariable[] => core.unknownVariables(env, registry);

/**
 * Reads the `MAIL_WEBHOOK_*` variables into options (sinks are read elsewhere).
 * `MAIL_WEBHOOK_ENABLED` defaults to false, as in the reference. Throws `ConfigError` naming the variable.
 */
export const optionsFromEnv = (
  env: Env,
  registry: core.Registry = BUILTIN_PROVIDERS,
): MailWebhookOptions => core.optionsFromEnv(env, registry);

/** The providers named in `MAIL_WEBHOOK_PROVIDERS` (comma list; default `ses`). */
export const providersFromEnv = (
  env: Env,
  registry: core.Registry = BUILTIN_PROVIDERS,
): Provider[] => _providersFromEnv(env, registry);

/** Like `createHandlerFromEnv`, also returning the queue consumer's sinks (the Worker's `queue()`). */
export function createRuntimeFromEnv(env: Env, context: core.FromEnvContext = {}): core.EnvRuntime {
  // A misspelt `registry` would leave a provider of one's own unknown; a misspelt `logger`, the console.
  rejectUnknownKeys(context, ['fetch', 'logger', 'queue', 'runtime', 'openSqlite', 'registry'], '');
  return core.createRuntimeFromEnv(env, {
    ...context,
    registry: context.registry ?? BUILTIN_PROVIDERS,
  });
}

/**
 * Creates the handler the Worker and the servers use. Throws a `ConfigError` naming the variable
 * when a setting is wrong, so start-up stops with a clear message.
 */
export function createHandlerFromEnv(
  env: Env,
  context: core.FromEnvContext = {},
): (request: Request) => Promise<Response> {
  return createRuntimeFromEnv(env, context).handler;
}

/**
 * Builds the sinks from `MAIL_WEBHOOK_SINKS` and the sink variables; a bad setting is a
 * `ConfigError` naming the variable, and so is a misspelt context key (`queu` would leave the
 * queue binding unread).
 */
export function sinksFromEnv(env: Env, context: SinkEnvContext): EnvSinks {
  rejectUnknownKeys(context, ['fetch', 'logger', 'queue'], '');
  return _sinksFromEnv(env, context);
}
