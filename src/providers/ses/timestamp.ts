/** Lenient timestamp parsing for the formats SES writes (ISO 8601, "2018-10-08T14:05:45 +0000"). */

const _PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses a timestamp; a missing zone means UTC. Returns undefined for anything unparsable. */
export function parseTimestamp(text: string): Date | undefined {
  const m = _PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone = 'Z'] = m;
  let offset = 'Z';
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  // Milliseconds only: Date keeps no finer precision, and some parsers refuse longer fractions.
  const ms = fraction ? `.${fraction.slice(1, 4).padEnd(3, '0')}` : '';
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
