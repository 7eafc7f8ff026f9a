/** What the handler needs from an ESP module: turn one request into events, or refuse it. */
import type { HttpError } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';

/** The outcome of a request an ESP accepted: the events it carried (possibly none). */
export interface EspResult {
  readonly events: EmailTrackingContext[];
}

/** An ESP receiving webhooks at `POST {basePath}/{name}`. */
export interface EspHandler {
  readonly name: string;
  /** Verifies and parses one request whose body was read already; never throws. */
  handle(request: Request, body: string): Promise<EspResult | HttpError>;
}
