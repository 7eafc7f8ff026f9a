/** Deno: `Deno.serve` runs the fetch handler as is; settings from `Deno.env`. */
import { readDeclaredLengthDeno } from '../body.js';
import { describeThrown, errorResponse, HttpError } from '../errors.js';
import { logRefusal } from '../handler.js';
import { pathnameOf } from '../route.js';
import type { RuntimeHooks } from '../runtime-hooks.js';
import * as _ from './_server.js';

export { createHandlerFromEnv } from '../from-env.js';
export { createMailWebhookHandler, handleMailWebhook } from '../handler.js';
export type { FetchHandler, MailServer, ServeOptions } from './_server.js';
export { withHealthCheck } from './_server.js';

type Signal = (typeof _.SHUTDOWN_SIGNALS)[number];

const _DRAINING = new HttpError(503, 'shutting-down', 'server is shutting down; retry', {
  connection: 'close',
  'retry-after': '1',
});

// Only what this file uses: no dependency on Deno's own type package.
declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    options: {
      port?: number;
      hostname?: string;
      onListen?: (address: { hostname: string; port: number }) => void;
    },
    handler: _.FetchHandler,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  stdout: { writeSync(bytes: Uint8Array): number };
  stderr: { writeSync(bytes: Uint8Array): number };
  addSignalListener(signal: Signal, listener: () => void): void;
  removeSignalListener(signal: Signal, listener: () => void): void;
};

// Reading a declared Content-Length whole (arrayBuffer) costs a fraction of Deno's body stream.
const _RUNTIME: RuntimeHooks = { readBody: readDeclaredLengthDeno };

const _encoder = new TextEncoder();

const _RELISTEN_MS = 1000;

// The event lines, gathered and written once per turn of the event loop (setImmediate: Deno's
// setTimeout(0) costs ~100 µs of CPU a call, a timer and a wake-up), straight to the streams
// (writeSync may write part of its bytes: the rest follows); the rest at a signal and at exit.
const { logger: _logger, flush: _flushLines } = _._batchedLogger(
  (text, stderr) => {
    const stream = stderr ? Deno.stderr : Deno.stdout;
    const bytes = _encoder.encode(text);
    for (let at = 0; at < bytes.length; ) at += stream.writeSync(bytes.subarray(at));
  },
  (flush) => setImmediate(flush),
  (flush) => globalThis.addEventListener('unload', flush),
);

/** Starts the packaged Deno server (`--allow-net --allow-env`); see `ServeOptions`. */
export function serve(options: _.ServeOptions = {}): _.MailServer {
  const env = options.env ?? Deno.env.toObject();
  const { handler, port, hostname, graceful, listenFailed } = _._settings(
    options,
    env,
    _RUNTIME,
    _logger,
    _flushLines,
  );
  let listening: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    listening = resolve;
  });
  let inFlight = 0;
  let drained: () => void = () => {};
  let closing: Promise<void> | undefined;
  // Where it listens once it does (PORT=0 picks a port): where it listens again, if it must.
  let at = { host: hostname ?? '::', port };
  const listen = (host: string) =>
    Deno.serve(
      {
        port: at.port,
        hostname: host,
        onListen: ({ hostname: address, port: bound }) => {
          at = { host, port: bound };
          listening(`http://${_._hostPort(address, bound)}`);
        },
      },
      async (request) => {
        if (closing) {
          logRefusal(_logger, _DRAINING, { path: pathnameOf(request.url), method: request.method });
          return errorResponse(_DRAINING);
        }
        inFlight++;
        try {
          return await handler(request);
        } finally {
          if (--inFlight === 0) drained();
        }
      },
    );
  let server: ReturnType<typeof Deno.serve>;
  try {
    // Without HOST, every interface as Node and Bun take it: `::`, IPv6 and IPv4 both (Deno's own
    // default, 0.0.0.0, is IPv4 alone); 0.0.0.0 on a host without IPv6.
    try {
      server = listen(hostname ?? '::');
    } catch (error) {
      if (hostname !== undefined || (error as Error).name === 'AddrInUse') throw error;
      server = listen('0.0.0.0');
    }
  } catch (error) {
    throw listenFailed(error);
  }
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // Deno's accept loop ends at the first accept that fails (too many open files: clients holding
  // every descriptor) and releases the port, and its `finished` rejects, which ended the process.
  // Node and Bun go on accepting once descriptors free up: here the server listens again.
  const watch = (current: typeof server) =>
    current.finished.then(finish, (error) => {
      if (closing) return finish();
      _logger.error('stopped accepting connections; listening again', {
        error: describeThrown(error),
      });
      relisten();
    });
  function relisten(): void {
    setTimeout(() => {
      if (closing) return finish();
      try {
        server = listen(at.host);
        watch(server);
      } catch {
        relisten();
      }
    }, _RELISTEN_MS);
  }
  watch(server);
  // Deno 2.9's shutdown() breaks the bodies of in-flight requests (seen in our tests), so the
  // server answers 503 (SNS retries) until they are done, and only then shuts down. Deno keeps a
  // connection whose body stalled after its 408, and shutdown() waits for it: past the grace the
  // server counts as closed, and the packaged server's exit ends that connection.
  const close = () => {
    if (closing) return closing;
    const grace = setTimeout(finish, _.shutdownGraceOf(env));
    finished.then(() => clearTimeout(grace));
    closing = Promise.race([
      finished,
      new Promise<void>((resolve) => {
        drained = resolve;
        if (inFlight === 0) resolve();
      }).then(() =>
        server.shutdown().then(
          () => finished,
          () => finished,
        ),
      ),
    ]);
    return closing;
  };
  const listeners = _.SHUTDOWN_SIGNALS.map((signal) => {
    const listener = _._skipEcho(() => {
      _flushLines();
      _._shuttingDown(signal);
      close();
    });
    if (graceful) Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  // A signal listener keeps Deno alive: remove them so the process can end once the server has,
  // a turn later: the packaged server closes its SQLite file first, and npm's copy of a Ctrl-C
  // arriving meanwhile would end Deno (no listener left) before the file was closed.
  finished.then(() => {
    _flushLines();
    if (graceful)
      setTimeout(() => {
        for (const [signal, fn] of listeners) Deno.removeSignalListener(signal, fn);
      });
  });
  ready.then(_._listening(_flushLines));
  return { ready, close, finished };
}
