/** DESIGN's table (test/runtimes/parity.ts) against the Worker inside workerd, through its own fetch export. */
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';
import {
  DISABLED_ROWS,
  HEALTH_ROWS,
  PARITY_ENV,
  PARITY_FANOUT_URL,
  PARITY_ROWS,
} from '../runtimes/parity.js';
import { answerOf, expectParity, logged, parityRequest } from '../runtimes/parity-check.js';

// The Worker runs in this isolate: its JSON log lines are read here.
const lines: string[] = [];
beforeAll(() => {
  for (const level of ['log', 'debug', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
  }
  // The refused endpoint fails as a refused connection does, without workerd's network.
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
    String(input instanceof Request ? input.url : input) === PARITY_FANOUT_URL
      ? Promise.reject(new TypeError('connection refused'))
      : realFetch(input, init),
  );
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

// wrangler.toml's vars and the table's; one object for every request, as Workers hand one env.
const parityEnv = { ...env, ...PARITY_ENV };
const disabledEnv = { ...parityEnv, MAIL_WEBHOOK_ENABLED: 'false' };
const _fetch = async (row: Parameters<typeof parityRequest>[1]) =>
  answerOf(await worker.fetch(parityRequest('http://example.com', row), parityEnv));

test.each(PARITY_ROWS)('$situation', async (row) => {
  const before = lines.length;
  expectParity(row, await _fetch(row), false);
  expect({ situation: row.situation, logged: logged(lines.slice(before), row) }).toEqual({
    situation: row.situation,
    logged: true,
  });
});

test.each(DISABLED_ROWS)('$situation', async (row) => {
  const before = lines.length;
  const request = parityRequest('http://example.com', row);
  const answer = await answerOf(await worker.fetch(request, disabledEnv));
  expectParity(row, answer, false);
  expect({ situation: row.situation, logged: logged(lines.slice(before), row) }).toEqual({
    situation: row.situation,
    logged: true,
  });
});

test.each(HEALTH_ROWS)('$situation', async (row) => {
  expectParity(row, await _fetch(row), false);
});
