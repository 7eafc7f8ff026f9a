/** Mailgun `event-data` into per-recipient contexts, mapped as django-anymail maps it. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../../events.js';
import { number, optionalString, parseOr400, string, union } from '../../schema.js';
import { digestEventId, fromUnixSeconds, makeContext } from '../context.js';
import { type Outcome, outcome, stringRecord, textTags, textValue } from '../fields.js';

const EventDataSchema = v.looseObject({
  event: string(),
  id: optionalString,
  timestamp: v.optional(v.nullable(union([number(), string()]))),
  recipient: optionalString,
  severity: optionalString,
  reason: optionalString,
  url: optionalString,
  message: v.optional(
    v.nullable(
      v.looseObject({
        headers: v.optional(
          v.nullable(v.looseObject({ 'message-id': optionalString, to: optionalString })),
        ),
      }),
    ),
  ),
  'delivery-status': v.optional(
    v.nullable(v.looseObject({ message: optionalString, description: optionalString })),
  ),
  reject: v.optional(
    v.nullable(v.looseObject({ reason: optionalString, description: optionalString })),
  ),
  'client-info': v.optional(v.nullable(v.looseObject({ 'user-agent': optionalString }))),
});

const BodySchema = v.looseObject({ 'event-data': EventDataSchema });

type EventData = v.InferOutput<typeof EventDataSchema>;

const TYPES: ReadonlyMap<string, TrackingEventType> = new Map([
  ['accepted', 'queued'],
  ['rejected', 'rejected'],
  ['delivered', 'delivered'],
  ['failed', 'bounced'],
  ['opened', 'opened'],
  ['clicked', 'clicked'],
  ['unsubscribed', 'unsubscribed'],
  ['complained', 'complained'],
] as const);

/**
 * `reason` → category, anymail's `reject_reasons` for JSON webhooks: any other reason is `other`.
 * (Its 499/605/607 table reads the SMTP `code` of legacy form-encoded webhooks, refused here.)
 */
const CATEGORIES: ReadonlyMap<string, RejectCategory> = new Map([
  ['bounce', 'bounced'],
  ['suppress-bounce', 'bounced'],
  ['generic', 'other'],
] as const);

/** Reasons about the address itself (a bounce, or on a suppression list): a rejected event with one is permanent. */
const ADDRESS_REASONS: ReadonlySet<string> = new Set([
  'bounce',
  'suppress-bounce',
  'suppress-complaint',
  'suppress-unsubscribe',
]);

/** What a parsed body gave: its event, one context (Mailgun sends one event per request). */
export type MailgunParseResult = { readonly events: EmailTrackingContext[] };

export interface ParseOptions {
  /** The raw body, for the digest event id when `event-data.id` is absent. */
  readonly body: Uint8Array;
  /** When `event-data.timestamp` is absent: the signed timestamp, else the clock. */
  readonly fallback: Date;
}

// Each part's characters exclude the next part's, so a match is found (or not) in linear time.
const _BRACKETED = /^[^<>]*<\s*([^\s<>,]+)\s*>\s*$/;
const _BARE = /^\s*([^\s<>,"]+)\s*$/;

/** A token with an `@` that is neither its first nor its last character. */
const _hasInnerAt = (token: string | undefined): token is string =>
  token !== undefined && token.indexOf('@', 1) > 0 && token.indexOf('@', 1) < token.length - 1;

/**
 * The address of a single-address header value (`Name <a@b>` or `a@b`), else undefined. Not
 * `[^…]+@[^…]+` in one pattern: with `@` in both classes that backtracks quadratically.
 */
function _singleAddress(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const bracketed = _BRACKETED.exec(header)?.[1];
  if (_hasInnerAt(bracketed)) return bracketed;
  const bare = _BARE.exec(header)?.[1];
  return _hasInnerAt(bare) ? bare : undefined;
}

function _eventType(data: EventData): TrackingEventType {
  const type = TYPES.get(data.event) ?? 'unknown';
  return type === 'bounced' && data.severity === 'temporary' ? 'deferred' : type;
}

/** The event's outcome: category from `reason`; permanent by `severity`, or for a reason about the address. */
function _outcome(data: EventData): Outcome {
  const type = _eventType(data);
  const category = (data.reason && CATEGORIES.get(data.reason)) || 'other';
  const permanent =
    type === 'bounced' ? data.severity === 'permanent' : ADDRESS_REASONS.has(data.reason ?? '');
  return outcome(type, category, permanent);
}

/**
 * Parses a Mailgun webhook body (already verified): 400 naming the field when `event-data` breaks
 * the schema.
 */
export async function parseMailgunBody(
  json: unknown,
  options: ParseOptions,
): Promise<MailgunParseResult | HttpError> {
  const body = parseOr400(BodySchema, json, 'invalid-mailgun-event', 'Mailgun event');
  if (isHttpError(body)) return body;
  const raw = (json as Record<string, unknown>)['event-data'] as Record<string, unknown>;
  const data = body['event-data'];
  const eventOutcome = _outcome(data);
  const { eventType } = eventOutcome;

  let timestamp = options.fallback;
  if (data.timestamp !== undefined && data.timestamp !== null) {
    const parsed = fromUnixSeconds(data.timestamp);
    if (!parsed) {
      return badRequest(
        'invalid-mailgun-event',
        'Mailgun event field "event-data.timestamp" is not Unix seconds between 1970 and 9999',
      );
    }
    timestamp = parsed;
  }

  const headers = data.message?.headers;
  // An event that names no recipient is still reported, with an empty one, as django-anymail
  // does (its test_delivery_status_is_none_event).
  const recipient =
    textValue(data.recipient) ??
    (eventType === 'rejected' ? _singleAddress(headers?.to) : undefined) ??
    '';

  const status = data['delivery-status'];
  // As sent: an empty description stays "" (anymail passes it on).
  const description =
    status?.description ?? (eventType === 'rejected' ? textValue(data.reject?.reason) : null);
  const rejectReason =
    textValue(data.reason) ?? (eventType === 'rejected' ? textValue(data.reject?.reason) : null);

  const context = makeContext({
    ...eventOutcome,
    recipient,
    messageId: headers?.['message-id'] ?? '',
    eventId: textValue(data.id) ?? (await digestEventId('mailgun', options.body)),
    timestamp,
    espName: 'mailgun',
    rawEvent: raw,
    // Tags and variables are the sender's: one of another type is passed over, not a 400. Read
    // from the parsed JSON itself, so a variable named __proto__ stays a plain key.
    tags: textTags(raw.tags),
    metadata: stringRecord(raw['user-variables']),
    rejectReason,
    description,
    mtaResponse: textValue(status?.message),
    clickUrl: textValue(data.url),
    userAgent: textValue(data['client-info']?.['user-agent']),
  });
  return { events: [context] };
}
