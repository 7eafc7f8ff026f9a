/**
 * Builds a handler from environment variables, for the providers of a registry it is given: the
 * core of `from-env.ts` (which passes every built-in provider), importing no provider itself.
 */
import { type MailWebhookOptions, resolveOptions } from './config.js';
import { type Env, type EnvVars, envBoolean, envString, envWholeNumber } from './env-values.js';
import { ConfigError, type FetchFn, lateBoundFetch } from './errors.js';
import { createHandlerWithRuntime } from './handler.js';
import { type Logger, loggerOrConsole } from './log.js';
import { providersFromEnv, providerVariable, providerVariables } from './providers/env.js';
import type { BuiltinProvider } from './providers/registry-types.js';
import type { Provider } from './providers/types.js';
import type { RuntimeHooks } from './runtime-hooks.js';
import { type DeadLetterSettings, DLQ_VARIABLES, deadLetterFromEnv } from './sinks/dlq.js';
import { SINK_VARIABLES, sinksFromEnv } from './sinks/env.js';
import type { QueueLike } from './sinks/queue.js';
import type { Sink } from './sinks/types.js';
import { STORE_ROUTE_PATHS } from './store/api.js';
import { type OpenSqlite, STORE_VARIABLES, storeFromEnv } from './store/env.js';
import { closestName, meanHint } from './suggest.js';

export type { Env } from './env-values.js';

/** Providers a `MAIL_WEBHOOK_PROVIDERS` list may name. */
export type Registry = readonly BuiltinProvider[];

/** What a runtime may supply instead of the defaults. */
export interface FromEnvContext {
  readonly fetch?: FetchFn | undefined;
  readonly logger?: Logger | undefined;
  /** A queue to use instead of the `MAIL_WEBHOOK_QUEUE` binding. */
  readonly queue?: QueueLike | undefined;
  /** Runtime hooks the handler lends its providers (`mailhooks/node`: `node:crypto`). */
  readonly runtime?: RuntimeHooks | undefined;
  /** Opens `MAIL_WEBHOOK_SQLITE_PATH` with the runtime's SQLite (the servers supply it). */
  readonly openSqlite?: OpenSqlite | undefined;
  /** The providers `MAIL_WEBHOOK_PROVIDERS` may name; every built-in one unless given. */
  readonly registry?: Registry | undefined;
}

/**
 * The request handler, the sinks a queue consumer delivers to (empty without a queue), and how
 * the consumer treats the dead-letter queue.
 */
export interface EnvRuntime {
  readonly handler: (request: Request) => Promise<Response>;
  readonly consumerSinks: readonly Sink[];
  readonly deadLetter: DeadLetterSettings;
  readonly logger: Logger;
}

/** Top-level variable → option; provider and sink variables are read by their own modules. */
const _NUMBERS = {
  MAIL_WEBHOOK_MAX_BODY_BYTES: 'maxBodyBytes',
  MAIL_WEBHOOK_BODY_TIMEOUT_MS: 'bodyTimeoutMs',
  MAIL_WEBHOOK_FETCH_TIMEOUT_MS: 'fetchTimeoutMs',
  MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: 'deliveryTimeoutMs',
  MAIL_WEBHOOK_LISTENER_TIMEOUT_MS: 'listenerTimeoutMs',
} as const;

/** Every `MAIL_WEBHOOK_*` variable some setting reads. */
const _KNOWN_VARIABLES = [
  'MAIL_WEBHOOK_ENABLED',
  'MAIL_WEBHOOK_BASE_PATH',
  'MAIL_WEBHOOK_PROVIDERS',
  ...Object.keys(_NUMBERS),
  ...SINK_VARIABLES,
  ...DLQ_VARIABLES,
  ...STORE_VARIABLES,
];

/**
 * A `MAIL_WEBHOOK_*` variable that nothing reads: with the closest known name, or, when it is a
 * setting of a provider that `MAIL_WEBHOOK_PROVIDERS` does not list, that provider's name.
 */
export interface UnknownVariable {
  readonly name: string;
  readonly closest: string | undefined;
  readonly unlistedProvider?: string;
}

