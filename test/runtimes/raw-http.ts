/** HTTP/1.1 over a bare TCP socket: for what fetch will not send (a Host of our choosing, a stalled body). */
import { connect, type Socket } from 'node:net';
import type { RawInit } from './http-suite.js';

export interface RawExchange {
  readonly socket: Socket;
  /** Everything received so far, as text. */
  received(): string;
  /** Resolves once the server has closed the connection, with everything it sent. */
  readonly closed: Promise<string>;
}

/** Opens a connection to `127.0.0.1:port` and writes `head` (and `body`, if any) as they are. */
export function rawSend(port: number, head: string, body = ''): RawExchange {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  const closed = new Promise<string>((resolve) => {
    // A reset after the answer (the server closing on unread bytes) is still a close.
    socket.on('error', () => {});
    socket.once('close', () => resolve(text));
  });
  socket.write(head + body);
  return { socket, received: () => text, closed };
}

/**
 * Resolves once the server on `port` has answered a request sent after every connection opened
 * so far: it takes connections in order, so it has taken those (their requests are in flight).
 * A fixed wait instead is too short on a loaded machine, and a signal sent before the server took
 * a request finds nothing in flight.
 */
export async function serverCaughtUp(port: number): Promise<void> {
  await rawSend(port, 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n')
    .closed;
}

/** Waits until `exchange` has received a whole response head, or `ms` passed. */
export async function headReceived(exchange: RawExchange, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (!exchange.received().includes('\r\n\r\n') && Date.now() < deadline) {
    if (exchange.socket.destroyed) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return exchange.received();
}

/** Decodes one raw HTTP/1.1 response (content-length, chunked or read to close) into a `Response`. */
export function parseResponse(raw: string): Response {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head in ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(end + 4);
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = _unchunk(body);
  headers.delete('transfer-encoding');
  const noBody = status === 204 || status === 304 || status < 200;
  return new Response(noBody ? null : Buffer.from(body, 'latin1'), { status, headers });
}

function _unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) return out;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * A fetch whose Host header is exactly `host` (fetch itself always sends the URL's), over a
 * connection closed after the answer.
 */
export async function fetchWithHost(
  port: number,
  path: string,
  host: string,
  init: RawInit = {},
): Promise<Response> {
  const body = init.body ?? '';
  const fields = {
    ...init.headers,
    host,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = `${init.method ?? 'GET'} ${path} HTTP/1.1\r\n${Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return parseResponse(await rawSend(port, head, body).closed);
}
