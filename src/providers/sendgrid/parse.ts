/** SendGrid Event Webhook batches: one context per element, by django-anymail's mapping. */
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { collectEvents } from '../batch.js';
import { parseJsonBody } from '../body-text.js';
import { digestEventId, fromUnixSeconds, makeContext } from '../context.js';
import { asText, isObject, type JsonObject, outcome, own, ownText, textTags } from '../fields.js';

const ESP = 'sendgrid';

type SendgridEvent = JsonObject;

// Maps, not object literals: `event: "constructor"` must find nothing.
const _EVENT_TYPES: ReadonlyMap<string, TrackingEventType> = new Map([
  ['processed', 'queued'],
  ['deferred', 'deferred'],
  ['delivered', 'delivered'],
  ['bounce', 'bounced'],
  ['dropped', 'rejected'],
  ['open', 'opened'],
  ['click', 'clicked'],
  ['spamreport', 'complained'],
  ['unsubscribe', 'unsubscribed'],
  ['group_unsubscribe', 'unsubscribed'],
]);

/** anymail's `reject_reasons`: a drop's `type` or `reason`, lower-cased; anything else is `other`. */
const _DROP_CATEGORIES: ReadonlyMap<string, RejectCategory> = new Map([
  ['invalid', 'invalid'],
  ['unsubscribed address', 'unsubscribed'],
  ['bounce', 'bounced'],
  ['bounced address', 'bounced'],
  ['blocked', 'blocked'],
  ['expired', 'timed_out'],
]);

/** Drops about the address itself: invalid, or on a suppression list (bounce, unsubscribe, spam report). */
const _ADDRESS_DROPS: ReadonlySet<string> = new Set([
  'invalid',
  'bounce',
  'bounced address',
  'unsubscribed address',
  'spam reporting address',
]);

/**
 * SendGrid's own event fields (anymail's list, plus newer documented ones); the rest are custom
 * args. `anymail_id` is on anymail's list too: the id django-anymail adds on send, not metadata.
 */
const _SENDGRID_KEYS: ReadonlySet<string> = new Set([
  'anymail_id',
  'asm_group_id',
  'attempt',
  'bounce_classification',
  'category',
  'cert_err',
  'email',
  'event',
  'ip',
  'marketing_campaign_id',
  'marketing_campaign_name',
  'marketing_campaign_split_id',
  'marketing_campaign_version',
  'mc_stats',
  'newsletter',
  'nlvx_campaign_id',
  'nlvx_campaign_split_id',
  'nlvx_user_id',
  'phase_id',
  'pool',
  'post_type',
  'reason',
  'response',
  'send_at',
  'sg_content_type',
  'sg_event_id',
  'sg_machine_open',
  'sg_message_id',
  'sg_template_id',
  'sg_template_name',
  'sg_user_id',
  'singlesend_id',
  'singlesend_name',
  'smtp-id',
  'status',
  'template_id',
  'template_version_id',
  'timestamp',
  'tls',
  'type',
  'url',
  'url_offset',
  'useragent',
]);

/** A field as it was sent, for the event id digest: strings as is, numbers in JSON form. */
const _asSent = (event: SendgridEvent, key: string): string => {
  const value = own(event, key);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
};

/** The `X-Message-Id` the send API returned: `sg_message_id` up to its first `.`; else `smtp-id`. */
function _messageId(event: SendgridEvent): string {
  const sgMessageId = ownText(event, 'sg_message_id')?.split('.')[0];
  return sgMessageId || ownText(event, 'smtp-id') || '';
}

function _metadata(event: SendgridEvent): Record<string, string> {
  // fromEntries defines own properties: a custom arg named `__proto__` stays a plain key.
  return Object.fromEntries(
    Object.keys(event)
      .filter((key) => !_SENDGRID_KEYS.has(key))
      .map((key) => [key, asText(event[key])]),
  );
}

/** rejectReason, description, mtaResponse, rejectCategory and permanent, by event type. */
function _failureFields(event: SendgridEvent, eventType: TrackingEventType) {
  const type = ownText(event, 'type');
  const reason = ownText(event, 'reason');
  if (eventType === 'rejected') {
    // Dropped before any MTA saw it, so no mtaResponse; the cause is in `type` or `reason`.
    const cause = type ?? reason;
    const key = cause?.toLowerCase() ?? '';
    return {
      ...outcome(eventType, _DROP_CATEGORIES.get(key), _ADDRESS_DROPS.has(key)),
      rejectReason: cause,
      description: reason,
    };
  }
  // A bounce is blocked or bounced by its `type`; the other types get outcome's fixed fields.
  const blocked = type?.toLowerCase() === 'blocked';
  return {
    ...outcome(eventType, blocked ? 'blocked' : 'bounced', !blocked),
    rejectReason: eventType === 'bounced' ? type : null,
    description: reason,
    mtaResponse: ownText(event, 'response') ?? reason,
  };
}

/** Why an element is not a tracking event, or undefined when it is one. */
function _problem(element: unknown): string | undefined {
  if (!isObject(element)) return 'not an object';
  // An unknown name (group_resubscribe) is still an event; no name at all is not.
  if (ownText(element, 'event') === null) return 'no event';
  if (ownText(element, 'email') === null) return 'no email';
  if (!fromUnixSeconds(own(element, 'timestamp')))
    return 'field "timestamp" is not Unix seconds between 1970 and 9999';
  return undefined;
}

/** One element as a context; the caller has checked it with `_problem`. */
async function _context(event: SendgridEvent): Promise<EmailTrackingContext> {
  const eventType = _EVENT_TYPES.get(ownText(event, 'event') ?? '') ?? 'unknown';
  // sg_event_id has been seen to change between redeliveries (sendgrid-nodejs#1435): digest instead.
  const digestOf = ['sg_message_id', 'event', 'email', 'timestamp', 'url'].map((key) =>
    _asSent(event, key),
  );
  return makeContext({
    // First, as eventType was: the failure fields carry the type (outcome's).
    ..._failureFields(event, eventType),
    messageId: _messageId(event),
    recipient: ownText(event, 'email') ?? '',
    timestamp: fromUnixSeconds(own(event, 'timestamp')) ?? new Date(0),
    espName: ESP,
    eventId: await digestEventId(ESP, digestOf.join('\n')),
    rawEvent: event,
    tags: textTags(own(event, 'category')),
    metadata: _metadata(event),
    clickUrl: ownText(event, 'url'),
    userAgent: ownText(event, 'useragent'),
  });
}

/**
 * The raw body (a JSON array of events) as contexts. An element that is not an event is logged
 * and skipped; a body that is not a JSON array is a 400.
 */
export async function parseSendgridBatch(
  body: Uint8Array,
  logger: Logger,
): Promise<{ events: EmailTrackingContext[] } | HttpError> {
  const json = parseJsonBody(body);
  if (isHttpError(json)) return json;
  if (!Array.isArray(json)) {
    const kind = json === null ? 'null' : typeof json;
    return badRequest('body-not-array', `SendGrid sends a JSON array of events; got JSON ${kind}`);
  }
  return collectEvents(
    { elements: json },
    async (element) => {
      const problem = _problem(element);
      return problem ? { problem } : { event: await _context(element as SendgridEvent) };
    },
    { esp: ESP, label: 'SendGrid', logger },
  );
}
