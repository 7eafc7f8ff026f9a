/** Turns one MailPace event (`{ event, payload }`) into one context per recipient. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, TrackingEventType } from '../../events.js';
import { optionalString, parseOr400, string } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { digestEventId, makeContext } from '../context.js';
import { textTags } from '../fields.js';

const ESP_NAME = 'mailpace';
const REASON = 'invalid-mailpace-event';

const PayloadSchema = v.looseObject({
  // Nullable in MailPace's table of payload properties.
  to: optionalString,
  message_id: optionalString,
  created_at: string(),
});

const EventSchema = v.looseObject({ event: string(), payload: PayloadSchema });

type Fields = Partial<Pick<EmailTrackingContext, 'rejectReason' | 'rejectCategory' | 'permanent'>>;

interface Rule {
  readonly type: TrackingEventType;
  readonly fields?: Fields;
}

/** As django-anymail maps MailPace (PR #355); a Map, so `constructor` finds nothing. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['email.queued', { type: 'queued' }],
  ['email.delivered', { type: 'delivered' }],
  ['email.deferred', { type: 'deferred' }],
  [
    'email.bounced',
    // MailPace reports temporary failures as email.deferred: a bounce is final.
    {
      type: 'bounced',
      fields: { rejectReason: 'bounced', rejectCategory: 'bounced', permanent: true },
    },
  ],
  [
    'email.spam',
    // MailPace refused to send the message as spam: its content, not the address, is the problem.
    {
      type: 'rejected',
      fields: { rejectReason: 'spam', rejectCategory: 'spam', permanent: false },
    },
  ],
]);

/** `Name <addr@example.com>, other@example.com` → each address once. */
function _recipients(to: string): string[] {
  const addresses = to
    .split(',')
    .map((part) => (/<([^<>]+)>\s*$/.exec(part)?.[1] ?? part).trim())
    .filter(Boolean);
  return [...new Set(addresses)];
}

export type MailpaceParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'ignored'; readonly note: string };

/**
 * One MailPace event → its contexts. MailPace sends no event id (`payload.id` is the email's, the
 * same for its queued and delivered events), so `eventId` is the `mailpace:` digest of the raw body.
 */
export async function parseMailpaceEvent(
  json: unknown,
  body: Uint8Array,
): Promise<MailpaceParseResult | HttpError> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return badRequest(REASON, 'a MailPace event is a JSON object');
  }
  const event = json as Record<string, unknown>;
  if (event.event === undefined)
    return { kind: 'ignored', note: 'no "event": not a MailPace event' };
  const parsed = parseOr400(EventSchema, event, REASON, 'MailPace event');
  if (isHttpError(parsed)) return parsed;
  const { payload } = parsed;
  const timestamp = parseTimestamp(payload.created_at);
  if (!timestamp) {
    return badRequest(REASON, 'MailPace event field "payload.created_at" is not a timestamp');
  }
  // An event that names no recipient is still reported, with an empty one (anymail passes the
  // null on): a 400 would get the webhook disabled by MailPace, and the event lost.
  const found = _recipients(payload.to ?? '');
  const recipients = found.length > 0 ? found : [''];
  const rule = RULES.get(parsed.event) ?? { type: 'unknown' };
  const eventId = await digestEventId(ESP_NAME, body);
  const tags = textTags(payload.tags);
  const events = recipients.map((recipient) =>
    makeContext({
      eventType: rule.type,
      messageId: payload.message_id ?? '',
      recipient,
      timestamp,
      espName: ESP_NAME,
      eventId,
      rawEvent: event,
      // Shared by the message's contexts: a copy each would be recipients × tags.
      tags,
      ...rule.fields,
    }),
  );
  return { kind: 'events', events };
}
