/** The message age rule: a signed Timestamp must be recent and not in the future. */
import { forbidden, type HttpError } from '../../../errors.js';

/** How far ahead of our clock a Timestamp may be (clock skew between AWS and us). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Refuses a Timestamp that is unreadable, older than `maxAgeSeconds`, or too far ahead. */
export function checkTimestamp(
  timestamp: string,
  now: Date,
  maxAgeSeconds: number,
): HttpError | undefined {
  if (!(maxAgeSeconds > 0)) return undefined;
  const time = ISO_TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(time)) {
    return forbidden(
      'timestamp-invalid',
      `Timestamp ${JSON.stringify(timestamp)} is not an ISO 8601 time`,
    );
  }
  const ageMs = now.getTime() - time;
  if (ageMs > maxAgeSeconds * 1000) {
    return forbidden(
      'message-too-old',
      `Timestamp ${timestamp} is ${Math.round(ageMs / 1000)} s old; the limit is ${maxAgeSeconds} s`,
    );
  }
  if (-ageMs > MAX_FUTURE_SKEW_MS) {
    return forbidden(
      'timestamp-in-future',
      `Timestamp ${timestamp} is ${Math.round(-ageMs / 1000)} s ahead of this server's clock`,
    );
  }
  return undefined;
}
