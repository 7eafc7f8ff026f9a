/** The message age rule: a signed Timestamp must be a real instant, recent and not in the future. */
import { forbidden, type HttpError } from '../../../errors.js';
import { parseTimestamp } from '../../../timestamp.js';
import { refuseOutsideWindow } from '../../replay-window.js';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Refuses a Timestamp that is no real ISO 8601 instant (`02-30` is not rolled into March), older
 * than `maxAgeSeconds`, or too far ahead. `maxAgeSeconds` 0 turns the whole rule off.
 */
export function checkTimestamp(
  timestamp: string,
  now: Date,
  maxAgeSeconds: number,
): HttpError | undefined {
  if (!(maxAgeSeconds > 0)) return undefined;
  const time = ISO_TIMESTAMP.test(timestamp) ? parseTimestamp(timestamp) : undefined;
  if (time === undefined) {
    return forbidden(
      'timestamp-invalid',
      `Timestamp ${JSON.stringify(timestamp.slice(0, 64))} is not a real ISO 8601 time`,
    );
  }
  return refuseOutsideWindow('Timestamp', now.getTime() - time.getTime(), maxAgeSeconds);
}
