/** `mailhooks/node`'s answers: a JSON Response kept as plain values, read as a real one would be. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  sendResponse,
  toNodeListener,
  toRequest,
} from '../../src/adapters/node.js';
import { createMailWebhookHandler as createCoreHandler, EventBus, ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import deliveryEvent from '../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };
import { envelope, snsHeaders } from '../helpers/envelope.js';
import { rawSend } from './raw-http.js';

const options = () => ({
  sinks: [new EventBus()],
  logger: silentLogger,
  providers: [ses({ verifySignature: false })],
});
const handler = createMailWebhookHandler(options());
// The core handler answers the same request with a real undici Response: the reference.
const core = createCoreHandler(options());

/** mailhooks/node's 404 (a JSON refusal), and the text of the core's real Response for it. */
async function answer(): Promise<{ response: Response; text: string }> {
  const request = () => new Request('http://localhost/nowhere', { method: 'POST' });
  const response = await handler(request());
  const reference = await core(request());
  expect(reference.constructor).toBe(Response);
  expect(response.constructor).not.toBe(Response); // the fast answer, not a real one
  return { response, text: await reference.text() };
}

test('is a Response with the status, JSON content type and body of the refusal', async () => {
  const { response, text } = await answer();
  expect(response).toBeInstanceOf(Response);
  expect(response.status).toBe(404);
  expect(response.ok).toBe(false);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(JSON.parse(text)).toMatchObject({ ok: false, error: 'not-found' });
});

test('text, json, bytes and arrayBuffer each read the same body', async () => {
  const { text } = await answer();
  const bytes = new TextEncoder().encode(text);
  expect(await (await answer()).response.text()).toBe(text);
  expect(await (await answer()).response.json()).toEqual(JSON.parse(text));
  expect(await (await answer()).response.bytes()).toEqual(bytes);
  const buffer = await (await answer()).response.arrayBuffer();
  expect(buffer).toBeInstanceOf(ArrayBuffer);
  expect(new Uint8Array(buffer)).toEqual(bytes);
});

test('a body is read once: the second read rejects with a TypeError, as on a real Response', async () => {
  for (const [first, second] of [
    ['text', 'json'],
    ['json', 'arrayBuffer'],
    ['arrayBuffer', 'bytes'],
    ['bytes', 'text'],
  ] as const) {
    const { response } = await answer();
    expect(response.bodyUsed).toBe(false);
    await response[first]();
    expect(response.bodyUsed).toBe(true);
    await expect(response[second]()).rejects.toBeInstanceOf(TypeError);
  }
  // Nor can a read body be cloned, or read again through the real Response it hands over to.
  const { response } = await answer();
  await response.text();
  expect(() => response.clone()).toThrow(TypeError);
  expect(response.bodyUsed).toBe(true);
  await expect(response.text()).rejects.toBeInstanceOf(TypeError);
});

test('once read through the real Response it handed over to, bodyUsed is true', async () => {
  const { response } = await answer();
  expect(response.body).toBeInstanceOf(ReadableStream);
  expect(response.bodyUsed).toBe(false);
  await response.text();
  expect(response.bodyUsed).toBe(true);
});

test('clone() and body hand over to a real Response that still reads the whole body', async () => {
  const { response, text } = await answer();
  const copy = response.clone();
  expect(await copy.text()).toBe(text);
  expect(await response.text()).toBe(text);
  const streamed = (await answer()).response;
  expect(await new Response(streamed.body).text()).toBe(text);
});

/** Serves `listener` once on a free port, sends `head` and `body` raw, and returns what came back. */
async function overNode(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
  head: string,
  body = '',
): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await rawSend(port, head, body).closed;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A raw POST of the SNS envelope `message` to the SES route, with the headers SNS sends. */
function _post(message: Record<string, unknown>): string {
  const fields = Object.entries(snsHeaders(message)).map(
    ([name, value]) => `${name}: ${value}\r\n`,
  );
  const length = Buffer.byteLength(JSON.stringify(message));
  return `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n${fields.join('')}Content-Length: ${length}\r\nConnection: close\r\n\r\n`;
}

/** The head's fields, lower-cased, each once, and the body. */
function _fields(raw: string): { status: string; fields: string[]; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [status = '', ...lines] = head.split('\r\n');
  const fields = lines
    .map((line) => line.toLowerCase())
    .filter((line) => !/^(date|connection|keep-alive):/.test(line));
  return { status, fields, body };
}

test('on the wire: the answer in one piece with its content type and exact length', async () => {
  const message = envelope(deliveryEvent);
  const raw = await overNode(toNodeListener(handler), _post(message), JSON.stringify(message));
  expect(_fields(raw)).toEqual({
    status: 'HTTP/1.1 200 OK',
    fields: ['content-type: application/json; charset=utf-8', 'content-length: 22'],
    body: '{"ok":true,"events":1}',
  });
});

test('on the wire: a refusal quoting non-ASCII input is counted in bytes, so a client reads it whole', async () => {
  const body = '{"Type":"Notificätion ✉"}';
  const head = `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  const refusal = _fields(await overNode(toNodeListener(handler), head, body));
  // The raw reply is read byte for byte (one character a byte): decoded, it is the UTF-8 JSON.
  const bytes = Buffer.from(refusal.body, 'latin1');
  const text = bytes.toString('utf8');
  expect(refusal.status).toBe('HTTP/1.1 400 Bad Request');
  expect(JSON.parse(text)).toMatchObject({
    error: 'unknown-type',
    message: expect.stringContaining('"Notificätion ✉"'),
  });
  // Counted in characters, the length would be 3 short and a client would stop inside the JSON.
  expect(bytes.length).toBe(text.length + 3);
  expect(refusal.fields).toContain(`content-length: ${bytes.length}`);
});

test('on the wire: a refusal keeps its own headers, and a header a wrapper set is written too', async () => {
  const get = 'GET /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n';
  const refusal = _fields(await overNode(toNodeListener(handler), get));
  expect(refusal.status).toBe('HTTP/1.1 405 Method Not Allowed');
  expect(JSON.parse(refusal.body)).toMatchObject({ ok: false, error: 'method-not-allowed' });
  const length = `content-length: ${Buffer.byteLength(refusal.body)}`;
  expect(refusal.fields).toEqual([
    'content-type: application/json; charset=utf-8',
    'allow: post',
    length,
  ]);
  const wrapped = async (request: Request) => {
    const response = await handler(request);
    response.headers.set('x-request-id', 'r-1');
    return response;
  };
  // Through sendResponse too, as an integration of its own would call it.
  const own = async (req: IncomingMessage, res: ServerResponse) =>
    sendResponse(res, await wrapped(toRequest(req)));
  for (const listener of [toNodeListener(wrapped), own]) {
    expect(_fields(await overNode(listener, get))).toEqual({
      status: refusal.status,
      fields: [
        'allow: post',
        'content-type: application/json; charset=utf-8',
        'x-request-id: r-1',
        length,
      ],
      body: refusal.body,
    });
  }
});
