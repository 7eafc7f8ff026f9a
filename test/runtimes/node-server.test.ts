/** The Node server in this process: every shutdown path settles, whenever it is taken. */
import { createServer } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { _settings } from '../../src/adapters/_server.js';
import { serve } from '../../src/adapters/node.js';
import { headReceived, parseResponse, rawSend, serverCaughtUp } from './raw-http.js';

const handler = () => new Response('{"ok":true}');
const options = { handler, hostname: 'localhost', port: 0, gracefulShutdown: false };

// The server logs `listening` as a JSON line; keep the test output quiet.
afterEach(() => vi.restoreAllMocks());
const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {});

/**
 * Settles with `late` when `promise` has not settled within `ms`: a bound on a hang, wide enough
 * for a loaded machine (what must happen sooner is asserted on its own).
 */
const within = <T>(promise: Promise<T>, ms: number, late: string) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve(late), ms))]);

test('close() called before listen finished resolves, and nothing is left listening', async () => {
  quiet();
  const server = serve(options);
  const closed = server.close();
  expect(
    await within(
      closed.then(() => 'closed'),
      15_000,
      'close() never resolved',
    ),
  ).toBe('closed');
  expect(
    await within(
      server.finished.then(() => 'finished'),
      15_000,
      'never finished',
    ),
  ).toBe('finished');
  const url = await server.ready;
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});

test('close() after a failed start (port taken) resolves, as does finished; the error names the address', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const server = serve({ ...options, hostname: '127.0.0.1', port });
    // Set by the options, not by HOST and PORT: the error names the address, and no variable.
    await expect(server.ready).rejects.toThrow(
      new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
    expect(
      await within(
        server.close().then(() => 'closed'),
        15_000,
        'never resolved',
      ),
    ).toBe('closed');
    expect(
      await within(
        server.finished.then(() => 'finished'),
        15_000,
        'never finished',
      ),
    ).toBe('finished');
  } finally {
    taken.close();
  }
});

test('with gracefulShutdown, close() leaves no SIGTERM or SIGINT listener behind: a later signal ends the process', async () => {
  quiet();
  const counts = () => ['SIGTERM', 'SIGINT'].map((signal) => process.listenerCount(signal));
  const before = counts();
  const server = serve({ ...options, gracefulShutdown: true });
  await server.ready;
  expect(counts()).toEqual(before.map((count) => count + 1));
  await server.close();
  expect(counts()).toEqual(before);
});

test('a signal again within 100 ms of the one that began the shutdown (npm forwarding a Ctrl-C the server got too) is held, not the default that ends the process; one later is not', async () => {
  quiet();
  const before = process.listenerCount('SIGINT');
  const server = serve({ ...options, gracefulShutdown: true });
  await server.ready;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    process.emit('SIGINT', 'SIGINT');
    // A listener is there for the echo: a real SIGINT now would not end the process.
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    vi.advanceTimersByTime(100);
    expect(process.listenerCount('SIGINT')).toBe(before);
  } finally {
    vi.useRealTimers();
  }
  await server.finished;
});

