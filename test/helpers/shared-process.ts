/**
 * Set up before every test file (vitest.config.ts): the files of a worker share one process, so
 * each must leave it as it found it. A listener left on the default bus ran in the next file's
 * requests (the in-memory bus of every handler without sinks), a stubbed global answered for it.
 */
import { afterAll, expect } from 'vitest';
import { EmailTrackingEvent } from '../../src/events.js';
import { EventBus } from '../../src/sinks/memory.js';

const { fetch, setTimeout } = globalThis;

afterAll(() => {
  expect(
    EventBus.default.listenerCount(EmailTrackingEvent),
    'listeners left on the default bus',
  ).toBe(0);
  expect(globalThis.fetch, 'globalThis.fetch left replaced').toBe(fetch);
  expect(globalThis.setTimeout, 'globalThis.setTimeout left replaced').toBe(setTimeout);
});
