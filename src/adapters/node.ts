/** Node.js: the packaged server on `node:http`, settings from `process.env`. */
/// <reference types="node" preserve="true" />
import { createServer, type ServerResponse } from 'node:http';
import { type MailWebhookOptions, resolveProgramOptions } from '../config.js';
import { createHandlerFromEnv as _fromEnv, type Env, type FromEnvContext } from '../from-env.js';
import { createHandlerWithRuntime, handlerPerOptions } from '../handler.js';
import type { RuntimeHooks } from '../runtime-hooks.js';
import * as _ from './_server.js';
import { awaitContinue, nodeReadBody, toNodeListener } from './node-bridge.js';
import { nodeVerifyRsa } from './node-crypto.js';
import { nodeJsonAnswer } from './node-response.js';
import { boundRequestTime, checkingIntervalOf } from './node-timeouts.js';

export type { FetchHandler, MailServer, ServeOptions } from './_server.js';
export { withHealthCheck } from './_server.js';
export { awaitContinue, sendResponse, toNodeListener, toRequest } from './node-bridge.js';

// SNS signatures checked with node:crypto (a parsed key, verified synchronously), not crypto.subtle;
// bodies read from Node's own events and JSON answers written without web streams.
const _RUNTIME: RuntimeHooks = {
  verifyRsa: nodeVerifyRsa,
  readBody: nodeReadBody,
  jsonAnswer: nodeJsonAnswer,
};

/**
 * `createMailWebhookHandler` as in the root export, with SNS signatures verified by `node:crypto`:
 * the fast path on Node.
 */
export function createMailWebhookHandler(
  options?: MailWebhookOptions,
): (request: Request) => Promise<Response> {
  return createHandlerWithRuntime(resolveProgramOptions(options), _RUNTIME);
}

/** `handleMailWebhook` as in the root export, on the `node:crypto` fast path. */
export const handleMailWebhook: (
  request: Request,
  options?: MailWebhookOptions,
) => Promise<Response> = handlerPerOptions(createMailWebhookHandler);

/** `createHandlerFromEnv` from `mailhooks/env`, on the `node:crypto` fast path. */
export function createHandlerFromEnv(
  env: Env,
  context: FromEnvContext = {},
): (request: Request) => Promise<Response> {
  return _fromEnv(env, { ...context, runtime: { ..._RUNTIME, ...context.runtime } });
}

/**
 * Writes `text` to `stream`. A pipe whose reader has gone (EPIPE) is an 'error' event on it, which
 * unheard ends the process: heard, the lines are lost and the server goes on, as on Deno and Bun.
 */
function _write(stream: NodeJS.WriteStream, text: string): void {
  if (stream.listenerCount('error') === 0) stream.on('error', () => {});
  stream.write(text);
}

// The console's JSON lines, written straight to the streams (console.log formats its argument
// again and costs several times the write), gathered per turn of the event loop.
const { logger: _logger, flush: _flushLines } = _._batchedLogger(
  (text, stderr) => _write(stderr ? process.stderr : process.stdout, text),
  setImmediate,
  (flush) => process.once('exit', flush),
);

const _closeAfter = (res: ServerResponse) => {
  if (!res.headersSent) res.setHeader('connection', 'close');
};

/** Starts the packaged Node server; see `ServeOptions`. */
export function serve(options: _.ServeOptions = {}): _.MailServer {
  const { handler, port, hostname, graceful, listenFailed } = _._settings(
    options,
    options.env ?? process.env,
    _RUNTIME,
    _logger,
    _flushLines,
  );
  const listener = toNodeListener(handler);
  const inFlight = new Set<ServerResponse>();
  const env = options.env ?? process.env;
  const timeoutMs = _.bodyTimeoutOf(env);
  let shuttingDown = false;
  // One listener for every response ('close' comes once, with the response as `this`): no
  // closure nor once-wrapper made per request.
  function forget(this: ServerResponse) {
    inFlight.delete(this);
  }
  const server = createServer(
    { connectionsCheckingInterval: checkingIntervalOf(timeoutMs) },
    (req, res) => {
      // A keep-alive client may still send a request after the signal: answered, then closed.
      if (shuttingDown) _closeAfter(res);
      inFlight.add(res);
      res.on('close', forget);
      return listener(req, res);
    },
  );
  // 100 Continue only once the handler reads the body (a 401 or 413 never invites the upload).
  server.on('checkContinue', (req, res) => {
    awaitContinue(req, res);
    server.emit('request', req, res);
  });
  boundRequestTime(server, timeoutMs, _logger);
  const finished = new Promise<void>((resolve) => server.once('close', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    server
      .once('error', (error) => reject(listenFailed(error)))
      .listen(port, hostname, () => {
        const at = server.address();
        if (!at || typeof at === 'string') return resolve(`http://localhost:${port}`);
        resolve(`http://${_._hostPort(at.address, at.port)}`);
      });
  });
  // A server that never listened emits 'close' only when asked: a failed start finishes too.
  ready.catch(() => server.close());
  let closing: Promise<void> | undefined;
  const close = () => {
    // listen() may still be looking the host up; closing then would leave it to listen after.
    // So wait until it listens (or fails), as srvx does: close() always settles.
    closing ??= ready.then(
      () => {
        // server.close() drops idle keep-alive connections; busy ones close after their answer.
        shuttingDown = true;
        server.close();
        for (const res of inFlight) _closeAfter(res);
        // Closing also stops Node's own request deadlines, so a client stalled mid-headers would
        // hold the server open for ever: past the grace, every connection is closed.
        const grace = setTimeout(() => server.closeAllConnections(), _.shutdownGraceOf(env));
        grace.unref();
        finished.then(() => clearTimeout(grace));
        return finished;
      },
      () => finished,
    );
    return closing;
  };
  const onSignal = (signal: string) => {
    _flushLines();
    _._shuttingDown(signal);
    _._ignoreEcho(process, signal);
    close();
  };
  if (graceful) for (const signal of _.SHUTDOWN_SIGNALS) process.once(signal, onSignal);
  finished.then(() => {
    for (const signal of _.SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  });
  // A failed listen: the lines gathered before go out before runServer's line saying why.
  ready.then(_._listening(_flushLines), _flushLines);
  return { ready, close, finished };
}
