/** Handler options: the valibot schema, defaults, and the checks that stop start-up. */
import * as v from 'valibot';
import { ConfigError, type FetchFn, lateBoundFetch, systemClock } from './errors.js';
import { type Logger, loggerOrConsole } from './log.js';
import { defaultProviders, rejectMovedOptions } from './providers/default.js';
import { rejectUnknownKeys } from './providers/options.js';
import { BEARER_TOKEN, BEARER_TOKEN_RULE } from './providers/shared-secret.js';
import { checkProviderShape, DEFAULT_FETCH_TIMEOUT_MS, type Provider } from './providers/types.js';
import {
  boolean,
  functionSchema,
  milliseconds,
  nonEmpty,
  parseOptions,
  string,
  wholeNumber,
} from './schema.js';
import { EventBus } from './sinks/memory.js';
import type { Sink } from './sinks/types.js';
import { STORE_ROUTE_PATHS } from './store/api.js';
import { type EventStore, isEventStore } from './store/types.js';

export const DEFAULT_BASE_PATH = '/webhooks/mail';
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
export { DEFAULT_FETCH_TIMEOUT_MS };

/** An object `check` takes; one whose getter throws (a user's own) is none: a ConfigError naming it. */
const _object = <T>(check: (value: Record<string, unknown>) => boolean, message: string) =>
  v.custom<T>((value) => {
    try {
      return typeof value === 'object' && value !== null && check(value as Record<string, unknown>);
    } catch {
      return false;
    }
  }, message);

const ProviderSchema = _object<Provider>(
  (value) =>
    typeof value.name === 'string' &&
    typeof value.path === 'string' &&
    Array.isArray(value.methods) &&
    typeof value.start === 'function',
  'expected a provider made by a provider factory or by defineProvider()',
);

const _milliseconds = (fallback: number) => v.optional(milliseconds(), fallback);

// What the environment readers pass as sinks (built by `sinksFromEnv`), as a clock (none) and as
// a logger (theirs, always wrapped by `loggerOrConsole`): taken as it is here; a program's are
// checked by `_programSchema`.
const _asIs = v.optional(v.custom<never>(() => true));

/** The options the environment readers build (a Worker's): every check a variable can fail. */
const OptionsSchema = v.object({
  basePath: v.optional(
    v.pipe(
      string(),
      // No `.` or `..` segment: requests are matched normalized, so none could ever reach it.
      v.check(
        (path) => /^(\/(?!\.\.?(\/|$))[\w.~-]+)*\/?$/.test(path),
        'expected a path such as /webhooks/mail',
      ),
    ),
    DEFAULT_BASE_PATH,
  ),
  enabled: v.optional(boolean(), true),
  providers: v.optional(
    v.pipe(v.array(ProviderSchema), nonEmpty('expected at least one provider')),
  ),
  sinks: _asIs,
  store: v.optional(
    _object<EventStore>(
      isEventStore,
      'expected an event store made by createD1Store or createSqliteStore',
    ),
  ),
  apiToken: v.optional(
    v.pipe(
      string(),
      nonEmpty('the apiToken must not be empty'),
      v.check((token) => BEARER_TOKEN.test(token), `the apiToken ${BEARER_TOKEN_RULE}`),
    ),
  ),
  maxBodyBytes: v.optional(wholeNumber(1), DEFAULT_MAX_BODY_BYTES),
  bodyTimeoutMs: _milliseconds(DEFAULT_BODY_TIMEOUT_MS),
  deliveryTimeoutMs: _milliseconds(DEFAULT_DELIVERY_TIMEOUT_MS),
  listenerTimeoutMs: _milliseconds(5_000),
  fetchTimeoutMs: _milliseconds(DEFAULT_FETCH_TIMEOUT_MS),
  fetch: v.optional(functionSchema<FetchFn>('a fetch function')),
  now: _asIs,
  logger: _asIs,
});

/**
 * False for a clock that, read once, gives a number or a string (`Date.now`, `performance.now`,
 * an ISO string): every signed request would fail on it. Anything else passes, a clock not yet
 * set (undefined until a test sets it) or one that throws included: it is read, not judged.
 */
function _mayGiveDate(now: () => Date): boolean {
  try {
    const time: unknown = now();
    return typeof time !== 'number' && typeof time !== 'string';
  } catch {
    return true;
  }
}

/**
 * A program's options: the same entries in the same order (the first bad one is the one named),
 * with the sinks, the clock and the logger checked. Built on a program's first call: a Worker
 * leaves it out.
 */
