/**
 * Node requests whose body can no longer come (the client went away mid-body, or middleware read
 * it first): each is answered at once (400 body-unreadable), not held with its request, response
 * and socket until `bodyTimeoutMs` passes, and none leaves a timer behind.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, expect, test, vi } from 'vitest';
import {
  createMailWebhookHandler as createNodeHandler,
  serve,
  toNodeListener,
} from '../../src/adapters/node.js';
import { createMailWebhookHandler, type MailWebhookOptions, ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { rawSend } from './raw-http.js';

type Handler = (request: Request) => Promise<Response>;

afterEach(() => vi.restoreAllMocks());

// Far past the test: a request left to wait for its 408 would outlast it.
const options: MailWebhookOptions = {
  providers: [ses({ verifySignature: false })],
  bodyTimeoutMs: 600_000,
  logger: silentLogger,
};

/** Settles with `late` when `promise` has not settled within `ms` (a hang bound, not a speed). */
async function within<T>(promise: Promise<T>, ms: number, late: string): Promise<T | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `handle`, called only once the client has closed its connection (the request's signal aborts
 * then): what the handler makes of a body whose sender is gone. `next()` gives the next request's
 * arrival, and the handler's answer to it.
 */
function afterClientLeft(handle: Handler) {
  const waiting: { arrived(): void; answered(answer: Promise<Response>): void }[] = [];
  const wrapped: Handler = async (request) => {
    const { signal } = request;
    const turn = waiting.shift();
    turn?.arrived();
    if (!signal.aborted) await new Promise((gone) => signal.addEventListener('abort', gone));
    const answer = handle(request);
    turn?.answered(answer);
    return answer;
  };
  const next = () => {
    const turn = { arrived: () => {}, answered: (_answer: Promise<Response>) => {} };
    const entered = new Promise<void>((resolve) => {
      turn.arrived = resolve;
    });
    const answer = new Promise<Response>((resolve) => {
      // A copy: the server writes the answer's own body to the client.
      turn.answered = (given) => void given.then((response) => resolve(response.clone()));
    });
    waiting.push(turn);
    return { entered, answer };
  };
  return { wrapped, next };
}

async function listen(handler: Handler): Promise<[port: number, close: () => Promise<void>]> {
  const server: Server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return [(server.address() as AddressInfo).port, close];
}

