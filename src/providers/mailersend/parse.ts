/** MailerSend activity webhooks (the v1 `data.email` shape and the compact v2 one) into contexts. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../../events.js';
import { hasText, number, optionalString, parseOr400, string, union } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { makeContext } from '../context.js';
import { isObject, ownText, textTags, textValue } from '../fields.js';

const NAME = 'mailersend';
const REASON = 'invalid-mailersend-event';

const V1Schema = v.looseObject({
  type: string(),
  created_at: optionalString,
  data: v.looseObject({
    id: optionalString,
    created_at: optionalString,
    email: v.looseObject({
      message: v.looseObject({ id: string() }),
      recipient: v.looseObject({ email: v.pipe(string(), hasText()) }),
    }),
    morph: v.optional(
      v.nullable(
        v.looseObject({
          object: optionalString,
          reason: optionalString,
          readable_reason: optionalString,
          url: optionalString,
        }),
      ),
    ),
  }),
});

// Every field may be missing, as in anymail's v2 samples: an event that names no recipient is
// still reported (empty recipient and message id, the handler's clock for the time).
const V2Schema = v.looseObject({
  type: string(),
  created_at: optionalString,
  data: v.looseObject({
    id: optionalString,
    message_id: optionalString,
    recipient: optionalString,
    // An empty list when there is nothing to say, else an object.
    meta: v.optional(
      v.nullable(
        union([
          v.array(v.unknown()),
          v.looseObject({
            bounce_reason: optionalString,
            reject_reason: optionalString,
            suppression_reason: optionalString,
            unsubscribe_reason: optionalString,
            bounce_code: v.optional(v.nullable(union([string(), number()]))),
            user_agent: optionalString,
            url: optionalString,
          }),
        ]),
      ),
    ),
  }),
});

interface Rule {
  readonly type: TrackingEventType;
  readonly category?: RejectCategory;
  readonly permanent?: boolean;
}

// A Map: `activity.constructor` finds nothing and becomes unknown.
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['sent', { type: 'sent' }],
  ['delivered', { type: 'delivered' }],
  ['deferred', { type: 'deferred' }],
  ['soft_bounced', { type: 'bounced', category: 'bounced', permanent: false }],
  ['hard_bounced', { type: 'bounced', category: 'bounced', permanent: true }],
  ['opened', { type: 'opened' }],
  ['opened_unique', { type: 'opened' }],
  ['clicked', { type: 'clicked' }],
  ['clicked_unique', { type: 'clicked' }],
  ['unsubscribed', { type: 'unsubscribed', category: 'unsubscribed' }],
  ['spam_complaint', { type: 'complained', category: 'spam' }],
  ['spam_complaints', { type: 'complained', category: 'spam' }],
  // On MailerSend's suppression list: the address itself is refused.
  ['suppressed', { type: 'rejected', category: 'blocked', permanent: true }],
]);

/** What a verified body gave: events, or nothing to deliver and why. */
export type MailersendParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'ignored'; readonly note: string };

type Varying = Pick<
  EmailTrackingContext,
  'messageId' | 'recipient' | 'tags' | 'rejectReason' | 'description' | 'clickUrl' | 'userAgent'
> & { mtaResponse: string | null; eventId: string | null | undefined; when: string | null };

const _first = (...values: (string | null | undefined)[]): string | null =>
  values.find((value): value is string => typeof value === 'string' && value !== '') ?? null;

function _v1(event: Record<string, unknown>): Varying | HttpError {
  const parsed = parseOr400(V1Schema, event, REASON, 'MailerSend event');
  if (isHttpError(parsed)) return parsed;
  const { data } = parsed;
  const morph = data.morph;
  return {
    messageId: data.email.message.id,
    recipient: data.email.recipient.email,
    tags: textTags(data.email.tags),
    eventId: data.id,
    when: data.created_at ?? parsed.created_at ?? '',
    rejectReason: _first(morph?.reason),
    description: _first(morph?.readable_reason, morph?.reason),
    clickUrl: _first(morph?.url),
    userAgent: null,
    mtaResponse: null,
  };
}

