/** The Node server's clock for a whole request: headers and body within `bodyTimeoutMs` of its first byte. */
/// <reference types="node" preserve="true" />
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { bodyTooSlow } from '../body.js';
import { badRequest, errorJson, HttpError, methodNotAllowed } from '../errors.js';
import { logRefusal } from '../handler.js';
import type { Logger } from '../log.js';
import { timeOutBodyRead } from './node-bridge.js';

/** How often Node looks for requests past their time: often enough to keep the clock within a second. */
export const checkingIntervalOf = (timeoutMs: number): number =>
  Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4)));

function _answer(socket: Duplex, status: string, json: string, fields = ''): void {
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${fields}connection: close\r\n\r\n${json}`,
  );
}

const _CONNECT_REFUSED = methodNotAllowed('CONNECT', 'POST');

// Node's own answers to what its parser refuses, logged as the handler's refusals are.
const _HEADERS_TOO_LARGE = new HttpError(
  431,
  'headers-too-large',
  "request headers are larger than Node's --max-http-header-size (16 KB by default)",
);
const _NOT_HTTP = badRequest('malformed-request', 'Node could not parse the request as HTTP/1.1');

/**
 * Whether the request on `socket` has had an answer begin: the response in flight has sent its
 * head, or it was sent whole before the request's body came (Node still reads that body, with no
 * response in flight). Not the socket's bytesWritten: that counts the answers a kept-alive
 * connection gave earlier requests, whose successors are owed their own 408, 431 or 400.
 */
function _answered(socket: Duplex): boolean {
  const { _httpMessage: res, parser } = socket as {
    _httpMessage?: { headersSent: boolean } | null;
    parser?: { incoming?: unknown } | null;
  };
  return res ? res.headersSent : Boolean(parser?.incoming);
}

/**
 * Bounds the whole request, headers included, by `timeoutMs` from its first byte (Node's
 * `headersTimeout` and `requestTimeout`; the handler's own body clock starts later, when it reads
 * the body). A request past it gets the handler's 408 `body-timeout` JSON and the connection is
 * closed; other malformed requests get Node's own 400 or 431, as without this listener. The
 * answers made here are logged through `logger`, as the handler logs its own refusals.
 */
export function boundRequestTime(server: Server, timeoutMs: number, logger: Logger): void {
  server.headersTimeout = timeoutMs;
  server.requestTimeout = timeoutMs;
  // CONNECT goes to its own event, and unheard the socket is dropped without a word: a 405, in
  // the JSON every other refusal has.
  const connectJson = errorJson(_CONNECT_REFUSED);
  server.on('connect', (request: { url?: string }, socket: Duplex) => {
    logRefusal(logger, _CONNECT_REFUSED, {
      path: String(request.url),
      method: 'CONNECT',
    });
    _answer(socket, '405 Method Not Allowed', connectJson, 'allow: POST\r\n');
  });
  // The handler's own 408, as the Node socket writes it (no Response to write here).
  const timedOut = bodyTooSlow(timeoutMs);
  const timedOutJson = errorJson(timedOut);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Bytes after a request that closes the connection (`Connection: close`, HTTP/1.0): that
    // request is still being answered, and the connection closes after it; the bytes are not a
    // request (RFC 9112, 9.6). Answering 400 here would take the place of its answer.
    if (error.code === 'HPE_CLOSED_CONNECTION') return;
    // This request was answered, or its answer has begun: nothing more can be said. Close.
    if (!socket.writable || _answered(socket)) {
      socket.destroy();
      return;
    }
    const pending = (socket as { _httpMessage?: { req?: IncomingMessage } })._httpMessage?.req;
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // A request whose body the handler is reading: its read ends now, and the handler answers
      // and logs the 408 once, naming the path (answered here too, it was logged twice: this
      // line, then the handler's 400 body-unreadable as the connection closed under its read).
      if (pending && timeOutBodyRead(pending)) return;
      // Node read no request line yet, or could not: these lines name no path.
      logRefusal(logger, timedOut, {});
      _answer(socket, '408 Request Timeout', timedOutJson);
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      logRefusal(logger, _HEADERS_TOO_LARGE, {});
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    } else {
      // The body of the request in flight broke off (its client went away, a bad chunk): the
      // handler's read of it fails, and the handler logs that refusal once, naming the path.
      if (!pending || pending.complete) {
        logRefusal(logger, _NOT_HTTP, { error: String(error.code ?? error.message) });
      }
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
  });
}
