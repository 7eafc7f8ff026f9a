/** Building contexts the same way in every provider: defaults, digest event ids, strict timestamps. */
import type { EmailTrackingContext } from '../events.js';
import { setOwn } from '../schema.js';
import { inRange } from '../timestamp.js';
import { encodeHex, sha256 } from './base64.js';
import { asText } from './fields.js';

/**
 * `<name>:` plus the first 32 lowercase hex digits of SHA-256 over `text` (raw body bytes for a
 * single-event ESP, the element's JSON for a batch element): the same across the ESP's retries.
 */
export async function digestEventId(name: string, text: string | Uint8Array): Promise<string> {
  return `${name}:${encodeHex(await sha256(text)).slice(0, 32)}`;
}

/** What a provider must say about an event; everything else defaults to null or empty. */
export type ContextFields = Pick<
  EmailTrackingContext,
  'eventType' | 'messageId' | 'recipient' | 'timestamp' | 'espName' | 'eventId' | 'rawEvent'
> &
  Partial<EmailTrackingContext>;

/** A full context from the fields a provider knows. */
export function makeContext(fields: ContextFields): EmailTrackingContext {
  return {
    tags: [],
    metadata: {},
    rejectReason: null,
    description: null,
    clickUrl: null,
    userAgent: null,
    mtaResponse: null,
    rejectCategory: null,
    permanent: null,
    ...fields,
  };
}

/** A Date from Unix seconds (fractions allowed), or undefined outside 1970–9999. */
export function fromUnixSeconds(value: unknown): Date | undefined {
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || seconds < 0) return undefined;
  // Truncated to the millisecond, as `new Date(seconds * 1000)` and ISO fractions are read (NaN
  // and Infinity are out of range).
  return inRange(Math.trunc(seconds * 1000));
}

/**
 * Tags and metadata from name/value pairs, by the SES rules: `name`, `name:value`, `metadata:<key>`;
 * an empty name or metadata key is passed over, as SES has none.
 */
export function tagsFromPairs(pairs: Iterable<readonly [string, unknown]>): {
  tags: string[];
  metadata: Record<string, string>;
} {
  const tags: string[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, raw] of pairs) {
    const value = asText(raw);
    const key = name.startsWith('metadata:') ? name.slice(9) : null;
    // setOwn: a key such as `__proto__` stays an ordinary key.
    if (key) setOwn(metadata, key, value);
    else if (name && key === null)
      tags.push(value === '' || value === 'true' ? name : `${name}:${value}`);
  }
  return { tags: [...new Set(tags)], metadata };
}
