/** One event or a batch of them: one context per element; a broken element of a batch is skipped, not fatal. */
import { badRequest, type HttpError, isHttpError } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';
import type { Logger } from '../log.js';
import { digestEventId } from './context.js';
import type { ProviderResult } from './types.js';

/**
 * What one element gave: a context; nothing to deliver (`ignored`: a ping, inbound mail, a
 * notice that is not about a message; logged as a warning when `warn`); or why it is broken
 * (`problem`, phrased after "<ESP> event": `field "email" is missing`).
 */
export type ElementOutcome =
  | { readonly event: EmailTrackingContext }
  | { readonly ignored: string; readonly warn?: boolean }
  | { readonly problem: string };

/** Where the elements came from: a batch, or (with `body`) a request that is one event. */
export interface ElementSource<T> {
  readonly elements: readonly T[];
  /** Set when the body is the one element: its digest is over these bytes, and a problem is a 400. */
  readonly body?: Uint8Array;
}

export interface CollectOptions {
  /** The provider name: `espName`, digest prefix, log field, `invalid-<esp>-event`. */
  readonly esp: string;
  /** The ESP as people write it, for messages. */
  readonly label: string;
  readonly logger: Logger;
}

/**
 * Parses every element. `digest` gives the element's fallback `eventId`: `<esp>:` and SHA-256
 * over the raw body for a single event, over the element's JSON in a batch (stable across
 * retries either way), computed only when asked for.
 */
export async function collectEvents<T>(
  source: ElementSource<T>,
  parseOne: (element: T, digest: () => Promise<string>) => Promise<ElementOutcome> | ElementOutcome,
  { esp, label, logger }: CollectOptions,
): Promise<ProviderResult | HttpError> {
  const { elements, body } = source;
  // An empty batch is answered 200 like any other: one line says it came.
  if (elements.length === 0) logger.info(`${label} batch is empty; nothing to deliver`, { esp });
  const events: EmailTrackingContext[] = [];
  for (const [index, element] of elements.entries()) {
    const digest = () => digestEventId(esp, body ?? JSON.stringify(element));
    const result = await parseOne(element, digest);
    if ('event' in result) {
      events.push(result.event);
    } else if ('problem' in result) {
      if (body) return badRequest(`invalid-${esp}-event`, `${label} event ${result.problem}`);
      logger.warn(`${label} batch element skipped: not a tracking event`, {
        esp,
        index,
        problem: result.problem,
      });
    } else {
      const fields = body ? { esp } : { esp, index };
      const message = `${label} ${body ? 'request' : 'batch element'} carries no tracking event: ${result.ignored}`;
      if (result.warn) logger.warn(message, fields);
      else logger.info(message, fields);
    }
  }
  return { events };
}

/** The elements of a body that is a JSON array (a batch) or one object (a single event). */
export const arrayOrSingle = (json: unknown, body: Uint8Array): ElementSource<unknown> =>
  Array.isArray(json) ? { elements: json } : { elements: [json], body };

/**
 * A body parsed as JSON (or the refusal its parsing gave) as contexts: a JSON array is a batch,
 * anything else the one event of the request.
 */
export async function collectJsonBody(
  json: unknown,
  body: Uint8Array,
  parseOne: (element: unknown, digest: () => Promise<string>) => Promise<ElementOutcome>,
  options: CollectOptions,
): Promise<ProviderResult | HttpError> {
  if (isHttpError(json)) return json;
  return collectEvents(arrayOrSingle(json, body), parseOne, options);
}