function _v2(event: Record<string, unknown>): Varying | HttpError {
  const parsed = parseOr400(V2Schema, event, REASON, 'MailerSend event');
  if (isHttpError(parsed)) return parsed;
  const { data } = parsed;
  const meta = data.meta && !Array.isArray(data.meta) ? data.meta : {};
  const reason = _first(
    meta.bounce_reason,
    meta.reject_reason,
    meta.suppression_reason,
    meta.unsubscribe_reason,
  );
  const code = meta.bounce_code;
  return {
    messageId: data.message_id ?? '',
    recipient: textValue(data.recipient) ?? '',
    tags: textTags(data.tags),
    eventId: data.id,
    when: parsed.created_at ?? null,
    rejectReason: reason,
    description: reason,
    clickUrl: _first(meta.url),
    userAgent: _first(meta.user_agent),
    mtaResponse: code === undefined || code === null ? null : String(code),
  };
}

/** An account notice (`sender_identity.verified`, `maintenance.*`): about no message. */
function _notice(event: Record<string, unknown>): Varying {
  const data = Object.hasOwn(event, 'data') && isObject(event.data) ? event.data : {};
  const { created_at: when } = event;
  return {
    messageId: '',
    recipient: '',
    tags: [],
    eventId: ownText(data, 'id'),
    when: typeof when === 'string' ? when : null,
    rejectReason: null,
    description: null,
    clickUrl: null,
    userAgent: null,
    mtaResponse: null,
  };
}

/**
 * One verified MailerSend body → its context. `digest` gives the event id when `data.id` is
 * absent, `now` the time when a v2 event has no `created_at`. Inbound mail (`inbound.*`) carries
 * no event; other types than `activity.*` (account notices) are unknown events, as anymail has them.
 */
export function parseMailersendEvent(
  json: unknown,
  digest: string,
  now: Date,
): MailersendParseResult | HttpError {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return badRequest(REASON, 'a MailerSend event is a JSON object');
  }
  const event = json as Record<string, unknown>;
  const type = Object.hasOwn(event, 'type') ? event.type : undefined;
  // No `type` at all: not a MailerSend event (as an SES Message with no event type).
  if (type === undefined) return { kind: 'ignored', note: 'no "type": not a MailerSend event' };
  if (typeof type !== 'string') {
    return badRequest(REASON, 'MailerSend event field "type" is missing');
  }
  if (type.startsWith('inbound.')) {
    return { kind: 'ignored', note: `${type.slice(0, 64)} is inbound mail` };
  }
  const activity = type.startsWith('activity.');
  const data = Object.hasOwn(event, 'data') ? event.data : undefined;
  const isV1 =
    activity && typeof data === 'object' && data !== null && Object.hasOwn(data, 'email');
  const fields = !activity ? _notice(event) : isV1 ? _v1(event) : _v2(event);
  if (isHttpError(fields)) return fields;
  const timestamp = fields.when === null ? now : parseTimestamp(fields.when);
  if (!timestamp) {
    const field = isV1 ? 'data.created_at' : 'created_at';
    return badRequest(REASON, `MailerSend event field "${field}" is not a timestamp`);
  }
  const rule = (activity && RULES.get(type.slice('activity.'.length))) || { type: 'unknown' };
  const { eventId, when: _, ...rest } = fields;
  const failure = rule.type === 'bounced' || rule.type === 'rejected';
  return {
    kind: 'events',
    events: [
      makeContext({
        ...rest,
        eventType: rule.type,
        timestamp,
        espName: NAME,
        eventId: eventId || digest,
        rawEvent: event,
        rejectCategory: rule.category ?? null,
        permanent: failure ? (rule.permanent ?? false) : null,
      }),
    ],
  };
}
