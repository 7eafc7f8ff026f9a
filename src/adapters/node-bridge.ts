/** The node:http bridge: IncomingMessage to fetch Request, fetch Response to ServerResponse. */
/// <reference types="node" preserve="true" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { errorResponse, HttpError } from '../errors.js';
import { isSaneHost } from '../route.js';
import type { FetchHandler } from './_server.js';

const DISCARD_MS = 5000;

/** The request body as a web stream that pauses the socket while the handler is not reading. */
function _body(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => {
        if (open) controller.close();
      });
      req.once('error', (error) => {
        if (open) controller.error(error);
      });
    },
    pull: () => void req.resume(),
    // The handler gave up (413): nothing more is buffered.
    cancel: () => {
      open = false;
      _discardRest(req);
    },
  });
}

// Where a request whose Host no URL can hold is put: the core still sees the Host header and refuses it.
const _FALLBACK_ORIGIN = 'http://localhost';

/**
 * The request's own path (and query). An absolute-form target (`POST http://other/x`) gives
 * only its path: the origin comes from the connection, never from what the client wrote.
 */
function _path(target: string | undefined): string {
  if (!target) return '/';
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const scheme = target.indexOf('://');
  const start = scheme < 0 ? -1 : target.indexOf('/', scheme + 3);
  return start < 0 ? '/' : target.slice(start);
}

/**
 * Turns a Node request into a fetch `Request`; `signal` aborts when the client goes away.
 * Its URL is a checked Host (else `localhost`) plus the raw path: a Host such as
 * `evil.example/webhooks/mail/ses?` never becomes part of the path, and none makes this throw.
 */
export function toRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const host = req.headers.host;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const origin = host && isSaneHost(host) ? `${scheme}://${host}` : _FALLBACK_ORIGIN;
  const path = _path(req.url);
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : _body(req);
  const init = { method: req.method, headers, body, signal, duplex: 'half' } as never;
  try {
    return new Request(origin + path, init);
  } catch {
    // A host the pattern lets through but a URL cannot hold (port 99999).
    return new Request(_FALLBACK_ORIGIN + path, init);
  }
}

/** Writes a fetch `Response` to a Node response, honouring the client's pace. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  for (const [name, value] of response.headers) res.appendHeader(name, value);
  res.writeHead(response.status);
  if (!response.body) return void res.end();
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res);
}

/** A `node:http` request listener running a fetch handler: `createServer(toNodeListener(h))`. */
export function toNodeListener(handler: FetchHandler) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const aborted = new AbortController();
    res.once('close', () => aborted.abort());
    // toRequest throws only on a request target no URL can hold (400); the handler never should (500).
    const response = await Promise.resolve()
      .then(() => toRequest(req, aborted.signal))
      .then(handler, () => _refuse(400, 'bad-request', 'the request target is malformed'))
      .catch(() => _refuse(500, 'internal-error', 'internal error; see the logs'));
    if (!req.complete) _discardRest(req);
    await sendResponse(res, response).catch(() => res.destroy());
  };
}

/**
 * A body the handler left unread (413) is discarded, never buffered: closing at once would reset
 * a client still sending, which then never reads the answer. A client still sending after a few
 * seconds is cut off.
 */
function _discardRest(req: IncomingMessage): void {
  req.removeAllListeners('data').resume();
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS);
  req.once('close', () => clearTimeout(timer));
}

const _refuse = (status: number, reason: string, message: string) =>
  errorResponse(new HttpError(status, reason, message));
