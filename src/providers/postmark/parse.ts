/** Turns one Postmark webhook record into one context, mapped as django-anymail maps it. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext } from '../../events.js';
import { boolean, number, optionalString, parseOr400, string, union } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { digestEventId, makeContext } from '../context.js';
import { isObject, type Outcome, outcome, stringRecord, textTags, textValue } from '../fields.js';

const REASON = 'invalid-postmark-event';
const WHAT = 'Postmark record';
const TIMESTAMP_FIELDS = ['DeliveredAt', 'BouncedAt', 'ReceivedAt', 'ChangedAt'] as const;
type TimestampField = (typeof TIMESTAMP_FIELDS)[number];

const RecordSchema = v.looseObject({
  RecordType: string(),
  // Null in a SubscriptionChange that no message caused (a manual suppression, a reactivation).
  MessageID: optionalString,
  Recipient: optionalString,
  Email: optionalString,
  ID: v.optional(v.nullable(union([number(), string()]))),
  Type: optionalString,
  Description: optionalString,
  Details: optionalString,
  OriginalLink: optionalString,
  UserAgent: optionalString,
  DeliveredAt: optionalString,
  BouncedAt: optionalString,
  ReceivedAt: optionalString,
  ChangedAt: optionalString,
});
type PostmarkRecord = v.InferOutput<typeof RecordSchema>;

const SubscriptionSchema = v.looseObject({
  SuppressSending: boolean(),
  SuppressionReason: optionalString,
});

/** RecordType → outcome before the bounce `Type` (or the suppression) refines it. */
const RECORD_TYPES: ReadonlyMap<string, Outcome> = new Map([
  ['Delivery', outcome('delivered')],
  ['Open', outcome('opened')],
  ['Click', outcome('clicked')],
  ['Bounce', outcome('bounced', 'bounced', false)],
  ['SpamComplaint', outcome('complained')],
  ['SubscriptionChange', outcome('unsubscribed')],
]);

/**
 * Bounce/spam `Type` (and SubscriptionChange `SuppressionReason`) → outcome: anymail's table,
 * with `permanent` true only where the address itself keeps failing (hard bounce, invalid or
 * deactivated address). anymail's subscribed/autoresponded/inbound_failed become `unknown`.
 */
const BOUNCE_TYPES: ReadonlyMap<string, Outcome> = new Map([
  ['HardBounce', outcome('bounced', 'bounced', true)],
  ['SoftBounce', outcome('bounced', 'bounced', false)],
  ['VirusNotification', outcome('bounced', 'other', false)],
  ['Transient', outcome('deferred')],
  ['DnsError', outcome('deferred')],
  ['OpenRelayTest', outcome('deferred')],
  ['BadEmailAddress', outcome('rejected', 'invalid', true)],
  ['ManuallyDeactivated', outcome('rejected', 'blocked', true)],
  ['Blocked', outcome('rejected', 'blocked', false)],
  ['DMARCPolicy', outcome('rejected', 'blocked', false)],
  ['Unconfirmed', outcome('rejected', 'other', false)],
  ['SMTPApiError', outcome('failed', 'other', false)],
  ['TemplateRenderingFailed', outcome('failed', 'other', false)],
  ['SpamNotification', outcome('complained')],
  ['SpamComplaint', outcome('complained')],
  ['Unsubscribe', outcome('unsubscribed')],
  ['ManualSuppression', outcome('unsubscribed')],
  ['Subscribe', outcome('unknown')],
  ['AutoResponder', outcome('unknown')],
  ['AddressChange', outcome('unknown')],
  ['ChallengeVerification', outcome('unknown')],
  ['InboundError', outcome('unknown')],
  ['Unknown', outcome('unknown')],
]);

/** Where each record type keeps its timestamp. */
const OWN_TIMESTAMP: ReadonlyMap<string, TimestampField> = new Map([
  ['Delivery', 'DeliveredAt'],
  ['Bounce', 'BouncedAt'],
  ['SpamComplaint', 'BouncedAt'],
  ['Open', 'ReceivedAt'],
  ['Click', 'ReceivedAt'],
  ['SubscriptionChange', 'ChangedAt'],
]);

/** What one Postmark request gives: a context, or nothing to deliver with a note why. */
export type PostmarkParseResult =
  | { readonly kind: 'event'; readonly event: EmailTrackingContext }
  | { readonly kind: 'none'; readonly note: string; readonly fields: Record<string, unknown> };

/**
 * Parses the JSON of one Postmark webhook request.
 * @param raw the body bytes, for the digest event id of records without an `ID`
 * @param exact the same JSON with integers past 2^53 as strings of their digits (the `ID` of
 *   Postmark's own sample bounce, 4323372036854775807, is one)
 */
