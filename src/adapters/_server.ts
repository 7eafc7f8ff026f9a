/** What the packaged servers share: listen settings, the health check and the start-up failure line. */
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
} from '../config.js';
import { type Env, type EnvVars, envBoolean, envWholeNumber } from '../env-values.js';
import { ConfigError, describeThrown } from '../errors.js';
import { createHandlerFromEnv } from '../from-env.js';
import { type FetchHandler, withHealthCheck } from '../health.js';
import { consoleLogger, createJsonLogger, type Logger } from '../log.js';
import { rejectUnknownKeys } from '../providers/options.js';
import type { RuntimeHooks } from '../runtime-hooks.js';
import { DLQ_VARIABLES } from '../sinks/dlq.js';
import { closeBuiltinSqlite, openBuiltinSqliteStore } from './_sqlite.js';

export { type FetchHandler, withHealthCheck } from '../health.js';

export interface ServeOptions {
  /** Default: `createHandlerFromEnv(env)`, which reads the `MAIL_WEBHOOK_*` variables. */
  readonly handler?: FetchHandler | undefined;
  /** Default: the process environment. */
  readonly env?: Env | undefined;
  /** Default: `PORT`, else 8787. 0 picks a free port. */
  readonly port?: number | undefined;
  /** Default: `HOST`, else every interface. */
  readonly hostname?: string | undefined;
  /** Close gracefully on SIGTERM and SIGINT. Default true. */
  readonly gracefulShutdown?: boolean | undefined;
}

export interface MailServer {
  /** Resolves with the base URL once the server listens; rejects if it cannot. */
  readonly ready: Promise<string>;
  /** Stops accepting connections; resolves once in-flight requests have been answered. */
  close(): Promise<void>;
  /** Resolves once the server has closed, whatever closed it. */
  readonly finished: Promise<void>;
}

export const DEFAULT_PORT = 8787;
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function _port(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const text = String(raw).trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError('PORT', `expected a port number (0-65535), got ${JSON.stringify(raw)}`);
  }
  return port;
}

/** `MAIL_WEBHOOK_BODY_TIMEOUT_MS` as the handler reads it, or the handler's default. */
export const bodyTimeoutOf = (env: Env): number =>
  envWholeNumber(env, 'MAIL_WEBHOOK_BODY_TIMEOUT_MS') || DEFAULT_BODY_TIMEOUT_MS;

/** `MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS` as the handler reads it, or the handler's default. */
export const deliveryTimeoutOf = (env: Env): number =>
  envWholeNumber(env, 'MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS') || DEFAULT_DELIVERY_TIMEOUT_MS;

/** `fetchTimeoutMs` as the variables set it: a certificate download, a confirmation's GET. */
const _fetchTimeoutOf = (env: Env): number =>
  envWholeNumber(env, 'MAIL_WEBHOOK_FETCH_TIMEOUT_MS') || DEFAULT_FETCH_TIMEOUT_MS;

/**
 * The longest an answer may take once the body is in: a certificate download and then the
 * delivery (a Notification), or a download and then the confirmation's GET (a
 * SubscriptionConfirmation).
 */
function _answerMs(env: Env): number {
  const fetchMs = _fetchTimeoutOf(env);
  return fetchMs + Math.max(deliveryTimeoutOf(env), fetchMs);
}

/**
 * How long a graceful shutdown waits before closing every connection: time for a request that had
 * begun to arrive whole and be answered (`bodyTimeoutMs`, then a certificate download and the
 * delivery), and a second.
 * Past it, a client stalled in its headers (Node stops its own deadlines once closing; Bun waits
 * for its idle timeout) or in its body (Deno keeps that connection after its 408) is cut off.
 */
export const shutdownGraceOf = (env: Env): number => bodyTimeoutOf(env) + _answerMs(env) + 1000;

// Runtimes that drop idle connections check their timers coarsely (Bun: every few seconds).
const _IDLE_MARGIN_S = 5;

/**
 * Seconds a connection may stay silent before a runtime that drops idle connections (Bun's
 * `idleTimeout`, 10 s by default) does so: past `bodyTimeoutMs` and past the longest wait for an
 * answer, so a stalled body gets its 408 `body-timeout` and a slow sink its 503, not a dropped
 * connection; at most `max` (Bun's largest, 255).
 */
