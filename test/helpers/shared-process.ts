/**
 * Set up before every test file (vitest.config.ts): the files of a worker share one process, so
 * what a file leaves behind would reach the next one. A listener left on the default bus ran in
 * the next file's requests (the in-memory bus of every handler without sinks), a stubbed global
 * answered for it, fake timers left on stalled every wait after. A file that does not clean up
 * (one written from DESIGN alone subscribes as the reference does, and never unsubscribes) is
 * cleaned up after here, and told so on the console: it must not fail the files after it, nor fail itself
 * for what its own cases did not check.
 */
import { afterAll, vi } from 'vitest';
import { EmailTrackingEvent, type EventKey } from '../../src/events.js';
import { EventBus, type ListenerLike } from '../../src/sinks/memory.js';

const { Date: RealDate, fetch, setTimeout } = globalThis;

// The default bus's unsubscribe functions, kept by a wrapper put on `subscribe` once a worker
// (this file runs again before each test file; the modules it imports load once).
const KEPT = Symbol.for('mailhooks.test.defaultBusUnsubscribes');
type Kept = { [KEPT]?: (() => void)[] };
const proto = EventBus.prototype as EventBus & Kept;
if (!proto[KEPT]) {
  const offs: (() => void)[] = [];
  const subscribe = proto.subscribe;
  proto[KEPT] = offs;
  proto.subscribe = function <T>(this: EventBus, key: EventKey<T>, listener: ListenerLike<T>) {
    const off: () => void = Reflect.apply(subscribe, this, [key, listener]);
    if (this === EventBus.default) offs.push(off);
    return off;
  };
}
const offs = proto[KEPT] ?? [];

afterAll(() => {
  const left: string[] = [];
  const listeners = EventBus.default.listenerCount(EmailTrackingEvent);
  if (listeners > 0) left.push(`${listeners} listener(s) on the default bus`);
  for (const off of offs.splice(0)) off();
  if (globalThis.setTimeout !== setTimeout || globalThis.Date !== RealDate)
    left.push('fake timers');
  if (globalThis.fetch !== fetch) left.push('a replaced globalThis.fetch');
  // Each a no-op when nothing is left; `toFake: ['Date']` alone leaves setTimeout as it was.
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  globalThis.setTimeout = setTimeout;
  globalThis.Date = RealDate;
  globalThis.fetch = fetch;
  if (left.length > 0) console.warn(`shared-process: a test file left ${left.join(', ')}; undone`);
});