test('a request in flight when close() is called is answered with Connection: close', async () => {
  quiet();
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => {};
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const server = serve({
    ...options,
    hostname: '127.0.0.1',
    handler: async () => {
      entered();
      await released;
      return new Response('{"ok":true}');
    },
  });
  const port = Number(new URL(await server.ready).port);
  const exchange = rawSend(port, 'GET /x HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await inHandler;
  const closed = server.close();
  release();
  const text = await within(exchange.closed, 15_000, 'still open');
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
  expect(parseResponse(text).headers.get('connection')).toBe('close');
  await closed;
});

test('a request whose headers end after close() is answered with Connection: close', async () => {
  quiet();
  const server = serve({ ...options, hostname: '127.0.0.1' });
  const port = Number(new URL(await server.ready).port);
  const exchange = rawSend(port, 'GET /healthz HTTP/1.1\r\nHost: example.test\r\n');
  await serverCaughtUp(port);
  const closed = server.close();
  // close() waits for ready, a turn later: the server is closing once a macrotask has run.
  await new Promise((resolve) => setImmediate(resolve));
  exchange.socket.write('\r\n');
  const text = await within(exchange.closed, 15_000, 'still open');
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
  expect(parseResponse(text).headers.get('connection')).toBe('close');
  await closed;
});

test('close() twice, and after it listened, resolves both times', async () => {
  quiet();
  const server = serve(options);
  const url = await server.ready;
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const first = server.close();
  expect(server.close()).toBe(first);
  expect(
    await within(
      first.then(() => 'closed'),
      15_000,
      'never resolved',
    ),
  ).toBe('closed');
});

/** The `request refused` line with `reason` that went to stderr, if any (the server's lines are batched). */
async function _refusalLine(reason: string): Promise<Record<string, unknown> | undefined> {
  await new Promise((resolve) => setImmediate(resolve));
  const written = vi.mocked(process.stderr.write).mock.calls.map(([text]) => String(text));
  return written
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((fields) => fields.msg === 'request refused' && fields.reason === reason);
}

/** Whether a `request refused` line with `reason` went to stderr. */
const _refusalLogged = async (reason: string): Promise<boolean> =>
  (await _refusalLine(reason)) !== undefined;

describe('the whole request within bodyTimeoutMs of its first byte', () => {
  const env = {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
    MAIL_WEBHOOK_BODY_TIMEOUT_MS: '400',
  };
  const start = async (extra: Record<string, string> = {}) => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    quiet();
    const server = serve({
      env: { ...env, ...extra },
      hostname: '127.0.0.1',
      port: 0,
      gracefulShutdown: false,
    });
    const port = Number(new URL(await server.ready).port);
    return { server, port };
  };

  test('headers that never finish: 408 body-timeout JSON and the connection closed, within the budget', async () => {
    const { server, port } = await start();
    try {
      const began = Date.now();
      const exchange = rawSend(port, 'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n');
      const text = await within(exchange.closed, 15_000, 'still open');
      // Well short of the 30 s default: the 400 ms budget applied, however loaded the machine.
      expect(Date.now() - began).toBeLessThan(10_000);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(await parseResponse(text).json()).toMatchObject({
        ok: false,
        error: 'body-timeout',
      });
      expect(await _refusalLogged('body-timeout')).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('a handler stuck before it reads the body: the stalled body still gets its 408 at the deadline, logged', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    quiet();
    const server = serve({
      env,
      handler: () => new Promise<Response>(() => {}),
      hostname: '127.0.0.1',
      port: 0,
      gracefulShutdown: false,
    });
    const port = Number(new URL(await server.ready).port);
    try {
      const exchange = rawSend(
        port,
        'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100\r\n\r\n',
        '{"Type":',
      );
      const text = await within(exchange.closed, 15_000, 'still open');
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(await parseResponse(text).json()).toMatchObject({ error: 'body-timeout' });
      expect(await _refusalLogged('body-timeout')).toBe(true);
    } finally {
      server.close();
    }
  });

  test('slow headers then a body that arrives after the budget: 408, counted from the first byte', async () => {
    const { server, port } = await start();
    try {
      const body = '{"Type":"Notification"}';
      const exchange = rawSend(port, 'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      exchange.socket.write(`Content-Length: ${body.length}\r\n\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (!exchange.socket.destroyed) exchange.socket.write(body);
      const text = await within(exchange.closed, 15_000, 'still open');
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text).toContain('"body-timeout"');
    } finally {
      await server.close();
    }
  });

  test('Expect: 100-continue: a body over the limit is refused 413 without inviting it; a good one is invited', async () => {
    const { server, port } = await start();
    try {
      const big = rawSend(
        port,
        'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n',
      );
      const refused = await within(big.closed, 15_000, 'still open');
      expect(refused).toMatch(/^HTTP\/1\.1 413 /);
      expect(refused).not.toContain('100 Continue');
      // The body it declared never comes: nothing can follow on this connection, and it says so.
      expect(parseResponse(refused).headers.get('connection')).toBe('close');

      const body = JSON.stringify({ Type: 'Notification' });
      const small = rawSend(
        port,
        `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      const deadline = Date.now() + 15_000;
      while (!small.received().includes('100 Continue') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(small.received()).toMatch(/^HTTP\/1\.1 100 Continue/);
      small.socket.write(body);
      // The body reached the handler: refused for what it is (not an SNS envelope), not for waiting.
      expect(await within(small.closed, 15_000, 'still open')).toMatch(/HTTP\/1\.1 400 /);
    } finally {
      await server.close();
    }
  });

  test('CONNECT on a route is 405 with Allow: POST and the JSON refusal, logged, not a silent close', async () => {
    const { server, port } = await start();
    try {
      const target = `/webhooks/mail/ses${'/'.repeat(4_000)}`;
      const exchange = rawSend(port, `CONNECT ${target} HTTP/1.1\r\nHost: example.test\r\n\r\n`);
      const text = await within(exchange.closed, 15_000, 'still open');
      expect(text).toMatch(/^HTTP\/1\.1 405 /);
      expect(text.toLowerCase()).toContain('allow: post');
      expect(await parseResponse(text).json()).toMatchObject({
        ok: false,
        error: 'method-not-allowed',
      });
      expect(await _refusalLogged('method-not-allowed')).toBe(true);
      // Its line names the target's first 200 characters: one readable line, whatever was sent.
      const paths = vi
        .mocked(process.stderr.write)
        .mock.calls.flatMap(([text]) => String(text).split('\n'))
        .filter((line) => line.includes('"method":"CONNECT"'))
        .map((line) => JSON.parse(line).path);
      expect(paths).toEqual([target.slice(0, 200)]);
    } finally {
      await server.close();
    }
  });

  test('a shutdown is not held open by a client stalled mid-headers, nor by one that keeps asking', async () => {
    const { server, port } = await start({
      MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '300',
      MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '200',
    });
    const stalled = rawSend(port, 'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n');
    const keeper = rawSend(port, 'GET /healthz HTTP/1.1\r\nHost: example.test\r\n\r\n');
    await serverCaughtUp(port);
    const began = Date.now();
    const closed = server.close();
    // The keep-alive client asks again after the signal: answered and closed, or closed idle.
    keeper.socket.write('GET /healthz HTTP/1.1\r\nHost: example.test\r\n\r\n');
    expect(
      await within(
        closed.then(() => 'closed'),
        15_000,
        'still open',
      ),
    ).toBe('closed');
    // The grace is bodyTimeoutMs + fetchTimeoutMs + deliveryTimeoutMs + 1 s (1.9 s here): the
    // bound leaves room for a loaded machine, and still catches a shutdown the clients hold open.
    expect(Date.now() - began).toBeLessThan(12_000);
    expect(
      await within(
        stalled.closed.then(() => 'closed'),
        15_000,
        'open',
      ),
    ).toBe('closed');
    expect(
      await within(
        keeper.closed.then(() => 'closed'),
        15_000,
        'open',
      ),
    ).toBe('closed');
  });

  test('a request that is not HTTP still gets Node’s own 400, and a refusal line', async () => {
    const { server, port } = await start();
    try {
      const text = await within(rawSend(port, 'NOT HTTP AT ALL\r\n\r\n').closed, 15_000, 'open');
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(await _refusalLine('malformed-request')).toMatchObject({
        status: 400,
        detail: 'Node could not parse the request as HTTP/1.1',
      });
    } finally {
      await server.close();
    }
  });

  test('bytes after a Connection: close request: that request is answered, nothing after it runs', async () => {
    const { server, port } = await start();
    try {
      // Pipelined after `Connection: close` (and after an HTTP/1.0 request, closed by default):
      // Node's parser calls the rest an error before the first answer is written.
      for (const first of [
        'GET /healthz HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n',
        'GET /healthz HTTP/1.0\r\n\r\n',
      ]) {
        const exchange = rawSend(port, `${first}GET /nope HTTP/1.1\r\nHost: example.test\r\n\r\n`);
        const text = await within(exchange.closed, 15_000, 'still open');
        expect(text).toMatch(/^HTTP\/1\.1 200 /);
        expect(await parseResponse(text).json()).toEqual({ ok: true });
        // One answer, then the connection closed: the request after it never ran.
        expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      }
      expect(await _refusalLogged('malformed-request')).toBe(false);
    } finally {
      await server.close();
    }
  });

  test('on a kept-alive connection, a later request stalled, too large or malformed is answered as on a fresh one', async () => {
    const { server, port } = await start();
    try {
      const first = 'GET /healthz HTTP/1.1\r\nHost: example.test\r\n\r\n';
      const later = {
        'stalled in its headers': [
          'POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\n',
          408,
        ],
        'over the header limit': [
          `GET /healthz HTTP/1.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
          431,
        ],
        'with two Content-Lengths': [
          'POST /webhooks/mail/ses HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
          400,
        ],
      } as const;
      const answered = await Promise.all(
        Object.entries(later).map(async ([what, [request, status]]) => {
          const exchange = rawSend(port, first);
          await headReceived(exchange, 15_000);
          exchange.socket.write(request);
          const text = await within(exchange.closed, 15_000, 'still open');
          const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) =>
            Number(match[1]),
          );
          return [what, statuses, status];
        }),
      );
      expect(answered.map(([what, statuses]) => [what, statuses])).toEqual(
        answered.map(([what, , status]) => [what, [200, status]]),
      );
      for (const reason of ['body-timeout', 'headers-too-large', 'malformed-request']) {
        expect(await _refusalLogged(reason)).toBe(true);
      }
    } finally {
      await server.close();
    }
  });

  test('a request answered before its body came is answered once: at the deadline its connection closes, with no 408 after the answer', async () => {
    const { server, port } = await start();
    try {
      // A 404 read no body; the client declared one and stalls.
      const exchange = rawSend(
        port,
        'POST /nowhere HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100\r\n\r\n',
      );
      const text = await within(exchange.closed, 15_000, 'still open');
      expect(text).toMatch(/^HTTP\/1\.1 404 /);
      expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(await _refusalLogged('body-timeout')).toBe(false);
    } finally {
      await server.close();
    }
  });

  test('headers over Node’s limit get Node’s own 431, and a refusal line', async () => {
    const { server, port } = await start();
    try {
      const head = `GET /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`;
      const text = await within(rawSend(port, head).closed, 15_000, 'open');
      expect(text).toMatch(/^HTTP\/1\.1 431 /);
      expect(await _refusalLine('headers-too-large')).toMatchObject({
        status: 431,
        detail: "request headers are larger than Node's --max-http-header-size (16 KB by default)",
      });
    } finally {
      await server.close();
    }
  });
});