export function idleSecondsFor(env: Env, max = 255): number {
  const longest = Math.max(bodyTimeoutOf(env), _answerMs(env));
  return Math.min(max, Math.ceil(longest / 1000) + _IDLE_MARGIN_S);
}

/**
 * Resolves handler (with the runtime's hooks, and its logger instead of the console's), port and
 * hostname; throws a `ConfigError` naming the variable. `listenFailed` turns the runtime's error
 * when it cannot listen into one that names the address and the variables that set it.
 */
export function _settings(
  options: ServeOptions,
  env: Env,
  runtime?: RuntimeHooks,
  logger?: Logger,
  flush: () => void = () => {},
) {
  // A misspelt `hostname` must not leave the server listening on every interface.
  rejectUnknownKeys(options, ['handler', 'env', 'port', 'hostname', 'gracefulShutdown'], '');
  // An IPv6 address as a URL writes it (`[::1]`) is the address: Node's listen() would look the
  // bracketed text up as a host name, where Deno and Bun take it.
  const { HOST, PORT } = env as EnvVars;
  const host =
    typeof HOST === 'string' && HOST !== '' ? HOST.replace(/^\[(.*)\]$/, '$1') : undefined;
  const port = options.port ?? _port(PORT);
  const hostname = options.hostname ?? host;
  const variables = [
    ...(options.hostname === undefined ? ['HOST'] : []),
    ...(options.port === undefined ? ['PORT'] : []),
  ];
  let handler: FetchHandler;
  try {
    handler =
      options.handler ??
      createHandlerFromEnv(env, {
        openSqlite: openBuiltinSqliteStore,
        ...(runtime ? { runtime } : {}),
        ...(logger ? { logger } : {}),
      });
  } catch (error) {
    // The warnings gathered so far go out before the line saying why start-up failed.
    flush();
    throw error;
  }
  if (!options.handler) {
    // Known names, so not reported as unknown, yet only a Worker reads them: a server with
    // MAIL_WEBHOOK_DLQ_REPLAY=true replays nothing, and should say so.
    for (const variable of ['MAIL_WEBHOOK_QUEUE', ...DLQ_VARIABLES]) {
      if ((env as EnvVars)[variable] !== undefined && (env as EnvVars)[variable] !== '') {
        (logger ?? consoleLogger).warn(
          `variable ${variable} is read only by the Cloudflare Worker (queues); this server ignores it`,
          { variable },
        );
      }
    }
  }
  if (!options.handler && envBoolean(env, 'MAIL_WEBHOOK_ENABLED') !== true) {
    // Off by default, as in the reference: said once at start-up, not only in each 404's body.
    (logger ?? consoleLogger).warn(
      'mail webhooks are disabled: every webhook route answers 404 until MAIL_WEBHOOK_ENABLED=true',
    );
  }
  return {
    handler: withHealthCheck(handler),
    port,
    hostname,
    graceful: options.gracefulShutdown ?? true,
    listenFailed: (error: unknown) => {
      flush();
      return _listenFailed(error, hostname, port, variables);
    },
  };
}

/** `host:port`, an IPv6 host in brackets. */
export const _hostPort = (host: string, port: number): string =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Why a server could not listen (a port in use, a host that does not resolve), naming the
 * address and the variables that set it: Deno's `AddrInUse` and Bun's `EINVAL` name neither.
 */
function _listenFailed(
  error: unknown,
  hostname: string | undefined,
  port: number,
  variables: readonly string[],
): Error {
  const at = hostname === undefined ? `port ${port} of every interface` : _hostPort(hostname, port);
  const set = variables.length > 0 ? ` (${variables.join(', ')})` : '';
  const failure = new Error(`cannot listen on ${at}${set}: ${describeThrown(error)}`);
  failure.name = 'ListenError';
  return failure;
}

/**
 * Offers `text` to `write` once. A closed pipe (Deno's writeSync throws BrokenPipe) loses it: it
 * must neither be kept, nor hold stderr's lines behind stdout's, nor throw into a timer (the
 * process would exit) or into the request whose line filled the buffer.
 */