const _programSchema = () =>
  v.object({
    ...OptionsSchema.entries,
    sinks: v.optional(
      v.array(
        _object<Sink>(
          (value) => typeof value.send === 'function' && typeof value.name === 'string',
          'expected a sink: { name, send(events) }',
        ),
      ),
    ),
    now: v.optional(
      v.pipe(
        functionSchema<() => Date>('a clock function'),
        v.check(
          _mayGiveDate,
          'expected a clock giving a Date, such as () => new Date(); Date.now gives milliseconds',
        ),
      ),
    ),
    logger: v.optional(
      _object<Logger>(
        (value) =>
          ['debug', 'info', 'warn', 'error'].every((level) => typeof value[level] === 'function'),
        'expected an object with debug, info, warn and error functions',
      ),
    ),
  });
let _program: ReturnType<typeof _programSchema> | undefined;

type _Input = v.InferInput<ReturnType<typeof _programSchema>>;

/**
 * Options of `createMailWebhookHandler`; every field is optional. The lists may be readonly
 * (`providers: [ses(), resend()] as const`).
 */
export type MailWebhookOptions = Omit<_Input, 'providers' | 'sinks'> & {
  readonly providers?: readonly NonNullable<_Input['providers']>[number][] | undefined;
  readonly sinks?: readonly NonNullable<_Input['sinks']>[number][] | undefined;
};

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly basePath: string;
  readonly enabled: boolean;
  readonly providers: readonly Provider[];
  readonly sinks: readonly Sink[];
  readonly store?: EventStore | undefined;
  /** Set only with a store: it then serves its routes to this bearer token. */
  readonly apiToken?: string | undefined;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly deliveryTimeoutMs: number;
  readonly listenerTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  readonly fetch: FetchFn;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** Every provider routable (one path segment, real methods), and no two on one path. */
function _checkPaths(providers: readonly Provider[]): void {
  const seen = new Map<string, string>();
  for (const [index, provider] of providers.entries()) {
    checkProviderShape(provider.name, provider.path, provider.methods, `providers.${index}`);
    const other = seen.get(provider.path);
    if (other !== undefined) {
      throw new ConfigError(
        'providers',
        `${other} and ${provider.name} are both mounted at "${provider.path}"; give one a path option, such as path: '${provider.name}-2'`,
      );
    }
    seen.set(provider.path, provider.name);
  }
}

/** `apiToken` needs a store; the store's routes take their paths from the providers. */
function _checkStore(
  store: EventStore | undefined,
  apiToken: string | undefined,
  providers: readonly Provider[],
): void {
  if (apiToken === undefined) return;
  if (!store) {
    throw new ConfigError('apiToken', 'serves the store routes: pass a store as well');
  }
  for (const provider of providers) {
    if ((STORE_ROUTE_PATHS as readonly string[]).includes(provider.path)) {
      throw new ConfigError(
        'providers',
        `"${provider.path}" is reserved for the store's routes; give ${provider.name} a path option`,
      );
    }
  }
}

/**
 * A program's options, resolved: `resolveOptions` with the checks only they can fail (the
 * environment readers build theirs from known keys, and check the store settings themselves,
 * naming the variables). The `createMailWebhookHandler`s resolve with this, the environment
 * readers with `resolveOptions` alone: a Worker leaves these checks out, and the default
 * provider (SES) with them.
 */
export function resolveProgramOptions(options?: MailWebhookOptions): ResolvedOptions {
  rejectMovedOptions(options);
  // As `resolveOptions`' default `{}` (the environment readers' options hold known keys only).
  if (options !== undefined) rejectUnknownKeys(options, Object.keys(OptionsSchema.entries), '');
  _program ??= _programSchema();
  const resolved = resolveOptions(options, defaultProviders, _program);
  _checkStore(resolved.store, resolved.apiToken, resolved.providers);
  if (resolved.sinks.length === 0 && !resolved.store) {
    // Allowed (a dry run, or tests that read only the log), so an info line, not a warning: said
    // once, since the ESP is told 200 either way.
    resolved.logger.info('sinks is empty and no store is set: events are logged, then dropped', {});
  }
  return resolved;
}

/**
 * Validates options and fills defaults; throws `ConfigError` naming the option. Options from
 * the environment readers only, which always name the providers and use known keys only: a
 * program's go through `resolveProgramOptions`, which refuses unknown keys and passes the
 * default providers.
 */
export function resolveOptions(
  options: MailWebhookOptions = {},
  defaults: () => Provider[] = () => [],
  schema: typeof OptionsSchema | ReturnType<typeof _programSchema> = OptionsSchema,
): ResolvedOptions {
  const o = parseOptions(schema, options) as v.InferOutput<ReturnType<typeof _programSchema>>;
  const providers = o.providers ?? defaults();
  _checkPaths(providers);
  const logger = loggerOrConsole(o.logger);
  return {
    ...o,
    basePath: o.basePath.replace(/\/+$/, ''),
    providers,
    sinks: o.sinks ?? [EventBus.default],
    fetch: o.fetch ?? lateBoundFetch,
    now: o.now ?? systemClock,
    logger,
  };
}