describe('a server started without MAIL_WEBHOOK_ENABLED says so once', () => {
  /** The JSON lines the server wrote to stdout and stderr. */
  const written = (): Record<string, unknown>[] =>
    [process.stdout.write, process.stderr.write]
      .flatMap((write) => vi.mocked(write).mock.calls.map(([text]) => String(text)))
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const disabledLines = () => written().filter((line) => /are disabled/.test(String(line.msg)));

  test.each([
    ['unset', 1, 'not-found', {}],
    ['"false"', 1, 'not-found', { MAIL_WEBHOOK_ENABLED: 'false' }],
    // Enabled, the SES route itself judges the post: {} is no SNS envelope.
    ['"true"', 0, 'invalid-envelope', { MAIL_WEBHOOK_ENABLED: 'true' }],
  ])(
    'MAIL_WEBHOOK_ENABLED %s: %i warning line(s), and the route answers %s',
    async (_name, count, reason, env) => {
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      quiet();
      const server = serve({ env, hostname: '127.0.0.1', port: 0, gracefulShutdown: false });
      try {
        const url = await server.ready;
        const first = await fetch(`${url}/webhooks/mail/ses`, { method: 'POST', body: '{}' });
        expect(((await first.json()) as { error: string }).error).toBe(reason);
        await fetch(`${url}/webhooks/mail/ses`, { method: 'POST', body: '{}' });
        await new Promise((resolve) => setImmediate(resolve));
        const lines = disabledLines();
        expect(lines).toHaveLength(count);
        if (count) {
          expect(lines[0]).toMatchObject({ level: 'warn' });
          expect(String(lines[0]?.msg)).toContain('MAIL_WEBHOOK_ENABLED=true');
        }
      } finally {
        await server.close();
      }
    },
  );
});

test('the start-up warnings are written before the listening line', async () => {
  const order: string[] = [];
  const record = (text: unknown) => {
    for (const line of String(text).split('\n').filter(Boolean)) order.push(JSON.parse(line).msg);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(record);
  vi.spyOn(process.stderr, 'write').mockImplementation(record);
  vi.spyOn(console, 'log').mockImplementation(record);
  const server = serve({ env: {}, hostname: '127.0.0.1', port: 0, gracefulShutdown: false });
  try {
    await server.ready;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([
      expect.stringMatching(/no SNS topic is allowed/),
      expect.stringMatching(/are disabled/),
      'listening',
    ]);
  } finally {
    await server.close();
  }
});

describe('PORT', () => {
  // Read, not listened on: a test must not hold the default port.
  test('unset or empty: 8787; set: that port; not a port: start-up stops naming PORT', () => {
    expect(_settings({ handler }, {}).port).toBe(8787);
    expect(_settings({ handler }, { PORT: '' }).port).toBe(8787);
    expect(_settings({ handler }, { PORT: '9551' }).port).toBe(9551);
    expect(() => _settings({ handler }, { PORT: 'eighty' })).toThrow(/^PORT: /);
  });
});
