/** Sink settings from environment variables: MAIL_WEBHOOK_SINKS, the queue binding, the fan-out. */
import { type Env, type EnvVars, envString, envWholeNumber } from '../env-values.js';
import { ConfigError, type FetchFn } from '../errors.js';
import { type Logger, loggerOrConsole } from '../log.js';
import { isObject } from '../providers/fields.js';
import { type FanoutEndpoint, fanoutSink } from './fanout.js';
import { EventBus } from './memory.js';
import { type QueueLike, queueSink } from './queue.js';
import type { Sink } from './types.js';

export interface SinkEnvContext {
  readonly fetch: FetchFn;
  readonly logger: Logger;
  /** A queue to use instead of the `MAIL_WEBHOOK_QUEUE` binding in `env`. */
  readonly queue?: QueueLike | undefined;
}

/** The sinks a request delivers to, and the ones a queue consumer delivers to. */
export interface EnvSinks {
  readonly requestSinks: Sink[];
  readonly consumerSinks: Sink[];
}

const SINKS = 'MAIL_WEBHOOK_SINKS';
const QUEUE = 'MAIL_WEBHOOK_QUEUE';
const ENDPOINTS = 'MAIL_WEBHOOK_FANOUT_ENDPOINTS';
const TIMEOUT = 'MAIL_WEBHOOK_FANOUT_TIMEOUT_MS';
const RETRIES = 'MAIL_WEBHOOK_FANOUT_RETRIES';
/** Every variable the sinks read (a fan-out endpoint's secret aside: it is named in its entry). */
export const SINK_VARIABLES = [SINKS, QUEUE, ENDPOINTS, TIMEOUT, RETRIES];
const _KINDS = ['memory', 'queue', 'fanout'] as const;
type _Kind = (typeof _KINDS)[number];
const _ENDPOINT_KEYS = new Set(['url', 'secret', 'events']);
const _SECRET_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

function _kinds(env: Env): Set<_Kind> {
  // Unset or empty: the default. Set to only commas and spaces: a mistake, as for every list.
  const raw = envString(env, SINKS);
  if (raw === undefined) return new Set(['memory']);
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0)
    throw new ConfigError(SINKS, `expected a comma list of ${_KINDS.join(', ')}`);
  for (const name of names) {
    if (!(_KINDS as readonly string[]).includes(name))
      throw new ConfigError(
        SINKS,
        `unknown sink "${name}"; expected a comma list of ${_KINDS.join(', ')}`,
      );
  }
  return new Set(names as _Kind[]);
}

const _isQueue = (value: unknown): value is QueueLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as QueueLike).sendBatch === 'function';

/** Reads one endpoint; its secret comes from the variable it names, never from the JSON itself. */
function _endpoint(
  env: Env,
  entry: unknown,
  index: number,
): FanoutEndpoint & { secretVar: string } {
  const at = `${ENDPOINTS}[${index}]`;
  if (!isObject(entry))
    throw new ConfigError(at, 'expected an object { "url", "secret", "events"? }');
  const record = entry as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !_ENDPOINT_KEYS.has(key));
  if (unknown)
    throw new ConfigError(`${at}.${unknown}`, 'unknown key; expected url, secret, events');
  const ref = typeof record.secret === 'string' ? _SECRET_REF.exec(record.secret) : null;
  if (!ref?.[1]) {
    throw new ConfigError(
      `${at}.secret`,
      'expected "env:<VARIABLE>" naming the variable that holds the whsec_ secret (wrangler secret put, .dev.vars); secrets do not belong in vars',
    );
  }
  const secretVar = ref[1];
  const secret = (env as EnvVars)[secretVar];
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigError(
      secretVar,
      `is not set (named by ${at}.secret); set it with \`wrangler secret put ${secretVar}\`, in .dev.vars, or in the environment`,
    );
  }
  return { ...(record as Omit<FanoutEndpoint, 'secret'>), secret, secretVar };
}

/**
 * Says at start-up that `variable` does nothing, `MAIL_WEBHOOK_SINKS` not listing `sink`: a
 * warning, not an error, since a Worker may bind a queue for code of its own, or drain one it
 * stopped filling.
 */
export const warnUnlistedSink = (logger: Logger, variable: string, sink: _Kind): void =>
  logger.warn(`variable ${variable} is set, but ${SINKS} does not list ${sink}`, {
    variable,
    sink,
  });

