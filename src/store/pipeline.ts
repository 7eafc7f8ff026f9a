/** The store's place in a request: record, drop what was delivered, deliver the rest, mark it. */
import { type DeliveryOptions, deliver } from '../deliver.js';
import { describeThrown, type HttpError, readSafely, unavailable } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';
import type { LogFields } from '../log.js';
import type { EventStore } from './types.js';

export interface StoreDeliveryOptions extends DeliveryOptions {
  readonly store?: EventStore | undefined;
}

/**
 * Resolves with `work`, or rejects with the text the log line gives once `ms` (at least 1) have
 * passed. The text names the whole deadline, `deadlineMs`, when `ms` is what is left of it.
 */
export async function within<T>(work: T | Promise<T>, ms: number, deadlineMs = ms): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(`no answer within ${deadlineMs} ms`), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Delivers to the sinks with the store before them: every context is recorded, those delivered
 * before (ESP retries) are dropped, and the rest are marked delivered only once every sink took
 * them, so a retry after a failing sink still reaches it. One deadline covers all of it.
 */
// Not async: without a store, `deliver`'s own promise is the answer, not one more around it.
export const deliverThroughStore = (
  events: EmailTrackingContext[],
  options: StoreDeliveryOptions,
  fields: LogFields,
): Promise<HttpError | undefined> =>
  options.store ? _throughStore(events, options.store, options, fields) : deliver(events, options);

async function _throughStore(
  events: EmailTrackingContext[],
  store: EventStore,
  options: StoreDeliveryOptions,
  fields: LogFields,
): Promise<HttpError | undefined> {
  // The deadline; the events are claimed until then, so a retry arriving meanwhile waits for
  // this delivery rather than making another.
  const { deliveryTimeoutMs } = options;
  const until = Date.now() + deliveryTimeoutMs;
  const left = () => Math.max(until - Date.now(), 1);
  const storeFailed = (error: unknown) => {
    // Which store failed and why go in the refusal's one log line (a name getter that throws too
    // leaves it unnamed, not the handler's 500).
    return unavailable('store-failed', 'the event store did not take the events; retry later', {
      store: readSafely(store, 'name') as string,
      error: describeThrown(error),
      events: events.length,
    });
  };
  let fresh: EmailTrackingContext[];
  try {
    // Spread: a store of the user's own that resolves with no list (a `return` forgotten) has
    // failed too, here, not as a 500 further on.
    fresh = [...(await within(store.record(events, until), left(), deliveryTimeoutMs))];
  } catch (error) {
    return storeFailed(error);
  }
  if (fresh.length < events.length) {
    options.logger.info('duplicates dropped: delivered before', {
      ...fields,
      duplicates: events.length - fresh.length,
    });
  }
  if (fresh.length === 0) return undefined;
  // Copies: the store marks or releases `fresh` after the sinks, whatever the last one does.
  const failed = await deliver(
    fresh.map((e) => ({ ...e })),
    options,
    left(),
  );
  try {
    // Delivered: marked, so retries are dropped. Not delivered: the claims are lifted, so a
    // retry (or one already waiting) delivers them now.
    await within(
      failed ? store.release?.(fresh) : store.markDelivered(fresh),
      left(),
      deliveryTimeoutMs,
    );
  } catch (error) {
    // The sinks have the events; the ESP's retry may bring them once more, but none is lost.
    if (!failed) return storeFailed(error);
  }
  return failed;
}
