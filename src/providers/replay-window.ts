/** The replay window every signed timestamp is judged by, whichever ESP signed it. */
import { forbidden, type HttpError } from '../errors.js';

/** How far ahead of our clock a signed timestamp may be: clock skew, as Svix allows. */
export const FUTURE_SKEW_SECONDS = 300;

/**
 * Refuses a signed time `ageMs` old (negative: ahead of our clock) when older than `maxAgeSeconds`
 * (0 turns that check off) or more than 5 minutes ahead (always). `what` names the field and
 * `setting` the option that sets the limit. The configured limit goes to the log line, not the
 * public message. An age that is no number (a `now` option giving an Invalid Date) is refused,
 * never taken as in the window: the comparisons are written so that NaN fails them.
 */
export function refuseOutsideWindow(
  what: string,
  ageMs: number,
  maxAgeSeconds: number,
  setting = 'maxAgeSeconds',
): HttpError | undefined {
  if (maxAgeSeconds > 0 && !(ageMs <= maxAgeSeconds * 1000)) {
    return forbidden(
      'message-too-old',
      `${what} is ${Math.round(ageMs / 1000)} s old, older than ${setting} allows: a replay, or a clock far off`,
      { [setting]: maxAgeSeconds },
    );
  }
  if (!(ageMs >= -FUTURE_SKEW_SECONDS * 1000)) {
    return forbidden(
      'timestamp-in-future',
      `${what} is ${Math.round(-ageMs / 1000)} s ahead of this server's clock; at most ${FUTURE_SKEW_SECONDS} s are accepted`,
    );
  }
  return undefined;
}
