/** Hands a request's events to every sink in order, within one deadline for the whole delivery. */

import { describeThrown, type HttpError, readSafely, unavailable } from './errors.js';
import type { EmailTrackingContext } from './events.js';
import type { Logger } from './log.js';
import { DEADLINE_PASSED, type Sink, type SinkSendOptions } from './sinks/types.js';
import { soonOrRace } from './soon-or-race.js';

export interface DeliveryOptions {
  readonly sinks: readonly Sink[];
  readonly deliveryTimeoutMs: number;
  readonly listenerTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The deadline as sinks see it (`SinkSendOptions`). Its `AbortSignal` is made only when a sink
 * reads it: most deliveries (the in-memory bus without listeners, a queue that answers at once)
 * never do, and an `AbortController` costs more than the rest of such a delivery. A class with
 * the getter on its prototype: an object literal with an own getter costs a microsecond a request.
 */
const _PASS = Symbol();

class _Deadline implements SinkSendOptions {
  #passed = false;
  #controller: AbortController | undefined;
  constructor(readonly listenerTimeoutMs: number) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#passed) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  [DEADLINE_PASSED](): boolean {
    return this.#passed;
  }

  /** Only `deliver` calls this (a sink sees no name for it). */
  [_PASS](): void {
    this.#passed = true;
    this.#controller?.abort();
  }
}

async function _sendAll(
  events: EmailTrackingContext[],
  options: DeliveryOptions,
  deadline: _Deadline,
): Promise<HttpError | undefined> {
  const { sinks } = options;
  const count = events.length;
  for (let i = 0; i < sinks.length; i++) {
    const sink = sinks[i] as Sink;
    if (deadline[DEADLINE_PASSED]()) return undefined;
    try {
      // Its own array of its own contexts: a sink that empties the array (a buffer's splice) or
      // reassigns a field (strips rawEvent) takes nothing from the sinks after it. Shallow: the
      // nested objects are shared, read-only (a copy each would not be linear in the message).
      // The last sink takes the caller's: nothing reads them after it (the store passes copies).
      await sink.send(i === sinks.length - 1 ? events : events.map((e) => ({ ...e })), deadline);
    } catch (error) {
      if (deadline[DEADLINE_PASSED]()) return undefined;
      // Which sink failed and why go in the refusal's one log line (a name getter that throws
      // too, or a name of '', names it by its place, `sinks[1]`, not the handler's 500).
      const name = (readSafely(sink, 'name') || `sinks[${i}]`) as string;
      const logged = { sink: name, error: describeThrown(error), events: count };
      // A listener that ran out of time is named in the answer: that is where to look.
      return readSafely(error, 'reason') === 'listener-timeout'
        ? unavailable('listener-timeout', `${logged.error}; retry later`, logged)
        : unavailable('sink-failed', `sink ${name} did not take the events; retry later`, logged);
    }
  }
  return undefined;
}

const _TICKS = 8;

/**
 * Delivers to every sink; the first failure, or the deadline passing, is a 503 so the ESP
 * retries. Sinks get the deadline as an `AbortSignal` and stop their retries when it fires.
 */
export function deliver(
  events: EmailTrackingContext[],
  options: DeliveryOptions,
  // What is left of the deadline (the store's pipeline spent some); the log names the setting.
  ms = options.deliveryTimeoutMs,
): Promise<HttpError | undefined> {
  const deadline = new _Deadline(options.listenerTimeoutMs);
  const sending = _sendAll(events, options, deadline);
  // Sinks that take the events at once (the bus, a queue that answers at once) are done within a
  // few microtasks: the deadline's timer is set only for a delivery still running after them,
  // and cleared when it ends.
  const timedOut = () =>
    new Promise<HttpError>((resolve) => {
      const timer = setTimeout(() => {
        deadline[_PASS]();
        resolve(
          unavailable(
            'sink-timeout',
            'the sinks did not take the events within the delivery deadline (deliveryTimeoutMs); retry later',
            { deliveryTimeoutMs: options.deliveryTimeoutMs, events: events.length },
          ),
        );
      }, ms);
      const clear = () => clearTimeout(timer);
      sending.then(clear, clear);
    });
  return soonOrRace(sending, timedOut, _TICKS);
}
