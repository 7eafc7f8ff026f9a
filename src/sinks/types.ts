/** What every sink implements: take a request's events, resolve when they are safely handed on. */
import type { EmailTrackingContext } from '../events.js';

export interface Sink {
  /** Shown in logs when the sink fails. */
  readonly name: string;
  /** Resolves once every event is taken; rejects if any was not (the request then answers 503). */
  send(events: EmailTrackingContext[]): Promise<void>;
}