function _writeOnce(
  write: (text: string, stderr: boolean) => void,
  text: string,
  stderr: boolean,
): void {
  if (text === '') return;
  try {
    write(text, stderr);
  } catch {
    // Nowhere left to say it.
  }
}

/**
 * A JSON-line logger that gathers its lines and writes them once per turn of the event loop
 * (`later`), past 64 KB at once, and on `flush` (the servers call it at a shutdown signal and at
 * exit): writing to a file or a pipe is a synchronous system call per write, and one line per
 * write was the largest item in the Deno server's profile. `write` gets whole lines, each ending
 * in a newline: debug and info for stdout, warn and error for stderr. Each line is offered to
 * `write` once: one that throws drops it.
 */
export function _batchedLogger(
  write: (text: string, stderr: boolean) => void,
  later: (flush: () => void) => void,
  atExit: (flush: () => void) => void,
): { readonly logger: Logger; flush(): void } {
  let out = '';
  let err = '';
  let pending = false;
  let hooked = false;
  const flush = (): void => {
    pending = false;
    const [stdout, stderr] = [out, err];
    out = '';
    err = '';
    _writeOnce(write, stdout, false);
    _writeOnce(write, stderr, true);
  };
  const logger = createJsonLogger((level, line) => {
    if (level === 'debug' || level === 'info') out += `${line}\n`;
    else err += `${line}\n`;
    if (out.length + err.length > 65_536) return flush();
    if (pending) return;
    pending = true;
    later(flush);
    if (!hooked) {
      hooked = true;
      atExit(flush);
    }
  });
  return { logger, flush };
}

/** The `listening` line, after the lines gathered before it (start-up warnings) are written. */
export const _listening =
  (flush: () => void) =>
  (url: string): void => {
    flush();
    consoleLogger.info('listening', { url });
  };

export const _shuttingDown = (signal: string): void =>
  consoleLogger.info('shutting down: no new connections, finishing in-flight requests', { signal });

// `npm run start:*` execs the server, so a signal sent to npm (a container's stop, a test's kill)
// reaches it; but Ctrl-C reaches the whole process group, npm included, and npm forwards its
// copy at once. A copy that soon is the same signal, not the second one that ends the process.
const _ECHO_MS = 100;

/**
 * After `signal` started a shutdown, ignores it for `_ECHO_MS` (Node and Bun, whose next signal
 * would otherwise end the process at once); a signal after that still does.
 */
export function _ignoreEcho(
  signals: {
    on(signal: string, listener: () => void): unknown;
    off(signal: string, listener: () => void): unknown;
  },
  signal: string,
): void {
  const ignore = () => {};
  signals.on(signal, ignore);
  (setTimeout(() => signals.off(signal, ignore), _ECHO_MS) as { unref?(): void }).unref?.();
}

/**
 * Deno's listener for one signal: `fn`, but not again for an echo within `_ECHO_MS` (Deno's
 * listeners stay on, and a later signal is logged again while the drain goes on).
 */
export function _skipEcho(fn: () => void): () => void {
  let until = 0;
  return () => {
    if (Date.now() < until) return;
    until = Date.now() + _ECHO_MS;
    fn();
  };
}

/** Logs why start-up failed as one JSON line (naming the variable for a `ConfigError`). */
export function logStartupFailure(error: unknown): void {
  consoleLogger.error(
    'start-up failed',
    error instanceof ConfigError
      ? { setting: error.setting, error: error.message }
      : { error: describeThrown(error) },
  );
}

/**
 * Runs a packaged server until it closes: exit 0 after a graceful shutdown, 1 (with one JSON line
 * saying why) when it cannot start.
 */
export async function runServer(
  start: () => MailServer,
  exit: (code: number) => never,
): Promise<never> {
  try {
    const server = start();
    await server.ready;
    await server.finished;
    closeBuiltinSqlite();
    return exit(0);
  } catch (error) {
    logStartupFailure(error);
    closeBuiltinSqlite();
    return exit(1);
  }
}
