/** Hands a request's events to every sink in order, within one deadline for the whole delivery. */
import { describeThrown, type HttpError, unavailable } from './errors.js';
import type { EmailTrackingContext } from './events.js';
import type { LogFields, Logger } from './log.js';
import type { Sink } from './sinks/types.js';

export interface DeliveryOptions {
  readonly sinks: readonly Sink[];
  readonly deliveryTimeoutMs: number;
  readonly listenerTimeoutMs: number;
  readonly logger: Logger;
}

async function _sendAll(
  events: EmailTrackingContext[],
  options: DeliveryOptions,
  signal: AbortSignal,
  fields: LogFields,
): Promise<HttpError | undefined> {
  for (const sink of options.sinks) {
    if (signal.aborted) return undefined;
    try {
      await sink.send(events, { signal, listenerTimeoutMs: options.listenerTimeoutMs });
    } catch (error) {
      if (signal.aborted) return undefined;
      options.logger.error('sink failed; answering 503 so the ESP retries', {
        ...fields,
        sink: sink.name,
        error: describeThrown(error),
        events: events.length,
      });
      // A listener that ran out of time is named in the answer: that is where to look.
      if ((error as { reason?: unknown })?.reason === 'listener-timeout') {
        return unavailable('listener-timeout', `${describeThrown(error)}; retry later`);
      }
      return unavailable('sink-failed', `sink ${sink.name} did not take the events; retry later`);
    }
  }
  return undefined;
}

/**
 * Delivers to every sink; the first failure, or the deadline passing, is a 503 so the ESP
 * retries. Sinks get the deadline as an `AbortSignal` and stop their retries when it fires.
 */
export async function deliver(
  events: EmailTrackingContext[],
  options: DeliveryOptions,
  fields: LogFields,
): Promise<HttpError | undefined> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<HttpError>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      options.logger.error('delivery deadline passed; answering 503 so the ESP retries', {
        ...fields,
        deliveryTimeoutMs: options.deliveryTimeoutMs,
        events: events.length,
      });
      resolve(
        unavailable(
          'sink-timeout',
          `the sinks did not take the events within ${options.deliveryTimeoutMs} ms; retry later`,
        ),
      );
    }, options.deliveryTimeoutMs);
  });
  try {
    return await Promise.race([_sendAll(events, options, controller.signal, fields), deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
