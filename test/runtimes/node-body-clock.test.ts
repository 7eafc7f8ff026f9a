/**
 * The Node bridge's body clock (`bodyTimeoutMs`): set only for a body still arriving once Node has
 * parsed what came with the headers, not for every request; a body sent later is still bounded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { createMailWebhookHandler, toNodeListener } from '../../src/adapters/node.js';
import { ses } from '../../src/index.js';
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, memoryLogger, snsHeaders } from '../helpers/envelope.js';
import { parseResponse, rawSend } from './raw-http.js';

// The body clock's own timer, told apart from the delivery deadline's and Node's own.
const BODY_MS = 9_999;
const { logger } = memoryLogger();
let server: Server;
let port = 0;

beforeAll(async () => {
  const handler = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    bodyTimeoutMs: BODY_MS,
    logger,
  });
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.restoreAllMocks());

function _head(body: string): string {
  const headers = snsHeaders(JSON.parse(body));
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [
    'POST /webhooks/mail/ses HTTP/1.1',
    'Host: 127.0.0.1',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...lines,
  ].join('\r\n');
}

/** The body clocks set while `send` runs, and whether each was cleared. */
async function clocks(send: () => Promise<string>) {
  const set = vi.spyOn(globalThis, 'setTimeout');
  const clear = vi.spyOn(globalThis, 'clearTimeout');
  const raw = await send();
  const timers = set.mock.calls.flatMap(([, ms], i) =>
    ms === BODY_MS ? [set.mock.results[i]?.value] : [],
  );
  const cleared = new Set(clear.mock.calls.map(([timer]) => timer));
  const response = parseResponse(raw);
  return {
    status: response.status,
    body: await response.json(),
    clocks: timers.length,
    leftRunning: timers.filter((timer) => !cleared.has(timer)).length,
  };
}

test('a body sent with its headers is read without a body clock: 200', async () => {
  const body = JSON.stringify(envelope(bounce));
  const seen = await clocks(() => rawSend(port, `${_head(body)}\r\n\r\n`, body).closed);
  expect(seen).toEqual({
    status: 200,
    body: { ok: true, events: 2 },
    clocks: 0,
    leftRunning: 0,
  });
});

test('a body sent after its headers is timed by one clock, cleared once it is read: 200', async () => {
  const body = JSON.stringify(envelope(bounce));
  const seen = await clocks(async () => {
    const exchange = rawSend(port, `${_head(body)}\r\n\r\n`);
    // The headers alone first: the handler is reading before any of the body comes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    exchange.socket.write(body);
    return exchange.closed;
  });
  expect(seen).toEqual({
    status: 200,
    body: { ok: true, events: 2 },
    clocks: 1,
    leftRunning: 0,
  });
});

test('a body sent with its headers all but its last byte is timed by one clock, cleared once that byte comes: 200', async () => {
  const body = JSON.stringify(envelope(bounce));
  expect(Buffer.byteLength(body)).toBe(body.length);
  const seen = await clocks(async () => {
    const exchange = rawSend(port, `${_head(body)}\r\n\r\n`, body.slice(0, -1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    exchange.socket.write(body.slice(-1));
    return exchange.closed;
  });
  expect(seen).toEqual({
    status: 200,
    body: { ok: true, events: 2 },
    clocks: 1,
    leftRunning: 0,
  });
});
