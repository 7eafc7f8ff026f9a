/** What every sink implements: take a request's events, resolve when they are safely handed on. */
import type { EmailTrackingContext } from '../events.js';

/**
 * What the handler tells a sink about the delivery it is part of. Read `signal` from this object:
 * the handler's is a getter on its prototype, so a spread copy (`{ ...options }`) does not carry it.
 */
export interface SinkSendOptions {
  /** Fires when the request's delivery deadline passes: stop retrying, give up. */
  readonly signal?: AbortSignal;
  /** How long one listener may take before the delivery fails (the in-memory bus). */
  readonly listenerTimeoutMs?: number;
}

/**
 * Set by the handler's delivery beside its lazily made `signal`: tells whether the deadline has
 * passed without making the signal (an `AbortController` costs more than an idle bus's send).
 */
export const DEADLINE_PASSED: unique symbol = Symbol();

/** True once `options.signal` has aborted; reads the delivery's flag instead when it has one. */
export function sendAborted(options: SinkSendOptions): boolean {
  const flagged = options as { [DEADLINE_PASSED]?: () => boolean };
  return flagged[DEADLINE_PASSED] ? flagged[DEADLINE_PASSED]() : options.signal?.aborted === true;
}

export interface Sink {
  /** Shown in logs when the sink fails. */
  readonly name: string;
  /** Resolves once every event is taken; rejects if any was not (the request then answers 503). */
  send(events: EmailTrackingContext[], options?: SinkSendOptions): Promise<void>;
}
