/** The Deno server's signal listeners, under a stand-in `Deno` global (the real one: servers.test.ts). */
import { afterEach, expect, test, vi } from 'vitest';
import { serve } from '../../src/adapters/deno.js';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** A `Deno` that listens at once, keeps the signal listeners, and finishes on `shutdown()`. */
function _stubDeno() {
  const listeners = new Map<string, () => void>();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  vi.stubGlobal('Deno', {
    env: { toObject: () => ({}) },
    serve: (options: { onListen(address: { hostname: string; port: number }): void }) => {
      queueMicrotask(() => options.onListen({ hostname: '127.0.0.1', port: 8787 }));
      return { finished, shutdown: async () => finish() };
    },
    stdout: { writeSync: (bytes: Uint8Array) => bytes.length },
    stderr: { writeSync: (bytes: Uint8Array) => bytes.length },
    addSignalListener: (signal: string, listener: () => void) => listeners.set(signal, listener),
    removeSignalListener: (signal: string) => listeners.delete(signal),
  });
  return listeners;
}

test('Deno, Ctrl-C: the SIGINT and the copy npm forwards within 100 ms log one shutting-down line; a SIGINT after that is logged again', async () => {
  const listeners = _stubDeno();
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const server = serve({ handler: () => new Response('{"ok":true}'), port: 0 });
  await server.ready;
  vi.useFakeTimers({ toFake: ['Date'] });
  const sigint = listeners.get('SIGINT') as () => void;
  const shuttingDown = () => lines.filter((line) => line.includes('"msg":"shutting down')).length;

  sigint();
  sigint(); // npm's copy of the same Ctrl-C
  expect(shuttingDown()).toBe(1);
  expect(JSON.parse(lines.find((line) => line.includes('shutting down')) as string)).toMatchObject({
    level: 'info',
    signal: 'SIGINT',
  });
  vi.advanceTimersByTime(100);
  sigint();
  expect(shuttingDown()).toBe(2);

  vi.useRealTimers();
  await server.finished;
  await new Promise((resolve) => setTimeout(resolve));
  expect(listeners.size).toBe(0);
});
