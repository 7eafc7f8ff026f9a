/** Bun: `Bun.serve` runs the fetch handler as is; settings from `process.env`. */
import { readDeclaredLengthShared } from '../body.js';
import type { RuntimeHooks } from '../runtime-hooks.js';
import * as _ from './_server.js';

export { createHandlerFromEnv } from '../from-env.js';
export { createMailWebhookHandler, handleMailWebhook } from '../handler.js';
export type { FetchHandler, MailServer, ServeOptions } from './_server.js';
export { withHealthCheck } from './_server.js';

// Only what this file uses: no dependency on bun-types.
interface _BunServer {
  /** This request's own idle timeout; 0 turns it off. */
  timeout(request: Request, seconds: number): void;
}

declare const Bun: {
  serve(options: {
    port?: number;
    hostname?: string;
    idleTimeout?: number;
    maxRequestBodySize?: number;
    fetch: (request: Request, server: _BunServer) => Response | Promise<Response>;
  }): {
    readonly url: URL;
    /** Where it listens: `::` for every interface, where `url` says localhost. */
    readonly address?: { readonly address: string; readonly port: number };
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};
declare const process: {
  env: Record<string, string | undefined>;
  once(event: string, listener: (signal: string) => void): void;
  on(event: string, listener: () => void): void;
  off(signal: string, listener: (signal: string) => void): void;
};

// Bun's request.body is a stream made on demand around its native body: reading the declared
// length whole is several times cheaper.
const _RUNTIME: RuntimeHooks = { readBody: readDeclaredLengthShared };

// The event lines, gathered and written once per turn of the event loop (one console call for
// many lines: Bun's console is flushed at exit, where a process.stdout.write to a pipe may be
// lost); the rest at a signal and at exit.
const { logger: _logger, flush: _flushLines } = _._batchedLogger(
  (text, stderr) => (stderr ? console.error : console.log)(text.slice(0, -1)),
  (flush) => setTimeout(flush, 0),
  (flush) => process.once('exit', flush),
);

/** Starts the packaged Bun server; see `ServeOptions`. */
export function serve(options: _.ServeOptions = {}): _.MailServer {
  const env = options.env ?? process.env;
  const { handler, port, hostname, graceful, listenFailed } = _._settings(
    options,
    env,
    _RUNTIME,
    _logger,
    _flushLines,
  );
  // Bun drops a connection silent for 10 s by default: before the 30 s body deadline's 408.
  const idleTimeout = _.idleSecondsFor(env);
  // Past Bun's largest idleTimeout (255 s), a request's own timeout is turned off once its headers
  // are in: its deadlines then end it (the 408, the 503), not Bun dropping the connection.
  const fetch =
    _.idleSecondsFor(env, Number.POSITIVE_INFINITY) > idleTimeout
      ? (request: Request, bun: _BunServer) => {
          bun.timeout(request, 0);
          return handler(request);
        }
      : handler;
  let server: ReturnType<typeof Bun.serve>;
  try {
    // Bun drops a request declaring more than its own 128 MiB unanswered; the handler's 413 says
    // why, without reading it (Bun then discards what the client still sends, as under the limit).
    server = Bun.serve({
      port,
      hostname,
      idleTimeout,
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch,
    });
  } catch (error) {
    throw listenFailed(error);
  }
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let closing: Promise<void> | undefined;
  // stop(false) stops accepting and resolves once in-flight requests are answered; it also waits
  // for a client stalled in its headers until Bun's idleTimeout drops it: past the grace,
  // stop(true) closes every connection.
  const close = () => {
    if (closing) return closing;
    const grace = setTimeout(() => server.stop(true), _.shutdownGraceOf(env));
    closing = server.stop(false).then(() => {
      clearTimeout(grace);
      for (const signal of _.SHUTDOWN_SIGNALS) process.off(signal, onSignal);
      _flushLines();
      finish();
    });
    return closing;
  };
  const onSignal = (signal: string) => {
    _flushLines();
    _._shuttingDown(signal);
    _._ignoreEcho(process, signal);
    close();
  };
  if (graceful) for (const signal of _.SHUTDOWN_SIGNALS) process.once(signal, onSignal);
  // The address it listens on, as the Node and Deno servers say it: Bun's own url names
  // localhost for every interface, which would pass an exposed server off as a loopback one.
  const at = server.address;
  const ready = Promise.resolve(
    at ? `http://${_._hostPort(at.address, at.port)}` : server.url.href.replace(/\/$/, ''),
  );
  ready.then(_._listening(_flushLines));
  return { ready, close, finished };
}
