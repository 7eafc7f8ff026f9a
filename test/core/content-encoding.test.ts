/** A body sent with a Content-Encoding is never inflated: 415 before a byte is read, by every runtime's reader. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  readDeclaredLength,
  readDeclaredLengthDeno,
  readDeclaredLengthShared,
} from '../../src/body.js';
import { resolveProgramOptions } from '../../src/config.js';
import { createHandlerWithRuntime } from '../../src/handler.js';
import { type EmailTrackingContext, postmark } from '../../src/index.js';
import type { BodyReader } from '../../src/runtime-hooks.js';
import { memoryLogger } from '../helpers/envelope.js';
import { basic, NOW, URL_POSTMARK } from '../providers/postmark/helpers.js';

const DELIVERY = readFileSync(
  new URL('../fixtures/esps/postmark/symfony_delivery.json', import.meta.url),
);
const GZIPPED = gzipSync(DELIVERY);

/** The readers the adapters lend the handler; none is the web stream every other runtime reads. */
const READERS: [string, BodyReader | undefined][] = [
  ['the web stream (Node bridge off, any fetch runtime)', undefined],
  ['workerd (readDeclaredLength)', readDeclaredLength],
  ['the Bun server (readDeclaredLengthShared)', readDeclaredLengthShared],
  ['the Deno server (readDeclaredLengthDeno)', readDeclaredLengthDeno],
];

function _handler(readBody: BodyReader | undefined) {
  const events: EmailTrackingContext[] = [];
  const { logger, lines } = memoryLogger();
  const options = resolveProgramOptions({
    providers: [postmark({ password: 's3cret' })],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger,
    now: () => NOW,
  });
  return { handle: createHandlerWithRuntime(options, { readBody }), events, lines };
}

/** A Postmark POST with a declared length, as a server hands it over, body pulled only if read. */
function _post(body: Uint8Array, encoding?: string) {
  const state = { pulled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled = true;
        controller.enqueue(body);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request(URL_POSTMARK, {
    method: 'POST',
    body: stream,
    duplex: 'half',
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.byteLength),
      authorization: basic('postmark', 's3cret'),
      ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
    },
  } as RequestInit);
  return { request, state };
}

describe.each(READERS)('a body read by %s', (_name, readBody) => {
  test('gzip-compressed: 415 unsupported-encoding naming the header, unread, nothing delivered, one log line', async () => {
    const { handle, events, lines } = _handler(readBody);
    const { request, state } = _post(GZIPPED, 'gzip');
    const response = await handle(request);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 415,
      body: {
        ok: false,
        error: 'unsupported-encoding',
        message: 'Content-Encoding gzip is not supported',
      },
    });
    expect(state.pulled).toBe(false);
    expect(events).toEqual([]);
    expect(lines.filter((line) => line.msg === 'request refused')).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({
          esp: 'postmark',
          status: 415,
          reason: 'unsupported-encoding',
        }),
      }),
    ]);
  });

  test('any other coding (br, deflate, a list, one that starts with identity) is refused the same way, whatever its case', async () => {
    for (const coding of ['br', 'DEFLATE', 'gzip, identity', 'identity, gzip', 'x-gzip']) {
      const { handle, events } = _handler(readBody);
      const response = await handle(_post(GZIPPED, coding).request);
      const body = (await response.json()) as { error: string; message: string };
      expect({ coding, status: response.status, error: body.error, message: body.message }).toEqual(
        {
          coding,
          status: 415,
          error: 'unsupported-encoding',
          message: `Content-Encoding ${coding} is not supported`,
        },
      );
      expect(events).toEqual([]);
    }
  });

  test('Content-Encoding: identity (any case), empty, or none, is the body as sent: 200 and the event delivered', async () => {
    for (const coding of ['identity', 'Identity', '', undefined]) {
      const { handle, events } = _handler(readBody);
      const response = await handle(_post(DELIVERY, coding).request);
      expect({ coding, status: response.status, body: await response.json() }).toEqual({
        coding,
        status: 200,
        body: { ok: true, events: 1 },
      });
      expect(events.map((event) => [event.eventType, event.espName])).toEqual([
        ['delivered', 'postmark'],
      ]);
    }
  });
});

test('the credentials are checked first: an unauthenticated gzip body is 401, not 415', async () => {
  const { handle } = _handler(undefined);
  const request = new Request(URL_POSTMARK, {
    method: 'POST',
    body: GZIPPED,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  });
  const response = await handle(request);
  expect({
    status: response.status,
    error: ((await response.json()) as { error: string }).error,
  }).toEqual({
    status: 401,
    error: 'credentials-required',
  });
});
