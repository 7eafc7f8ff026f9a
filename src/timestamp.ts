/** Strict timestamp parsing: ISO 8601 as ESPs write it, real calendar instants between 1970 and 9999. */

const _PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

// Date.UTC(9999, 11, 31, 23, 59, 59, 999): 9999-12-31T23:59:59.999Z, written out.
const _MAX = 253_402_300_799_999;

const _DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The proleptic Gregorian calendar, as Date.UTC counts it (years below 100 are refused anyway).
const _daysIn = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
    ? 29
    : (_DAYS[month - 1] ?? 0);

/** A Date when `ms` lies between 1970 and the end of 9999, else undefined (NaN fails both). */
export const inRange = (ms: number): Date | undefined =>
  ms >= 0 && ms <= _MAX ? new Date(ms) : undefined;

/**
 * Parses `2018-10-08T14:05:45.123Z`, `2018-10-08T14:05:45 +0000`, `...-05:00` (a missing zone
 * means UTC). Undefined for anything else, and for dates that do not exist (`02-30`, `T24:00`)
 * or that an offset pushes outside 1970–9999: never silently shifted.
 */
export function parseTimestamp(text: string): Date | undefined {
  if (text.length === 24 || text.length === 20) {
    const utc = canonicalUtc(text);
    if (utc !== undefined) return inRange(utc);
  }
  return _parseAny(text);
}

// Digits 0-9 at `at`, else NaN; `canonicalUtc` reads its numbers with it, with no string made.
const _digit = (text: string, at: number): number => {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : NaN;
};
const _two = (text: string, at: number): number => _digit(text, at) * 10 + _digit(text, at + 1);

/**
 * `2016-01-27T14:59:38.237Z` or `2016-01-27T14:59:38Z`, the form SNS, SES and most ESPs write
 * (three timestamps in every SES notification), read by character: epoch milliseconds, or
 * undefined for anything else, which `_parseAny` then judges as before. Not bounded to
 * 1970–9999: the X.509 reader takes its validity times (a UTCTime may be 1950) through it too.
 */
export function canonicalUtc(text: string): number | undefined {
  const fraction = text.length === 24;
  if (
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(text.length - 1) !== 90 /* Z */ ||
    (fraction && text.charCodeAt(19) !== 46) /* . */
  ) {
    return undefined;
  }
  return _utc(
    _two(text, 0) * 100 + _two(text, 2),
    _two(text, 5),
    _two(text, 8),
    _two(text, 11),
    _two(text, 14),
    _two(text, 17),
    fraction ? _digit(text, 20) * 100 + _two(text, 21) : 0,
  );
}

/**
 * The instant of these fields (month 1 to 12), or undefined for a date or time that does not
 * exist, and for a year below 100, which Date.UTC would make 19YY. NaN (a non-digit) fails every
 * comparison.
 */
function _utc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | undefined {
  if (!(year >= 100 && ms >= 0)) return undefined;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= _daysIn(year, month))) return undefined;
  if (!(hour <= 23 && minute <= 59 && second <= 59)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** Every form `parseTimestamp` takes, by the pattern. */
export function _parseAny(text: string): Date | undefined {
  if (text.length > 64) return undefined;
  const m = _PATTERN.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[7] ?? '';
  const zone = m[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5) || '0');
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  // The groups read one by one: no array of strings nor of numbers per timestamp. Milliseconds
  // only: Date keeps no finer precision.
  const utc = _utc(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    fraction ? Number(fraction.slice(1, 4).padEnd(3, '0')) : 0,
  );
  // Years before 1970 are judged as instants, like 9999 at the other end
  // (`1969-12-31T23:30:00-01:00` is 1970).
  return utc === undefined ? undefined : inRange(utc - offsetMinutes * 60_000);
}