/** Maps an option path of `createFanoutSink` back to the variable the operator set. */
function _variableOf(setting: string, secretVars: readonly string[]): string {
  const match = /^endpoints\.(\d+)(?:\.(\w+))?(.*)$/.exec(setting);
  if (!match)
    return setting === 'timeoutMs' ? TIMEOUT : setting === 'retries' ? RETRIES : ENDPOINTS;
  const [, index, field, rest] = match;
  if (field === 'secret') return secretVars[Number(index)] ?? ENDPOINTS;
  const tail = (rest ?? '').replace(/\.(\d+)/g, '[$1]');
  return `${ENDPOINTS}[${index}]${field ? `.${field}` : ''}${tail}`;
}

function _fanout(env: Env, context: SinkEnvContext): Sink {
  // A JSON value in wrangler.toml (a TOML array of tables) arrives parsed; a string is parsed here.
  let entries = (env as EnvVars)[ENDPOINTS];
  if (typeof entries === 'string') {
    const raw = entries.trim();
    try {
      entries = raw && JSON.parse(raw);
    } catch (error) {
      // Only the position: newer engines quote the text around the error, a secret perhaps.
      const at = /position \d+/.exec(String((error as Error).message));
      throw new ConfigError(ENDPOINTS, `is not valid JSON${at ? ` (at ${at[0]})` : ''}`);
    }
  }
  if (entries === undefined || entries === null || entries === '')
    throw new ConfigError(
      ENDPOINTS,
      'is required when MAIL_WEBHOOK_SINKS lists fanout: a JSON array of { "url", "secret", "events"? }',
    );
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ConfigError(ENDPOINTS, 'expected a non-empty JSON array of endpoints');
  const endpoints = entries.map((entry, index) => _endpoint(env, entry, index));
  const timeoutMs = envWholeNumber(env, TIMEOUT);
  const retries = envWholeNumber(env, RETRIES);
  try {
    return fanoutSink({
      endpoints: endpoints.map(({ secretVar: _, ...endpoint }) => endpoint),
      timeoutMs,
      retries,
      fetch: context.fetch,
      logger: context.logger,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const variable = _variableOf(
      error.setting,
      endpoints.map((e) => e.secretVar),
    );
    throw new ConfigError(variable, error.detail);
  }
}

/**
 * Builds the sinks from `MAIL_WEBHOOK_SINKS` (comma list of memory, queue, fanout; default
 * memory). With `queue`, requests only enqueue (to the `MAIL_WEBHOOK_QUEUE` binding) and the
 * fan-out runs in the queue consumer; without it, the fan-out runs on the request path.
 * Throws a `ConfigError` naming the variable when a setting is wrong.
 */
export function sinksFromEnv(env: Env, context: SinkEnvContext): EnvSinks {
  const kinds = _kinds(env);
  const requestSinks: Sink[] = [];
  const consumerSinks: Sink[] = [];
  if (kinds.has('memory')) requestSinks.push(EventBus.default);
  const queue = context.queue ?? (env as EnvVars)[QUEUE];
  if (kinds.has('queue')) {
    if (!_isQueue(queue)) {
      throw new ConfigError(
        SINKS,
        `lists queue, but there is no queue binding named ${QUEUE} ([[queues.producers]] in wrangler.toml); queues exist only on Cloudflare Workers`,
      );
    }
    requestSinks.push(queueSink(queue));
  } else if (_isQueue(queue)) {
    // Guarded here: the fan-out guards the logger it is given itself.
    warnUnlistedSink(loggerOrConsole(context.logger), QUEUE, 'queue');
  }
  if (kinds.has('fanout')) {
    // The consumer always has it: with the fan-out back on the request path, what the queue
    // and its dead-letter queue still hold is delivered, not retried for want of a sink.
    const fanout = _fanout(env, context);
    consumerSinks.push(fanout);
    if (!kinds.has('queue')) requestSinks.push(fanout);
  } else {
    // Endpoints set without `fanout` listed would take no event while the ESP is answered 200.
    // Any value counts, the endpoints' TOML array too.
    const unread = [ENDPOINTS, TIMEOUT, RETRIES].find(
      (name) => ![undefined, null, ''].includes((env as EnvVars)[name] as never),
    );
    if (unread) {
      throw new ConfigError(unread, `is set, but ${SINKS} does not list fanout`);
    }
  }
  return { requestSinks, consumerSinks };
}
