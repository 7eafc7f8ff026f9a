/** Unisender Go callbacks (`events_by_user` batches, or the "single event" form) as contexts, mapped as django-anymail maps them. */
import { badRequest, isHttpError } from '../../errors.js';
import type { RejectCategory, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { parseTimestamp } from '../../timestamp.js';
import { collectEvents, type ElementOutcome, type ElementSource } from '../batch.js';
import { makeContext } from '../context.js';
import { isObject, type JsonObject, outcome, own, ownText, stringRecord } from '../fields.js';
import type { ProviderResult, Refusal } from '../types.js';

const ESP = 'unisender-go';
const STATUS_EVENT = 'transactional_email_status';

/** `status` → our type: a soft bounce is retried by Unisender Go, so it is deferred. */
const STATUSES: ReadonlyMap<string, TrackingEventType> = new Map([
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['opened', 'opened'],
  ['clicked', 'clicked'],
  ['unsubscribed', 'unsubscribed'],
  ['spam', 'complained'],
  ['soft_bounced', 'deferred'],
  ['hard_bounced', 'bounced'],
] as const);

/** anymail's table: `delivery_info.delivery_status` → category; other `err_*` values are `other`. */
const CATEGORIES: ReadonlyMap<string, RejectCategory> = new Map([
  ['err_user_unknown', 'bounced'],
  ['err_user_inactive', 'bounced'],
  ['err_mailbox_discarded', 'bounced'],
  ['err_mailbox_full', 'bounced'],
  ['err_spam_rejected', 'spam'],
  ['err_blacklisted', 'blocked'],
  ['err_too_large', 'bounced'],
  ['err_unsubscribed', 'unsubscribed'],
  ['err_unreachable', 'bounced'],
  ['err_skip_letter', 'bounced'],
  ['err_domain_inactive', 'bounced'],
  ['err_destination_misconfigured', 'bounced'],
  ['err_spam_skipped', 'spam'],
] as const);

/** What an event element (`{ event_name, event_data }`, or the single-event body) carries. */
function _data(event: JsonObject, single: boolean): { data: JsonObject } | ElementOutcome {
  const name = own(event, 'event_name');
  if (typeof name !== 'string') return { problem: 'field "event_name" is missing' };
  if (name !== STATUS_EVENT) {
    // transactional_spam_block reports a block of Unisender Go's SMTP servers, not a message.
    return { ignored: `${name.slice(0, 64)} is not a message status event` };
  }
  const data = single ? event : own(event, 'event_data');
  return isObject(data) ? { data } : { problem: 'field "event_data" is not an object' };
}

/**
 * `messageId` and `metadata`, as anymail reads them: the `anymail_id` a sender put in `metadata`
 * (anymail's UNISENDER_GO_GENERATE_MESSAGE_ID) is the message id and leaves `metadata`; else `job_id`.
 */
function _messageIdAndMetadata(data: JsonObject): {
  messageId: string;
  metadata: Record<string, string>;
} {
  const sent = own(data, 'metadata');
  const metadata = stringRecord(sent);
  const ownId = isObject(sent) ? ownText(sent, 'anymail_id') : null;
  if (ownId === null) return { messageId: ownText(data, 'job_id') ?? '', metadata };
  const { anymail_id: _, ...rest } = metadata;
  return { messageId: ownId, metadata: rest };
}

async function _event(
  element: unknown,
  single: boolean,
  digest: () => Promise<string>,
  now: () => Date,
): Promise<ElementOutcome> {
  if (!isObject(element)) return { problem: 'is not a JSON object' };
  const found = _data(element, single);
  if (!('data' in found)) return found;
  const { data } = found;
  const recipient = ownText(data, 'email');
  if (recipient === null) return { problem: 'field "email" is missing' };
  const time = own(data, 'event_time');
  // "2024-09-06 23:22:40": UTC, though it says no zone.
  const timestamp =
    time === undefined ? now() : typeof time === 'string' ? parseTimestamp(time) : undefined;
  if (!timestamp) return { problem: 'field "event_time" is not a timestamp' };
  const status = own(data, 'status');
  const info = own(data, 'delivery_info');
  const delivery = isObject(info) ? info : {};
  const deliveryStatus = ownText(delivery, 'delivery_status');
  const error = deliveryStatus?.startsWith('err') ? deliveryStatus : null;
  const type = (typeof status === 'string' && STATUSES.get(status)) || 'unknown';
  return {
    event: makeContext({
      ...outcome(type, error ? (CATEGORIES.get(error) ?? 'other') : 'bounced', true),
      espName: ESP,
      recipient,
      ..._messageIdAndMetadata(data),
      eventId: await digest(),
      timestamp,
      rawEvent: data,
      rejectReason: error,
      // As anymail: the delivery status (err_* or ok_*), else an unsubscribe's comment.
      description: deliveryStatus ?? ownText(data, 'comment'),
      mtaResponse: ownText(delivery, 'destination_response'),
      clickUrl: ownText(data, 'url'),
      userAgent: ownText(delivery, 'user_agent'),
    }),
  };
}

/** The events of a batch (every user's), or the single-event body. */
function _source(json: JsonObject, body: Uint8Array): ElementSource<unknown> | Refusal {
  if (!Object.hasOwn(json, 'events_by_user')) return { elements: [json], body };
  const users = own(json, 'events_by_user');
  if (!Array.isArray(users)) {
    return badRequest(
      'invalid-unisender-go-event',
      'Unisender Go field "events_by_user" is not an array',
    );
  }
  return {
    elements: users.flatMap((user) => {
      const events = isObject(user) ? own(user, 'events') : undefined;
      return Array.isArray(events) ? events : [user];
    }),
  };
}

/** The parsed, verified body as contexts. */
export function parseUnisenderBody(
  json: unknown,
  body: Uint8Array,
  now: () => Date,
  logger: Logger,
): Promise<ProviderResult | Refusal> | Refusal {
  if (!isObject(json))
    return badRequest('invalid-unisender-go-event', 'Unisender Go sends a JSON object');
  const source = _source(json, body);
  if (isHttpError(source)) return source;
  const single = source.body !== undefined;
  return collectEvents(source, (element, digest) => _event(element, single, digest, now), {
    esp: ESP,
    label: 'Unisender Go',
    logger,
  });
}
