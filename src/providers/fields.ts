/** Reading ESP JSON safely: own keys only, non-empty strings, string-valued metadata, failure outcomes. */
import type { RejectCategory, TrackingEventType } from '../events.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string, null or undefined: what an optional nullable string field accepts. */
export const isOptionalText = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === 'string';

/** An own property: `constructor`, `__proto__` and friends are never found on the prototype. */
export const own = (object: JsonObject, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined;

/**
 * A string with text, as sent; null for anything else. Only blanks is no text: a recipient `'  '`
 * takes the road a missing one takes (a 400, a skipped element, an empty recipient), never `''`.
 */
export const textValue = (value: unknown): string | null =>
  typeof value === 'string' && /\S/.test(value) ? value : null;

/** A string property with text (`textValue`), else null. */
export const ownText = (object: JsonObject, key: string): string | null =>
  textValue(own(object, key));

/** Any JSON value as metadata text: strings as they are, null as empty, the rest as JSON. */
export const asText = (value: unknown): string =>
  typeof value === 'string' ? value : value == null ? '' : (JSON.stringify(value) ?? '');

/** An object's entries with string values; `Object.fromEntries` keeps a `__proto__` key a plain key. */
export const stringRecord = (value: unknown): Record<string, string> =>
  isObject(value)
    ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asText(item)]))
    : {};

/**
 * Metadata an ESP passes back as one string (Brevo's `X-Mailin-custom`, Mailjet's `Payload`):
 * a JSON object gives its entries; any other non-empty text is kept under `name`, not lost.
 */
export function metadataFromText(value: unknown, name: string): Record<string, string> {
  if (typeof value !== 'string' || value === '') return stringRecord(value);
  try {
    const parsed: unknown = JSON.parse(value);
    if (isObject(parsed)) return stringRecord(parsed);
  } catch {
    // Not JSON: plain text, kept below.
  }
  return { [name]: value };
}

/** The type of an event with the failure fields every provider shares. */
export interface Outcome {
  readonly eventType: TrackingEventType;
  readonly rejectCategory: RejectCategory | null;
  readonly permanent: boolean | null;
}

/**
 * An outcome; `complained` and `unsubscribed` get their fixed category, and types that are
 * not failures get null for both fields whatever is passed.
 */
export function outcome(
  eventType: TrackingEventType,
  rejectCategory: RejectCategory | null = null,
  permanent: boolean | null = null,
): Outcome {
  // One object shape for all (the failure fields written once).
  const failure = eventType === 'bounced' || eventType === 'rejected' || eventType === 'failed';
  return {
    eventType,
    rejectCategory: failure
      ? (rejectCategory ?? 'other')
      : eventType === 'complained'
        ? 'spam'
        : eventType === 'unsubscribed'
          ? eventType
          : null,
    permanent: failure ? (permanent ?? false) : null,
  };
}

/**
 * Tags as ESPs send them, one rule for all: a string or a list; its non-empty strings (and finite
 * numbers, as their text), each once, in order. Other entries, and a field of any other type (an
 * object, say), give none: a tag never costs the event.
 */
export const textTags = (value: unknown): string[] => [
  ...new Set(
    (Array.isArray(value) ? value : [value])
      .map((t) => (typeof t === 'number' && Number.isFinite(t) ? `${t}` : t))
      .filter((t): t is string => typeof t === 'string' && t !== ''),
  ),
];
