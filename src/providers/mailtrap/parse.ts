/** Mailtrap webhook batches (`{ events: [...] }` or JSON Lines) into contexts, mapped as anymail maps them. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { describeIssue, hasText, number, optionalString, string, union } from '../../schema.js';
import { decodeUtf8, parseJson } from '../body-text.js';
import { digestEventId, fromUnixSeconds, makeContext } from '../context.js';
import { stringRecord, textTags, textValue } from '../fields.js';

const NAME = 'mailtrap';

const EventSchema = v.looseObject({
  event: string(),
  email: v.pipe(string(), hasText()),
  message_id: string(),
  event_id: optionalString,
  timestamp: union([number(), string()]),
  // valibot's record(string(), v.unknown()), without its code.
  reason: optionalString,
  response: optionalString,
  bounce_category: optionalString,
  url: optionalString,
  user_agent: optionalString,
});
type MailtrapEvent = v.InferOutput<typeof EventSchema>;

// A Map: an event named `constructor` finds nothing and becomes unknown.
const TYPES: ReadonlyMap<string, TrackingEventType> = new Map([
  ['delivery', 'delivered'],
  ['open', 'opened'],
  ['click', 'clicked'],
  ['bounce', 'bounced'],
  ['soft bounce', 'deferred'],
  ['spam', 'complained'],
  ['unsubscribe', 'unsubscribed'],
  ['reject', 'rejected'],
  ['suspension', 'deferred'],
]);

/** A reject caused by the address itself (Mailtrap names its suppression list). */
const _ADDRESS_REJECT = /suppression|invalid/i;

function _failure(type: TrackingEventType, event: MailtrapEvent) {
  switch (type) {
    case 'bounced':
      // Mailtrap's "bounce" is its hard bounce ("soft bounce" is deferred): `bounced` and permanent,
      // whatever its bounce_category, as django-anymail maps it.
      return { rejectCategory: 'bounced' as const, permanent: true };
    case 'rejected':
      return {
        rejectCategory: 'blocked' as const,
        permanent: _ADDRESS_REJECT.test(event.reason ?? ''),
      };
    case 'complained':
      return { rejectCategory: 'spam' as const };
    case 'unsubscribed':
      return { rejectCategory: 'unsubscribed' as const };
    default:
      return {};
  }
}

/** The elements of a body: `{ events: [...] }`, one event object, or JSON Lines (one per line). */
function _elements(text: string): unknown[] | HttpError {
  const json = parseJson(text);
  if (isHttpError(json)) {
    const lines = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const element = parseJson(line);
        return isHttpError(element) ? undefined : element;
      });
    // One line is judged as JSON; JSON Lines with a broken line is a batch; lines of which none
    // is JSON are not.
    if (lines.length < 2) return json;
    if (lines.every((line) => line === undefined))
      return badRequest('invalid-json', 'request body is not JSON or JSON Lines');
    return lines;
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    if (Object.hasOwn(json, 'events')) {
      const { events } = json as { events: unknown };
      if (Array.isArray(events)) return events;
      return badRequest('invalid-mailtrap-batch', 'Mailtrap batch field "events" is not a list');
    }
    // One event, or an object naming none (logged and skipped, as an SES Message with no type).
    return [json];
  }
  return badRequest('invalid-mailtrap-batch', 'Mailtrap batch field "events" is missing');
}

async function _context(raw: Record<string, unknown>, event: MailtrapEvent) {
  const eventType = TYPES.get(event.event) ?? 'unknown';
  return makeContext({
    eventType,
    messageId: event.message_id,
    recipient: event.email,
    timestamp: fromUnixSeconds(event.timestamp) ?? new Date(0),
    espName: NAME,
    eventId: textValue(event.event_id) ?? (await digestEventId(NAME, JSON.stringify(raw))),
    rawEvent: raw,
    // The sender's: a category or variables of another type are passed over, not a reason to
    // skip the event. Read from the parsed JSON itself, so `__proto__` stays a plain key.
    tags: textTags(raw.category),
    metadata: stringRecord(raw.custom_variables),
    rejectReason: textValue(event.bounce_category) ?? textValue(event.reason),
    description: textValue(event.reason),
    mtaResponse: textValue(event.response),
    clickUrl: textValue(event.url),
    userAgent: textValue(event.user_agent),
    ..._failure(eventType, event),
  });
}

/** Why an element is skipped: not an event (logged as a warning), or not a tracking event. */
function _check(
  element: unknown,
): { ok: false; warn: boolean; problem: string } | { ok: true; event: MailtrapEvent } {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    return { ok: false, warn: true, problem: 'not a JSON object' };
  }
  const name = Object.hasOwn(element, 'event') ? (element as { event: unknown }).event : undefined;
  // Mailtrap's own sample spells the inbound notice `inbound_message_received`.
  if (typeof name === 'string' && /^(activity_log|inbound)[._]/.test(name)) {
    return { ok: false, warn: false, problem: `${name.slice(0, 64)} is not a tracking event` };
  }
  const result = v.safeParse(EventSchema, element);
  if (!result.success) {
    const { field, detail } = describeIssue(result.issues);
    return { ok: false, warn: true, problem: `field "${field}" ${detail}` };
  }
  if (!fromUnixSeconds(result.output.timestamp)) {
    return { ok: false, warn: true, problem: 'field "timestamp" is not Unix seconds' };
  }
  return { ok: true, event: result.output };
}

/**
 * The raw body as contexts. An element that is not an event is logged (one warning, no values)
 * and skipped; activity-log and inbound elements are skipped with an info line.
 */
export async function parseMailtrapBody(
  body: Uint8Array,
  logger: Logger,
): Promise<{ events: EmailTrackingContext[] } | HttpError> {
  const text = decodeUtf8(body);
  if (typeof text !== 'string') return text;
  const elements = _elements(text);
  if (!Array.isArray(elements)) return elements;
  const events: EmailTrackingContext[] = [];
  for (const [index, element] of elements.entries()) {
    const checked = _check(element);
    if (!checked.ok) {
      const fields = { esp: NAME, index, problem: checked.problem };
      if (checked.warn) logger.warn('Mailtrap batch element skipped: not a tracking event', fields);
      else logger.info('Mailtrap batch element skipped', fields);
      continue;
    }
    events.push(await _context(element as Record<string, unknown>, checked.event));
  }
  return { events };
}
