/** What a handler of its own sees of `toRequest` and `toNodeListener`'s Request: a Request, read or not. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import {
  createMailWebhookHandler as createNodeHandler,
  toNodeListener,
  toRequest,
} from '../../src/adapters/node.js';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { parseResponse, rawSend } from './raw-http.js';

const options = () => ({
  providers: [ses({ verifySignature: false })],
  sinks: [],
  logger: silentLogger,
});

/** Serves `look` once on a free port, sends one POST of `body`, and returns the answer. */
async function serveOnce(
  look: (request: Request) => Response | Promise<Response>,
  body: string,
  path = '/webhooks/mail/ses',
): Promise<Response> {
  const server = createServer(toNodeListener(look));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const head = `POST ${path} HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    return parseResponse(await rawSend(port, head, body).closed);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test.each([
  ['mailhooks/node', createNodeHandler(options())],
  ['the root export', createMailWebhookHandler(options())],
])(
  'once %s read the body, a wrapper sees bodyUsed true and a body that rejects, not a 500',
  async (_entry, handler) => {
    const seen: unknown[] = [];
    const response = await serveOnce(async (request) => {
      const answer = await handler(request);
      seen.push(request.body instanceof ReadableStream, request.bodyUsed);
      seen.push(await request.text().catch((error: unknown) => (error as Error).name));
      return answer;
    }, '{"Type":"Nope"}');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unknown-type' });
    expect(seen).toEqual([true, true, 'TypeError']);
  },
);

test.each([
  ['mailhooks/node', createNodeHandler(options())],
  ['the root export', createMailWebhookHandler(options())],
])(
  'a wrapper that clones the request first (to log its copy): %s still reads the body whole',
  async (_entry, handler) => {
    const copies: string[] = [];
    const response = await serveOnce(async (request) => {
      const copy = request.clone();
      const answer = await handler(request);
      copies.push(await copy.text());
      return answer;
    }, '{"Type":"Nope"}');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unknown-type' });
    expect(copies).toEqual(['{"Type":"Nope"}']);
  },
);

test('a handler of its own reads the body with json(), as from a Request', async () => {
  const response = await serveOnce(
    async (request) => Response.json({ got: await request.json() }),
    '{"a":[1,2]}',
    '/x',
  );
  expect(await response.json()).toEqual({ got: { a: [1, 2] } });
});

/** A Node request as `toRequest` reads it: a GET to example.test/x, over TLS or not. */
const nodeRequest = (encrypted: boolean) =>
  ({
    method: 'GET',
    url: '/x?q=1',
    headers: { host: 'example.test' },
    rawHeaders: ['Host', 'example.test'],
    socket: { encrypted },
  }) as unknown as IncomingMessage;

test('toRequest: a request that came over TLS has an https URL, one that did not an http one', () => {
  expect(toRequest(nodeRequest(true)).url).toBe('https://example.test/x?q=1');
  expect(toRequest(nodeRequest(false)).url).toBe('http://example.test/x?q=1');
});

test('toRequest: a Host no URL origin can be (one that would carry a path) gives localhost, never part of the path', () => {
  for (const host of ['evil.example/webhooks/mail/ses?', 'a b', 'evil.example#']) {
    const req = { ...nodeRequest(false), headers: { host }, rawHeaders: ['Host', host] };
    expect(toRequest(req as unknown as IncomingMessage).url).toBe('http://localhost/x?q=1');
  }
});

test('toRequest: headers are read in any case of the name, whatever case the client sent, as fetch reads them', () => {
  const rawHeaders = [
    'Host',
    'example.test',
    'x-trace',
    ' a 1 ',
    'X-TRACE',
    '\tb',
    'X-Amz-Sns-Message-Id',
    'm1',
  ];
  const request = toRequest({ ...nodeRequest(false), rawHeaders } as unknown as IncomingMessage);
  const asFetch = new Headers([
    ['x-trace', ' a 1 '],
    ['X-TRACE', '\tb'],
    ['X-Amz-Sns-Message-Id', 'm1'],
  ]);
  for (const name of [
    'x-trace',
    'X-Trace',
    'x-amz-sns-message-id',
    'X-AMZ-SNS-MESSAGE-ID',
    'host',
  ]) {
    expect(request.headers.get(name)).toBe(name === 'host' ? 'example.test' : asFetch.get(name));
  }
  // Blanks at either end alone are dropped, as fetch drops them; those inside stay.
  expect(request.headers.get('x-trace')).toBe('a 1, b');
  expect([request.headers.has('X-Trace'), request.headers.has('x-missing')]).toEqual([true, false]);
  // A name no header can have is refused as fetch refuses it, not matched by a look-alike.
  expect(() => request.headers.get('\u212Aey')).toThrow(TypeError);
});

test('toRequest with a signal: the Request aborts with it, also once a real Request was made', () => {
  const controller = new AbortController();
  const request = toRequest(nodeRequest(false), controller.signal);
  const copy = request.clone();
  expect([request.signal.aborted, copy.signal.aborted]).toEqual([false, false]);
  controller.abort();
  expect([request.signal.aborted, copy.signal.aborted]).toEqual([true, true]);
});

test('a GET has no body (null), as a Request made for it has', async () => {
  const server = createServer(
    toNodeListener((request) => Response.json({ body: request.body === null })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const head = 'GET /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n';
    expect(await parseResponse(await rawSend(port, head).closed).json()).toEqual({ body: true });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a handler that cancels the body stream part-way is answered, and the rest arriving later harms nothing', async () => {
  let cancelled: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    cancelled = resolve;
  });
  const server = createServer(
    toNodeListener(async (request) => {
      const reader = (request.body as ReadableStream<Uint8Array>).getReader();
      const { value } = await reader.read();
      await reader.cancel();
      cancelled();
      return Response.json({ first: value?.byteLength });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const exchange = rawSend(
      port,
      'POST /x HTTP/1.1\r\nHost: example.test\r\nContent-Length: 8\r\nConnection: close\r\n\r\n',
      'abcd',
    );
    await done;
    // The rest of the body, and with it the request's end, after the stream was cancelled.
    exchange.socket.write('efgh');
    expect(await parseResponse(await exchange.closed).json()).toEqual({ first: 4 });
    // The server still serves.
    const next =
      'POST /x HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\n';
    expect(await parseResponse(await rawSend(port, next, 'ok').closed).json()).toEqual({
      first: 2,
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a wrapper that looks at request.body before the handler: the handler still reads it whole', async () => {
  const handler = createNodeHandler({ ...options(), bodyTimeoutMs: 10_000 });
  const server = createServer(
    toNodeListener((request) => {
      expect(request.body).toBeInstanceOf(ReadableStream);
      return handler(request);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const body = '{"Type":"Nope"}';
    const exchange = rawSend(
      port,
      `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      body.slice(0, 5),
    );
    // The rest in later packets: the body comes in several chunks.
    for (const part of [body.slice(5, 10), body.slice(10)]) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      exchange.socket.write(part);
    }
    const text = await exchange.closed;
    expect(await parseResponse(text).json()).toMatchObject({ error: 'unknown-type' });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a JSON Response of its own goes out with its Content-Length, not chunked', async () => {
  const server = createServer(toNodeListener(() => Response.json({ a: 1 })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const head = 'GET /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n';
    const text = await rawSend(port, head).closed;
    const fields = text.split('\r\n\r\n')[0]?.toLowerCase();
    expect(fields).toContain('content-length: 7');
    expect(fields).not.toContain('transfer-encoding');
    expect(await parseResponse(text).json()).toEqual({ a: 1 });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Serves `listener` on a free port for `run`, then closes it. */
async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  run: (port: number, server: ReturnType<typeof createServer>) => Promise<void>,
): Promise<void> {
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port, server);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const GET = 'GET /x HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n';

test('a handler that throws is answered 500 internal-error, and the server goes on', async () => {
  let calls = 0;
  await withServer(
    () => {
      calls++;
      throw new Error('boom');
    },
    async (port) => {
      for (let i = 0; i < 2; i++) {
        const response = parseResponse(await rawSend(port, GET).closed);
        expect(response.status).toBe(500);
        expect(await response.json()).toEqual({
          ok: false,
          error: 'internal-error',
          message: 'internal error; see the logs',
        });
      }
      expect(calls).toBe(2);
    },
  );
});

test('a Response whose body fails part-way: the connection is cut, and the server goes on', async () => {
  let calls = 0;
  await withServer(
    () => {
      calls++;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('partial'));
        },
        pull(controller) {
          controller.error(new Error('source failed'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    },
    async (port) => {
      for (let i = 0; i < 2; i++) {
        const text = await rawSend(port, GET).closed;
        // Cut before its end: never a finished chunked body (no last, zero-size chunk).
        expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
      }
      expect(calls).toBe(2);
    },
  );
});

test('request.signal first read after the client went away is already aborted', async () => {
  let entered: () => void = () => {};
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let gone: () => void = () => {};
  const clientGone = new Promise<void>((resolve) => {
    gone = resolve;
  });
  let seen: (aborted: boolean) => void = () => {};
  const aborted = new Promise<boolean>((resolve) => {
    seen = resolve;
  });
  const handler = async (request: Request) => {
    entered();
    await clientGone;
    seen(request.signal.aborted);
    return new Response(null, { status: 204 });
  };
  await withServer(handler, async (port, server) => {
    // Past the server's own 'close' handling of the socket, the response has closed too.
    server.on('connection', (socket) => socket.once('close', () => setImmediate(gone)));
    const exchange = rawSend(port, GET);
    await inHandler;
    exchange.socket.destroy();
    expect(await aborted).toBe(true);
  });
});

test('a header Node refuses, set by a wrapper on the JSON answer: that connection is cut, and the server goes on', async () => {
  const handler = createNodeHandler(options());
  let calls = 0;
  const wrapped = async (request: Request) => {
    calls++;
    const response = await handler(request);
    // fetch's Headers takes a control character that Node will not write.
    response.headers.set('x-trace', 'a\u0001b');
    return response;
  };
  await withServer(wrapped, async (port) => {
    for (let i = 0; i < 2; i++) expect(await rawSend(port, GET).closed).toBe('');
    expect(calls).toBe(2);
  });
});
