/** What the packaged servers share: listen settings, the health check and the start-up failure line. */
import type { Env } from '../env-values.js';
import { ConfigError, describeThrown } from '../errors.js';
import { createHandlerFromEnv } from '../from-env.js';
import { type FetchHandler, withHealthCheck } from '../health.js';
import { consoleLogger, type Logger } from '../log.js';
import type { RuntimeHooks } from '../runtime-hooks.js';
import { openBuiltinSqlite } from './_sqlite.js';

export { type FetchHandler, withHealthCheck } from '../health.js';

export interface ServeOptions {
  /** Default: `createHandlerFromEnv(env)`, which reads the `MAIL_WEBHOOK_*` variables. */
  readonly handler?: FetchHandler;
  /** Default: the process environment. */
  readonly env?: Env;
  /** Default: `PORT`, else 8787. 0 picks a free port. */
  readonly port?: number;
  /** Default: `HOST`, else every interface. */
  readonly hostname?: string;
  /** Close gracefully on SIGTERM and SIGINT. Default true. */
  readonly gracefulShutdown?: boolean;
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

/**
 * Resolves handler (with the runtime's hooks, and its logger instead of the console's), port and
 * hostname; throws a `ConfigError` naming the variable.
 */
export function _settings(
  options: ServeOptions,
  env: Env,
  runtime?: RuntimeHooks,
  logger?: Logger,
) {
  const host = typeof env.HOST === 'string' && env.HOST !== '' ? env.HOST : undefined;
  return {
    handler: withHealthCheck(
      options.handler ??
        createHandlerFromEnv(env, {
          openSqlite: openBuiltinSqlite,
          ...(runtime ? { runtime } : {}),
          ...(logger ? { logger } : {}),
        }),
    ),
    port: options.port ?? _port(env.PORT),
    hostname: options.hostname ?? host,
    graceful: options.gracefulShutdown ?? true,
  };
}

export const _listening = (url: string): void => consoleLogger.info('listening', { url });

export const _shuttingDown = (signal: string): void =>
  consoleLogger.info('shutting down: no new connections, finishing in-flight requests', { signal });

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
    return exit(0);
  } catch (error) {
    logStartupFailure(error);
    return exit(1);
  }
}
