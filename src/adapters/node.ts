/** Node.js: the packaged server on `node:http`, settings from `process.env`. */
/// <reference types="node" preserve="true" />
import { createServer, type ServerResponse } from 'node:http';
import * as _ from './_server.js';
import { toNodeListener } from './node-bridge.js';

export { createHandlerFromEnv } from '../from-env.js';
export { createMailWebhookHandler, handleMailWebhook } from '../handler.js';
export type { FetchHandler, MailServer, ServeOptions } from './_server.js';
export { withHealthCheck } from './_server.js';
export { sendResponse, toNodeListener, toRequest } from './node-bridge.js';

const _closeAfter = (res: ServerResponse) => {
  if (!res.headersSent) res.setHeader('connection', 'close');
};

/** Starts the packaged Node server; see `ServeOptions`. */
export function serve(options: _.ServeOptions = {}): _.MailServer {
  const { handler, port, hostname, graceful } = _._settings(options, options.env ?? process.env);
  const listener = toNodeListener(handler);
  const inFlight = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    return listener(req, res);
  });
  const finished = new Promise<void>((resolve) => server.once('close', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    server.once('error', reject).listen(port, hostname, () => {
      const at = server.address();
      if (!at || typeof at === 'string') return resolve(`http://localhost:${port}`);
      resolve(`http://${at.address.includes(':') ? `[${at.address}]` : at.address}:${at.port}`);
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
        server.close();
        for (const res of inFlight) _closeAfter(res);
        return finished;
      },
      () => finished,
    );
    return closing;
  };
  const onSignal = (signal: string) => {
    _._shuttingDown(signal);
    close();
  };
  if (graceful) for (const signal of _.SHUTDOWN_SIGNALS) process.once(signal, onSignal);
  finished.then(() => {
    for (const signal of _.SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  });
  ready.then(_._listening, () => {});
  return { ready, close, finished };
}
