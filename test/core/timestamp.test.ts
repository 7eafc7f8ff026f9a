/** src/timestamp.ts: ISO 8601 as ESPs write it, real calendar instants between 1970 and 9999. */
import { describe, expect, test } from 'vitest';
import { _parseAny, inRange, parseTimestamp } from '../../src/timestamp.js';

describe('parseTimestamp accepts the forms ESPs write', () => {
  test.each([
    ['2017-08-05T00:41:02.669Z', '2017-08-05T00:41:02.669Z'],
    ['2017-08-05t00:41:02.669z', '2017-08-05T00:41:02.669Z'],
    ['2018-10-08T14:05:45 +0000', '2018-10-08T14:05:45.000Z'],
    ['2018-10-08T14:05:45+0000', '2018-10-08T14:05:45.000Z'],
    ['2018-10-08 14:05:45+00', '2018-10-08T14:05:45.000Z'],
    ['2009-12-03T04:24:21.000-05:00', '2009-12-03T09:24:21.000Z'],
    ['2009-12-03T04:24:21+05:30', '2009-12-02T22:54:21.000Z'],
    ['2020-06-16T00:25:40.914123Z', '2020-06-16T00:25:40.914Z'],
    ['2020-06-16T00:25:40.914123456Z', '2020-06-16T00:25:40.914Z'],
    ['2020-06-16T00:25:40.9Z', '2020-06-16T00:25:40.900Z'],
    ['2020-06-16T00:25:40', '2020-06-16T00:25:40.000Z'],
    ['2020-06-16T00:25Z', '2020-06-16T00:25:00.000Z'],
    ['  2020-06-16T00:25:40Z  ', '2020-06-16T00:25:40.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
  ])('parses %j as %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  test('takes the last day of every month of 2026, and refuses the day after it', () => {
    for (let month = 1; month <= 12; month++) {
      const last = new Date(Date.UTC(2026, month, 0)).getUTCDate();
      const day = (d: number) =>
        `2026-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00Z`;
      expect(parseTimestamp(day(last))?.toISOString()).toBe(
        new Date(Date.UTC(2026, month - 1, last)).toISOString(),
      );
      expect(parseTimestamp(day(last + 1))).toBeUndefined();
    }
  });
});

describe('parseTimestamp refuses what is not a real instant, never shifting it', () => {
  test.each([
    ['empty', ''],
    ['words', 'yesterday'],
    ['Unix seconds', '1600000000'],
    ['a date alone', '2026-01-01'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 00', '2026-00-10T00:00:00Z'],
    ['day 00', '2026-01-00T00:00:00Z'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['29 February of a common year', '2023-02-29T00:00:00Z'],
    ['29 February 2100 (not a leap year)', '2100-02-29T00:00:00Z'],
    ['31 April', '2026-04-31T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T23:60:00Z'],
    ['second 60', '2026-01-01T23:59:60Z'],
    ['an offset of 24 hours', '2026-01-01T00:00:00+24:00'],
    ['offset minutes 60', '2026-01-01T00:00:00+01:60'],
    ['ten fraction digits', '2020-06-16T00:25:40.9141234567Z'],
    ['a named zone', '2020-06-16T00:25:40 UTC'],
    ['trailing text', '2020-06-16T00:25:40Zjunk'],
    ['a fraction after a mark that is no dot', '2020-06-16T00:25:40x123Z'],
    ['a month after a mark that is no dash', '2020-06x16T00:25:40Z'],
    ['over 64 characters', `2020-06-16T00:25:40${' '.repeat(60)}Z`],
  ])('%s: %j', (_name, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('parseTimestamp keeps to 1970–9999 as instants', () => {
  test.each([
    ['the first instant', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['the last millisecond', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    [
      'a 1969 local time that is 1970 in UTC',
      '1969-12-31T23:30:00-01:00',
      '1970-01-01T00:30:00.000Z',
    ],
    ['the last hour of 9999 east of UTC', '9999-12-31T23:00:00+01:00', '9999-12-31T22:00:00.000Z'],
  ])('accepts %s', (_name, text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  test.each([
    ['an offset that leaves 9999', '9999-12-31T23:59:59-23:59'],
    ['one minute after 9999', '9999-12-31T23:59:59-00:01'],
    ['an offset that leaves 1970', '1970-01-01T00:30:00+01:00'],
    ['1969', '1969-12-31T23:59:59Z'],
    ['year 0070 (Date.UTC reads it as 1970)', '0070-01-01T00:00:00Z'],
    ['year 0099 (Date.UTC reads it as 1999)', '0099-06-01T00:00:00Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
  ])('refuses %s: %j', (_name, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('inRange', () => {
  test('is a Date inside 1970–9999 and undefined outside', () => {
    expect(inRange(0)?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(inRange(Date.UTC(9999, 11, 31, 23, 59, 59, 999))).toBeInstanceOf(Date);
    expect(inRange(Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1)).toBeUndefined();
    expect(inRange(-1)).toBeUndefined();
    expect(inRange(Number.NaN)).toBeUndefined();
    expect(inRange(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('the canonical form read by character gives what the pattern gives', () => {
  // A seeded generator: the same strings on every run.
  let seed = 20261127;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    // The high bits: the low ones of a power-of-two LCG repeat in short cycles.
    return Math.floor(seed / 65_536) % n;
  };
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const CHARS = '0123456789-:T.Zt z+/a';

  /** A 24- or 20-character candidate: mostly well formed, with days, hours and years at their edges, sometimes one character swapped. */
  function candidate(): string {
    const year = [1969, 1970, 2000, 2023, 2024, 2100, 9999, 99, 100, 0][next(10)] as number;
    const text =
      `${pad(year, 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}T` +
      `${pad(next(26), 2)}:${pad(next(62), 2)}:${pad(next(62), 2)}` +
      (next(3) === 0 ? 'Z' : `.${pad(next(1000), 3)}Z`);
    if (next(4) !== 0) return text;
    const at = next(text.length);
    return text.slice(0, at) + CHARS[next(CHARS.length)] + text.slice(at + 1);
  }

  test('200,000 generated timestamps, valid and not, parse identically both ways', () => {
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      const text = candidate();
      const fast = parseTimestamp(text)?.getTime();
      const reference = _parseAny(text)?.getTime();
      if (fast !== reference) expect({ text, fast }).toEqual({ text, fast: reference });
      if (fast !== undefined) accepted++;
    }
    // Both kinds were tried: a generator that only made invalid strings would prove nothing.
    expect(accepted).toBeGreaterThan(20_000);
    expect(accepted).toBeLessThan(180_000);
  });
});