/** Variables named `MAIL_WEBHOOK_*` that nothing reads, each with the closest known name. */
export function unknownVariables(env: Env, registry: Registry): UnknownVariable[] {
  // Unset or empty is the default, as `providersFromEnv` reads it.
  const listed = new Set(
    String((env as EnvVars).MAIL_WEBHOOK_PROVIDERS || 'ses')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const known = [..._KNOWN_VARIABLES];
  // A setting of a provider left out of MAIL_WEBHOOK_PROVIDERS: forgetting to list it is the mistake.
  const unlisted = new Map<string, string>();
  for (const entry of registry) {
    for (const name of providerVariables([entry])) {
      if (listed.has(entry.name)) known.push(name);
      else unlisted.set(name, entry.name);
    }
  }
  // Fan-out endpoints name the variables holding their secrets ("env:NAME"), in a JSON string
  // or, from a wrangler.toml array, parsed.
  const given = (env as EnvVars).MAIL_WEBHOOK_FANOUT_ENDPOINTS;
  const endpoints =
    typeof given === 'string' ? given : Array.isArray(given) ? JSON.stringify(given) : '';
  const referenced = new Set(
    [...endpoints.matchAll(/env:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]),
  );
  // Names are compared after the prefix they all share, which would make any long name close to
  // some setting (a fan-out secret, MAIL_WEBHOOK_FANOUT_SECRET_CRM, to MAIL_WEBHOOK_FANOUT_RETRIES).
  // An unlisted provider's settings count too (after the listed ones, which win a tie): a typo of
  // one is closer to it than to another provider's.
  const tails = [...known, ...unlisted.keys()].map((name) => name.slice('MAIL_WEBHOOK_'.length));
  // MAIL_WEBHOOKS_* too: a plural prefix leaves a setting as unread as a misspelt name (its tail,
  // `_MAX_BODY_BYTES`, still finds MAX_BODY_BYTES, which it holds in order).
  return Object.keys(env)
    .filter(
      (name) => name.startsWith('MAIL_WEBHOOK') && !known.includes(name) && !referenced.has(name),
    )
    .map((name) => {
      const provider = unlisted.get(name);
      const bare = name.slice('MAIL_WEBHOOK_'.length);
      // The servers' PORT and HOST take no prefix: MAIL_WEBHOOK_PORT means PORT.
      if (bare === 'PORT' || bare === 'HOST') return { name, closest: bare };
      const tail = provider ? undefined : closestName(bare, tails);
      return provider
        ? { name, closest: undefined, unlistedProvider: provider }
        : { name, closest: tail && `MAIL_WEBHOOK_${tail}` };
    });
}

/**
 * Reads the `MAIL_WEBHOOK_*` variables into options (sinks are read elsewhere).
 * `MAIL_WEBHOOK_ENABLED` defaults to false, as in the reference. Throws `ConfigError` naming the variable.
 */
export function optionsFromEnv(env: Env, registry: Registry): MailWebhookOptions {
  const options: Record<string, unknown> = {
    enabled: envBoolean(env, 'MAIL_WEBHOOK_ENABLED') ?? false,
    providers: providersFromEnv(env, registry),
  };
  const basePath = envString(env, 'MAIL_WEBHOOK_BASE_PATH');
  if (basePath !== undefined) options.basePath = basePath;
  for (const [name, option] of Object.entries(_NUMBERS)) {
    const value = envWholeNumber(env, name);
    if (value !== undefined) options[option] = value;
  }
  // Two providers on one path: named by the _PATH variable that put one there (the later one's
  // when both are set), not MAIL_WEBHOOK_PROVIDERS.
  const mounted = new Map<string, string>();
  for (const { name, path } of options.providers as Provider[]) {
    const other = mounted.get(path);
    if (other !== undefined) {
      throw new ConfigError(
        providerVariable(envString(env, providerVariable(name, 'path')) ? name : other, 'path'),
        `${other} and ${name} are both mounted at "${path}"`,
      );
    }
    mounted.set(path, name);
  }
  // Checked here, so a bad value stops start-up naming the variable, not the option.
  _namingVariable(() => resolveOptions(options as MailWebhookOptions));
  return options as MailWebhookOptions;
}

const _VARIABLE_OF: Record<string, string> = {
  basePath: 'MAIL_WEBHOOK_BASE_PATH',
  providers: 'MAIL_WEBHOOK_PROVIDERS',
  apiToken: 'MAIL_WEBHOOK_API_TOKEN',
  ...Object.fromEntries(Object.entries(_NUMBERS).map(([name, option]) => [option, name])),
};

/** Runs `build`, re-throwing a `ConfigError` about an option as one about its variable. */
function _namingVariable<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    const variable = error instanceof ConfigError ? _VARIABLE_OF[error.setting] : undefined;
    throw variable ? new ConfigError(variable, (error as ConfigError).detail) : error;
  }
}

/** The handler and the queue consumer's sinks (the Worker's `queue()`), for `context.registry`. */
export function createRuntimeFromEnv(
  env: Env,
  context: FromEnvContext & { readonly registry: Registry },
): EnvRuntime {
  const logger = loggerOrConsole(context.logger);
  for (const { name, closest, unlistedProvider } of unknownVariables(env, context.registry)) {
    if (unlistedProvider) {
      logger.warn(
        `variable ${name} is set, but ${unlistedProvider} is not in MAIL_WEBHOOK_PROVIDERS`,
        { variable: name, provider: unlistedProvider },
      );
      continue;
    }
    logger.warn(`unknown variable ${name}: no setting reads it${meanHint(closest)}`, {
      variable: name,
      ...(closest ? { didYouMean: closest } : {}),
    });
  }
  const options = optionsFromEnv(env, context.registry);
  const fetchFn = context.fetch ?? lateBoundFetch;
  // The sinks and the handler are given the user's logger, not `logger`: each guards its own,
  // and a guard around `logger` would make every line pass two.
  const { requestSinks, consumerSinks } = sinksFromEnv(env, {
    fetch: fetchFn,
    logger: context.logger ?? logger,
    ...(context.queue ? { queue: context.queue } : {}),
  });
  // Read here, not per queue batch: a bad value stops start-up like any other setting.
  const deadLetter = deadLetterFromEnv(env);
  const storeOptions = storeFromEnv(env, context.openSqlite);
  // Named here by the variable that set the path; the handler would name MAIL_WEBHOOK_PROVIDERS.
  if (storeOptions.apiToken !== undefined) {
    for (const provider of options.providers as readonly Provider[]) {
      if ((STORE_ROUTE_PATHS as readonly string[]).includes(provider.path)) {
        throw new ConfigError(
          providerVariable(provider.name, 'path'),
          `"${provider.path}" is reserved for the store's routes (MAIL_WEBHOOK_API_TOKEN)`,
        );
      }
    }
  }
  const handler = _namingVariable(() =>
    createHandlerWithRuntime(
      resolveOptions({
        ...options,
        ...storeOptions,
        sinks: requestSinks,
        logger: context.logger,
        ...(context.fetch ? { fetch: context.fetch } : {}),
      }),
      context.runtime ?? {},
    ),
  );
  return { handler, consumerSinks, deadLetter, logger };
}