export async function parsePostmarkRecord(
  json: unknown,
  raw: Uint8Array,
  now: () => Date,
  exact: unknown = json,
): Promise<PostmarkParseResult | HttpError> {
  if (!isObject(json)) return badRequest(REASON, `${WHAT} is not a JSON object`);
  if (json.RecordType === 'Inbound' || (!('RecordType' in json) && 'FromFull' in json)) {
    return { kind: 'none', note: 'inbound mail, not a tracking event', fields: {} };
  }
  // No `RecordType` at all: not a Postmark record (as an SES Message with no event type).
  if (!('RecordType' in json)) return { kind: 'none', note: 'no "RecordType"', fields: {} };
  const record = parseOr400(RecordSchema, json, REASON, WHAT);
  if (isHttpError(record)) return record;
  const recordOutcome = _outcome(record, json);
  if (isHttpError(recordOutcome)) return recordOutcome;
  // A record that names no address (the "unsubscribe variant" of a Bounce, with neither Email nor
  // BouncedAt) is still reported, as django-anymail does: empty recipient, the time it arrived.
  const recipient = textValue(record.Recipient) ?? textValue(record.Email) ?? '';
  const timestamp = _timestamp(record, now);
  if (isHttpError(timestamp)) return timestamp;
  const event = makeContext({
    ...recordOutcome,
    espName: 'postmark',
    recipient,
    messageId: record.MessageID ?? '',
    eventId: _recordId(record, exact) ?? (await digestEventId('postmark', raw)),
    timestamp,
    rawEvent: json,
    // The sender's: a Tag or Metadata of another type is passed over, not a 400. Read from the
    // parsed JSON itself, so every key stays an own property.
    tags: textTags(json.Tag),
    metadata: stringRecord(json.Metadata),
    rejectReason: _rejectReason(record, json),
    // As sent: an empty Description stays "" (anymail passes it on).
    description: record.Description ?? null,
    mtaResponse: textValue(record.Details),
    clickUrl: textValue(record.OriginalLink),
    userAgent: textValue(record.UserAgent),
  });
  return { kind: 'event', event };
}

/** A bounce or spam-complaint record: those carry a bounce `Type` and `ID`. */
const _isBounce = (record: PostmarkRecord): boolean =>
  record.RecordType === 'Bounce' || record.RecordType === 'SpamComplaint';

function _outcome(record: PostmarkRecord, json: Record<string, unknown>): Outcome | HttpError {
  const base = RECORD_TYPES.get(record.RecordType) ?? outcome('unknown');
  if (_isBounce(record)) {
    return (record.Type && BOUNCE_TYPES.get(record.Type)) || base;
  }
  if (record.RecordType !== 'SubscriptionChange') return base;
  const change = parseOr400(SubscriptionSchema, json, REASON, WHAT);
  if (isHttpError(change)) return change;
  // anymail: a lifted suppression is a (re)subscribe, which mailhooks reports as unknown.
  if (!change.SuppressSending) return outcome('unknown');
  return (change.SuppressionReason && BOUNCE_TYPES.get(change.SuppressionReason)) || base;
}

/** Postmark's own words for a failure: the bounce `Type`, or why an address was suppressed. */
function _rejectReason(record: PostmarkRecord, json: Record<string, unknown>): string | null {
  if (_isBounce(record)) {
    return textValue(record.Type);
  }
  if (record.RecordType === 'SubscriptionChange' && json.SuppressSending === true) {
    return typeof json.SuppressionReason === 'string' ? textValue(json.SuppressionReason) : null;
  }
  return null;
}

/**
 * The bounce `ID` of bounce and spam records, its digits exactly as sent (an id past 2^53 comes
 * from `exact`, as a string); undefined where a digest must stand in.
 */
function _recordId(record: PostmarkRecord, exact: unknown): string | undefined {
  if (!_isBounce(record)) return undefined;
  const id = record.ID;
  if (typeof id !== 'number') return id || undefined;
  if (Number.isSafeInteger(id)) return id >= 0 ? String(id) : undefined;
  const digits = isObject(exact) ? exact.ID : undefined;
  return typeof digits === 'string' && /^\d+$/.test(digits) ? digits : undefined;
}

/** The record type's own timestamp field, else the first of the others present (as anymail). */
function _timestamp(record: PostmarkRecord, now: () => Date): Date | HttpError {
  const own = OWN_TIMESTAMP.get(record.RecordType);
  const order = own ? [own, ...TIMESTAMP_FIELDS.filter((f) => f !== own)] : TIMESTAMP_FIELDS;
  for (const field of order) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    return (
      parseTimestamp(value) ??
      badRequest(REASON, `${WHAT} field "${field}" is not a timestamp: ${value.slice(0, 64)}`)
    );
  }
  return now();
}
