/** `mailhooks/node`'s answers: a JSON Response kept as plain values, read as a real one would be. */
import { expect, test } from 'vitest';
import { createMailWebhookHandler } from '../../src/adapters/node.js';
import { createMailWebhookHandler as createCoreHandler, EventBus, ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';

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
});

test('clone() and body hand over to a real Response that still reads the whole body', async () => {
  const { response, text } = await answer();
  const copy = response.clone();
  expect(await copy.text()).toBe(text);
  expect(await response.text()).toBe(text);
  const streamed = (await answer()).response;
  expect(await new Response(streamed.body).text()).toBe(text);
});
