// Blind test (DESIGN "Event store"): createSqliteStore over bun:sqlite, run under Bun.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the SQLite store suppresses, dedupes and serves the routes like D1', () => {
  const script = fileURLToPath(new URL('./delivery-sqlite.bun.ts', import.meta.url));
  const stdout = execFileSync('node_modules/.bin/bun', ['--no-install', '--no-env-file', script], {
    encoding: 'utf8',
    env: { ...process.env, BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
  });
  const out = JSON.parse(stdout.trim().split('\n').at(-1) as string);
  expect(out.first).toEqual([200, { ok: true, events: 2 }]);
  expect(out.again).toEqual([200, { ok: true, events: 2 }]);
  expect(out.delivered).toEqual(['Jane@Example.com', 'bob@example.com']);
  expect(out.suppressedLower).toBe(true);
  expect(out.suppressedFolded).toBe(false);
  expect(out.suppression).toEqual([
    200,
    { suppressed: true, reason: 'bounced', provider: 'ses', since: '2026-01-02T03:04:05.678Z' },
  ]);
  expect(out.noAuth[0]).toBe(401);
  expect(out.noAuth[1]).toMatch(/^Bearer/);
  expect(out.events[0]).toBe(200);
  expect(out.events[1].events).toHaveLength(1);
  expect(out.events[1].events[0]).toMatchObject({
    recipient: 'bob@example.com',
    eventType: 'bounced',
    eventId: 'sns-1',
  });
  expect(out.deleted).toEqual([200, { suppressed: false }]);
  expect(out.afterDelete).toBe(false);
  expect(out.tables).toEqual(expect.arrayContaining(['deliveries', 'events', 'suppressions']));
});
