/** The node:http bridge: IncomingMessage to fetch Request, fetch Response to ServerResponse. */
/// <reference types="node" preserve="true" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { bodyTooLarge, bodyTooSlow, gatherBody } from '../body.js';
import { badRequest, errorResponse, HttpError } from '../errors.js';
import { isSaneHost } from '../route.js';
import type { BodyReader } from '../runtime-hooks.js';
import { resolved } from '../soon-or-race.js';
import type { FetchHandler } from './_server.js';
import { _NodeHeaders } from './node-headers.js';
import { _NodeJsonResponse, nodeJsonAnswer } from './node-response.js';

const DISCARD_MS = 5000;

// Requests whose client waits for `100 Continue` before sending the body (Expect: 100-continue),
// with the response to send it on: sent only when the handler starts reading the body.
const _awaitingContinue = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * For a server's `checkContinue` event: the client's `100 Continue` is sent only once the handler
 * reads the body, so a request refused first (401, 413) never invites the upload.
 * @example server.on('checkContinue', (req, res) => { awaitContinue(req, res); listener(req, res); });
 */
export function awaitContinue(req: IncomingMessage, res: ServerResponse): void {
  _awaitingContinue.set(req, res);
}

// Requests whose body `_readAll` is reading, with how to end that read at once with its 408.
const _reading = new WeakMap<IncomingMessage, () => void>();

/**
 * Ends the read of `req`'s body now with the handler's own 408 `body-timeout` (the server's
 * clock for the whole request ran out first), so the handler answers and logs it, naming the
 * path, as on every runtime. False when the handler is not reading it.
 */
export function timeOutBodyRead(req: IncomingMessage): boolean {
  const end = _reading.get(req);
  end?.();
  return end !== undefined;
}

/** Sends the awaited `100 Continue`, once, as the body starts being read. */
function _continue(req: IncomingMessage): void {
  const res = _awaitingContinue.get(req);
  if (!res) return;
  _awaitingContinue.delete(req);
  if (!res.headersSent) res.writeContinue();
}

/** Whether no more of `req`'s body can come: its client went away, or its 'end' has passed. */
const _gone = (req: IncomingMessage): boolean => req.destroyed || req.readableEnded;

/** The request body as a web stream that pauses the socket while the handler is not reading. */
function _body(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      _continue(req);
      if (_gone(req)) return controller.error(new Error('the request body is gone'));
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

/**
 * The whole body as `readBodyLimited` reads it (413, 408, 400 alike), straight from Node's
 * events: no web stream, and no clock for a body that has already arrived whole.
 */
function _readAll(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array | HttpError> {
  _continue(req);
  return new Promise((resolve) => {
    // Copied into one buffer, never kept chunk by chunk: a body in 1-byte chunks costs its bytes.
    const gathered = gatherBody(limit);
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: Uint8Array | HttpError, discard: boolean) => {
      if (settled) return;
      settled = true;
      _reading.delete(req);
      req.off('data', onData).off('end', onEnd);
      if (timer !== undefined) clearTimeout(timer);
      // Given up (413, 408): the rest is discarded, never buffered.
      if (discard) _discardRest(req);
      resolve(outcome);
    };
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength;
      if (!gathered.add(chunk)) finish(bodyTooLarge(limit), true);
    };
    const onEnd = () => finish(gathered.bytes(), false);
    const unreadable = () =>
      finish(badRequest('body-unreadable', 'request body could not be read'), false);
    // `on`, not `once` (a wrapper made per listener): `finish` runs once, and removes them.
    req.on('data', onData).on('end', onEnd);
    // Left attached: an 'error' nobody listens to would be thrown.
    req.on('error', unreadable);
    // A client gone before the read began (Node then emits no 'error'), or a body already read:
    // nothing more comes, and waiting would hold the request until bodyTimeoutMs for a 408.
    if (_gone(req)) unreadable();
    // Whole and not yet read: 'end' follows the buffered data, nothing to wait for. The handler
    // reads as Node parses the headers, and a body sent with them is all handed over before the
    // next microtask (Node says `complete` only later): the clock is set only for a body whose
    // declared bytes have not all come by then, not for every request.
    else if (!req.complete) {
      // A reaction on a settled promise, not queueMicrotask: Node makes an AsyncResource and a
      // bound function for each of those (250 bytes a request).
      resolved.then(() => {
        const declared = Number(req.headers['content-length']);
        if (settled || req.complete || received + req.readableLength >= declared) return;
        const timedOut = () => finish(bodyTooSlow(timeoutMs), true);
        timer = setTimeout(timedOut, timeoutMs);
        _reading.set(req, timedOut);
      });
    }
  });
}

// What `body` gives once the body was read by `_readBody`: spent, as a read stream would be.
function _spentBody(): ReadableStream<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>();
  stream.cancel().catch(() => {});
  return stream;
}

