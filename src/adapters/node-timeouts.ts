/** The Node server's clock for a whole request: headers and body within `bodyTimeoutMs` of its first byte. */
/// <reference types="node" preserve="true" />
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { bodyTooSlow } from '../body.js';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_DELIVERY_TIMEOUT_MS } from '../config.js';
import { type Env, envWholeNumber } from '../env-values.js';
import { errorJson } from '../errors.js';

/** `MAIL_WEBHOOK_BODY_TIMEOUT_MS` as the handler reads it, or the handler's default. */
export const bodyTimeoutOf = (env: Env): number =>
  envWholeNumber(env, 'MAIL_WEBHOOK_BODY_TIMEOUT_MS') || DEFAULT_BODY_TIMEOUT_MS;

/**
 * How long a graceful shutdown waits before closing every connection: time for a request that had
 * begun to arrive whole and be delivered (`bodyTimeoutMs` + `deliveryTimeoutMs`), and a second.
 * Node stops enforcing its own request deadlines once the server is closing, so this is the bound.
 */
export const shutdownGraceOf = (env: Env, bodyTimeoutMs: number): number =>
  bodyTimeoutMs +
  (envWholeNumber(env, 'MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS') || DEFAULT_DELIVERY_TIMEOUT_MS) +
  1000;

/** How often Node looks for requests past their time: often enough to keep the clock within a second. */
export const checkingIntervalOf = (timeoutMs: number): number =>
  Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4)));

function _answer(socket: Duplex, status: string, json: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
  );
}

/**
 * Bounds the whole request, headers included, by `timeoutMs` from its first byte (Node's
 * `headersTimeout` and `requestTimeout`; the handler's own body clock starts later, when it reads
 * the body). A request past it gets the handler's 408 `body-timeout` JSON and the connection is
 * closed; other malformed requests get Node's own 400 or 431, as without this listener.
 */
export function boundRequestTime(server: Server, timeoutMs: number): void {
  server.headersTimeout = timeoutMs;
  server.requestTimeout = timeoutMs;
  // CONNECT goes to its own event, and unheard the socket is dropped without a word: a 405.
  server.on('connect', (_request, socket: Duplex) =>
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nallow: POST\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    ),
  );
  // The handler's own 408, as the Node socket writes it (no Response to write here).
  const timedOutJson = errorJson(bodyTooSlow(timeoutMs));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Past the first byte of an answer nothing can be said any more: close.
    if (!socket.writable || (socket as { bytesWritten?: number }).bytesWritten) {
      socket.destroy();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      _answer(socket, '408 Request Timeout', timedOutJson);
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    } else {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
  });
}
