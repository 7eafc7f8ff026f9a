/** The Node server in this process: every shutdown path settles, whenever it is taken. */
import { createServer } from 'node:net';
import { afterEach, expect, test, vi } from 'vitest';
import { serve } from '../../src/adapters/node.js';

const handler = () => new Response('{"ok":true}');
const options = { handler, hostname: 'localhost', port: 0, gracefulShutdown: false };

// The server logs `listening` as a JSON line; keep the test output quiet.
afterEach(() => vi.restoreAllMocks());
const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {});

/** Settles with `late` when `promise` has not settled within `ms`. */
const within = <T>(promise: Promise<T>, ms: number, late: string) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve(late), ms))]);

test('close() called before listen finished resolves, and nothing is left listening', async () => {
  quiet();
  const server = serve(options);
  const closed = server.close();
  expect(
    await within(
      closed.then(() => 'closed'),
      2000,
      'close() never resolved',
    ),
  ).toBe('closed');
  expect(
    await within(
      server.finished.then(() => 'finished'),
      2000,
      'never finished',
    ),
  ).toBe('finished');
  const url = await server.ready;
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});

test('close() after a failed start (port taken) resolves, as does finished', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const server = serve({ ...options, hostname: '127.0.0.1', port });
    await expect(server.ready).rejects.toThrow(/EADDRINUSE/);
    expect(
      await within(
        server.close().then(() => 'closed'),
        2000,
        'never resolved',
      ),
    ).toBe('closed');
    expect(
      await within(
        server.finished.then(() => 'finished'),
        2000,
        'never finished',
      ),
    ).toBe('finished');
  } finally {
    taken.close();
  }
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
      2000,
      'never resolved',
    ),
  ).toBe('closed');
});