// Where a request whose Host no URL can hold is put: the core still sees the Host header and refuses it.
const _FALLBACK_ORIGIN = 'http://localhost';
let _lastOrigin = '';

/**
 * The request's own path (and query). An absolute-form target (`POST http://other/x`) gives
 * only its path: the origin comes from the connection, never from what the client wrote.
 */
function _path(target: string | undefined): string {
  if (!target) return '/';
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const scheme = target.indexOf('://');
  // The authority ends at the first `/` or `?`: in `http://other?q=/x` the path is `/`, not `/x`.
  const start = scheme < 0 ? -1 : target.slice(scheme + 3).search(/[/?]/);
  if (start < 0) return '/';
  const rest = target.slice(scheme + 3 + start);
  return rest[0] === '/' ? rest : `/${rest}`;
}

// What a Request has beyond method, url, headers, body and signal: served by a real Request,
// built the first time one of them is used.
const _DELEGATED_METHODS = ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text'];
const _DELEGATED_GETTERS = [
  'bodyUsed',
  'cache',
  'credentials',
  'destination',
  'duplex',
  'integrity',
  'keepalive',
  'mode',
  'redirect',
  'referrer',
  'referrerPolicy',
];

const _READ = Symbol('read');

/**
 * A fetch `Request` over a Node request, built lazily as srvx does: the handler reads method,
 * url, headers and body straight from Node, and no undici `Request` (nor its `AbortSignal`) is
 * made unless something asks for more.
 */
class _NodeRequest {
  readonly #req: IncomingMessage;
  readonly #url: string;
  readonly #signal: () => AbortSignal;
  #headers: Headers | undefined;
  #body: ReadableStream<Uint8Array> | null | typeof _READ | undefined;
  #request: Request | undefined;