async function packaged(handler: Handler): Promise<[port: number, close: () => Promise<void>]> {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const server = serve({ handler, hostname: '127.0.0.1', port: 0, gracefulShutdown: false });
  return [Number(new URL(await server.ready).port), () => server.close()];
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test.each([
  ['the packaged server (mailhooks/node reads the body from Node)', createNodeHandler, packaged],
  ['toNodeListener over the root handler (the body as a stream)', createMailWebhookHandler, listen],
])(
  '%s: 20 clients gone mid-body get 400 body-unreadable at once, and leave no timer',
  async (_name, create, start) => {
    const { wrapped, next } = afterClientLeft(create(options));
    const [port, close] = await start(wrapped);
    try {
      const before = timers();
      for (let i = 0; i < 20; i++) {
        const { entered, answer } = next();
        const head = `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000\r\n\r\n`;
        const exchange = rawSend(port, head, '{"Type":');
        await entered;
        exchange.socket.destroy();
        const response = await within(answer, 15_000, 'never answered');
        if (typeof response === 'string') expect.fail(response);
        expect([response.status, await response.json()]).toEqual([
          400,
          expect.objectContaining({ error: 'body-unreadable' }),
        ]);
      }
      await new Promise((resolve) => setImmediate(resolve));
      // No read waiting for its 408, no 5 s discard timer for a request already closed.
      expect(timers() - before).toBeLessThan(5);
    } finally {
      await close();
    }
  },
);

test('toNodeListener over the root handler: a client gone while its body stream is being read gets 400 body-unreadable at once', async () => {
  const handler = createMailWebhookHandler(options);
  let answered: (answer: Promise<Response>) => void = () => {};
  const answer = new Promise<Response>((resolve) => {
    answered = (given) => void given.then((response) => resolve(response.clone()));
  });
  const [port, close] = await listen(async (request) => {
    const response = handler(request);
    answered(response);
    return response;
  });
  try {
    const head = `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000\r\n\r\n`;
    const exchange = rawSend(port, head, '{"Type":');
    // The handler is reading: what came is in, the rest is awaited.
    await new Promise((resolve) => setTimeout(resolve, 100));
    exchange.socket.destroy();
    const response = await within(answer, 15_000, 'never answered');
    if (typeof response === 'string') expect.fail(response);
    expect([response.status, await response.json()]).toEqual([
      400,
      expect.objectContaining({ error: 'body-unreadable' }),
    ]);
  } finally {
    await close();
  }
});

test.each([
  ['mailhooks/node', createNodeHandler],
  ['the root handler', createMailWebhookHandler],
])(
  'a body middleware read before toNodeListener (%s): 400 body-unreadable at once, not a 408 after bodyTimeoutMs',
  async (_name, create) => {
    const listener = toNodeListener(create(options));
    // The Express habit docs/runtimes.md warns of: a body parser drained the request first.
    const server = createServer((req, res) => {
      req.resume().once('end', () => void listener(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = '{"Type":"Notification"}';
      const head = `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      const text = await within(rawSend(port, head, body).closed, 15_000, 'never answered');
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(text).toContain('"body-unreadable"');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
);

/** The `request refused` lines the packaged server has written so far (its lines are batched). */
function refusalLines(): Record<string, unknown>[] {
  const written = [process.stdout.write, process.stderr.write].flatMap((write) =>
    vi.mocked(write).mock.calls.map(([text]) => String(text)),
  );
  return written
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes('"msg":"request refused"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const _LENGTH = 'Content-Length: 1000\r\n\r\n{"Type":';
test.each([
  ['closes its connection', _LENGTH, (socket: Socket) => socket.destroy()],
  ['resets its connection', _LENGTH, (socket: Socket) => socket.resetAndDestroy()],
  [
    'sends a malformed chunk',
    'Transfer-Encoding: chunked\r\n\r\n5\r\n{"Typ\r\n',
    (socket: Socket) => socket.write('zz\r\n'),
  ],
])(
  'the packaged server: a client that %s mid-body is one request refused line, the handler’s 400 naming the path',
  async (_name, rest, leave) => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const server = serve({
      env: {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '600000',
      },
      hostname: '127.0.0.1',
      port: 0,
      gracefulShutdown: false,
    });
    try {
      const port = Number(new URL(await server.ready).port);
      const exchange = rawSend(
        port,
        `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n${rest}`,
      );
      // The handler is reading the body once the server has answered a request sent after it.
      await rawSend(port, 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n')
        .closed;
      leave(exchange.socket);
      const logged = within(
        (async () => {
          while (!refusalLines().some((line) => line.path === '/webhooks/mail/ses')) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })(),
        15_000,
        'never logged',
      );
      expect(await logged).toBeUndefined();
      // The batched lines of this turn, and the next, are out.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(refusalLines()).toEqual([
        expect.objectContaining({
          esp: 'ses',
          path: '/webhooks/mail/ses',
          status: 400,
          reason: 'body-unreadable',
        }),
      ]);
    } finally {
      await server.close();
    }
  },
);

test('a client still sending the rest of a body refused 413 for its declared length is cut off, not read for ever', async () => {
  const handler = createNodeHandler({ ...options, maxBodyBytes: 1024 });
  const server: Server = createServer({ requestTimeout: 0 }, toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const exchange = rawSend(
    port,
    'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100000000\r\n\r\n',
  );
  // Sends a kilobyte every 50 ms, for as long as the connection is open.
  const sending = setInterval(() => {
    if (!exchange.socket.destroyed) exchange.socket.write('x'.repeat(1024));
  }, 50);
  try {
    // Read and discarded for a few seconds (the 413 is read meanwhile), then the connection is closed.
    const text = await within(exchange.closed, 30_000, 'still open');
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
  } finally {
    clearInterval(sending);
    exchange.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
