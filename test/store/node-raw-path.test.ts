/**
 * The store's routes through `mailhooks/node`, whose request keeps the raw path: a dot segment
 * there routes as it does on Bun, Deno and Workers (whose Request resolves it) and on the
 * provider routes, not a 404 on Node alone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMailWebhookHandler, toNodeListener } from '../../src/adapters/node.js';
import { ses } from '../../src/index.js';
import { memoryLogger } from '../helpers/envelope.js';
import { parseResponse, rawSend } from '../runtimes/raw-http.js';
import { fakeStore } from './fake-store.js';

const TOKEN = 'raw-path-token';
const fake = fakeStore();
let server: Server;
let port = 0;

beforeAll(async () => {
  const handler = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    store: fake.store,
    apiToken: TOKEN,
    logger: memoryLogger().logger,
  });
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string) {
  const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`;
  const response = parseResponse(await rawSend(port, head).closed);
  return [response.status, await response.json()];
}

test.each([
  ['/webhooks/mail/./events', [200, { events: [] }]],
  ['/webhooks/mail/x/../events?limit=5', [200, { events: [] }]],
  ['/webhooks/./mail/suppressions/jane@example.com', [200, { suppressed: false }]],
])('GET %s with the token: %j, as on every runtime', async (path, expected) => {
  expect(await get(path)).toEqual(expected);
});

test('the query still comes from the raw URL: limit=5 reached the store', async () => {
  fake.calls.length = 0;
  await get('/webhooks/mail/x/../events?limit=5');
  expect(fake.calls).toEqual([`events ${JSON.stringify({ limit: 5 })}`]);
});