  constructor(req: IncomingMessage, url: string, signal: () => AbortSignal) {
    this.#req = req;
    this.#url = url;
    this.#signal = signal;
  }
  get method(): string {
    return this.#req.method ?? 'GET';
  }
  get url(): string {
    return this.#url;
  }
  get headers(): Headers {
    this.#headers ??= new _NodeHeaders(this.#req.rawHeaders) as unknown as Headers;
    return this.#headers;
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#request) return this.#request.body;
    if (this.#body === _READ) this.#body = _spentBody();
    if (this.#body === undefined) {
      const method = this.method;
      this.#body = method === 'GET' || method === 'HEAD' ? null : _body(this.#req);
    }
    return this.#body;
  }
  get signal(): AbortSignal {
    return this.#request ? this.#request.signal : this.#signal();
  }
  /** The whole body read from Node, or undefined once the body stream was handed out. */
  _readBody(limit: number, timeoutMs: number): Promise<Uint8Array | HttpError> | undefined {
    if (this.#request || this.#body !== undefined) return undefined;
    const method = this.method;
    if (method === 'GET' || method === 'HEAD') return undefined;
    this.#body = _READ;
    return _readAll(this.#req, limit, timeoutMs);
  }
  /** The real Request, made once, on the body stream already handed out (if any). */
  _full(): Request {
    this.#request ??= this.#make();
    return this.#request;
  }
  #make(): Request {
    const init = { method: this.method, headers: this.headers, signal: this.#signal() };
    try {
      return new Request(this.#url, { ...init, body: this.body, duplex: 'half' } as never);
    } catch (error) {
      // A body already read (by the handler) is no body a Request takes: spent, as a read one is,
      // so bodyUsed is true and text() rejects, where they threw.
      if (this.#body === null) throw error;
      const request = new Request(this.#url, { ...init, body: '' });
      request.body?.cancel().catch(() => {});
      return request;
    }
  }
}
for (const name of _DELEGATED_METHODS) {
  Object.defineProperty(_NodeRequest.prototype, name, {
    value(this: _NodeRequest, ...args: unknown[]) {
      const request = this._full() as unknown as Record<string, (...a: unknown[]) => unknown>;
      return request[name]?.(...args);
    },
  });
}
for (const name of _DELEGATED_GETTERS) {
  Object.defineProperty(_NodeRequest.prototype, name, {
    get(this: _NodeRequest) {
      return (this._full() as unknown as Record<string, unknown>)[name];
    },
  });
}
// `request instanceof Request` holds, as for the Request it stands for.
Object.setPrototypeOf(_NodeRequest.prototype, Request.prototype);

/**
 * The URL of a Node request: a checked Host (else `localhost`) plus the raw path. A Host such
 * as `evil.example/webhooks/mail/ses?` never becomes part of the path. Throws only on a request
 * target no URL can hold.
 */
function _url(req: IncomingMessage): string {
  const host = req.headers.host;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = _path(req.url);
  const origin = host && isSaneHost(host) ? `${scheme}://${host}` : _FALLBACK_ORIGIN;
  const url = origin + path;
  // Only an origin can stop a URL that has a path from parsing, never the path: the last origin
  // that parsed is remembered, so a run of requests to one Host parses no URL.
  if (origin === _lastOrigin) return url;
  if (URL.canParse(url)) {
    _lastOrigin = origin;
    return url;
  }
  // A host the pattern lets through but a URL cannot hold (port 99999).
  const fallback = _FALLBACK_ORIGIN + path;
  if (URL.canParse(fallback)) return fallback;
  throw new TypeError('the request target is not a URL');
}

/** The `BodyReader` `mailhooks/node` lends the core: its own requests are read from Node. */
export const nodeReadBody: BodyReader = (request, limit, timeoutMs) =>
  request instanceof _NodeRequest ? request._readBody(limit, timeoutMs) : undefined;

const _neverAborted = new AbortController().signal;

/**
 * Turns a Node request into a fetch `Request`; `signal` aborts when the client goes away.
 * Its URL is a checked Host (else `localhost`) plus the raw path; none makes this throw unless
 * the request target itself is no URL.
 */
export function toRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  return new _NodeRequest(req, _url(req), () => signal ?? _neverAborted) as unknown as Request;
}

/** A request whose `signal`, made only if something reads it, aborts when `res` closes. */
function _lazyRequest(req: IncomingMessage, res: ServerResponse): Request {
  let signal: AbortSignal | undefined;
  const lazySignal = () => {
    if (!signal) {
      const controller = new AbortController();
      if (res.closed) controller.abort();
      else res.once('close', () => controller.abort());
      signal = controller.signal;
    }
    return signal;
  };
  return new _NodeRequest(req, _url(req), lazySignal) as unknown as Request;
}

/**
 * Writes a fetch `Response` to a Node response, honouring the client's pace. A JSON answer
 * (every answer of the core) is small and whole: written in one call, with its length, rather
 * than piped through a Node stream made from the web stream.
 */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  if (!_sendJson(res, response)) await _sendOther(res, response);
}

/** Any Response but the core's own JSON answer: its headers as they are, its body as it comes. */
async function _sendOther(res: ServerResponse, response: Response): Promise<void> {
  const headers: string[] = [];
  for (const [name, value] of response.headers) headers.push(name, value);
  if (!response.body) return void res.writeHead(response.status, headers).end();
  if (response.headers.get('content-type')?.startsWith('application/json')) {
    const bytes = Buffer.from(await response.arrayBuffer());
    headers.push('content-length', String(bytes.byteLength));
    return void res.writeHead(response.status, headers).end(bytes);
  }
  res.writeHead(response.status, headers);
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res);
}

/** Writes the core's own JSON answer in one call, with its length; false for any other Response. */
function _sendJson(res: ServerResponse, response: Response): boolean {
  const raw = response instanceof _NodeJsonResponse ? response._raw() : undefined;
  if (!raw) return false;
  const length = String(Buffer.byteLength(raw.json));
  res.writeHead(response.status, raw.headers.concat('content-length', length)).end(raw.json);
  return true;
}

/** A `node:http` request listener running a fetch handler: `createServer(toNodeListener(h))`. */
export function toNodeListener(handler: FetchHandler) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let response: Response;
    try {
      // _lazyRequest throws only on a request target no URL can hold (400).
      const request = _lazyRequest(req, res);
      try {
        response = await handler(request);
      } catch {
        // The handler never should throw (500).
        response = _refuse(500, 'internal-error', 'internal error; see the logs');
      }
    } catch {
      response = _refuse(400, 'bad-request', 'the request target is malformed');
    }
    if (_awaitingContinue.delete(req)) {
      // Answered without asking for the body: the client never sends it, so nothing can follow
      // on this connection.
      res.shouldKeepAlive = false;
    } else if (!req.complete) _discardRest(req);
    // The core's JSON answer is written here and now: no promise for what is one call.
    try {
      if (_sendJson(res, response)) return;
    } catch {
      return void res.destroy();
    }
    await _sendOther(res, response).catch(() => res.destroy());
  };
}

/**
 * A body the handler left unread (413) is discarded, never buffered: closing at once would reset
 * a client still sending, which then never reads the answer. A client still sending after a few
 * seconds is cut off.
 */
function _discardRest(req: IncomingMessage): void {
  req.removeAllListeners('data').resume();
  // Closed already: no 'close' would come to clear the timer, which kept the request 5 s.
  if (req.destroyed) return;
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS);
  req.once('close', () => clearTimeout(timer));
}

const _refuse = (status: number, reason: string, message: string) =>
  errorResponse(new HttpError(status, reason, message), nodeJsonAnswer);
