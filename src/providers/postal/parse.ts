/** A Postal webhook (`{ event, timestamp, uuid, payload }`) into its context, mapped as django-anymail maps it. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../../events.js';
import { number, optionalString, parseOr400, string, union } from '../../schema.js';
import { fromUnixSeconds, makeContext } from '../context.js';
import { textTags, textValue } from '../fields.js';

const NAME = 'postal';
const REASON = 'invalid-postal-event';

const MessageSchema = v.optional(
  v.nullable(
    v.looseObject({
      id: v.optional(v.nullable(union([number(), string()]))),
      to: optionalString,
      direction: optionalString,
    }),
  ),
);

const EventSchema = v.looseObject({
  event: string(),
  timestamp: union([number(), string()]),
  uuid: optionalString,
  payload: v.looseObject({
    status: optionalString,
    details: optionalString,
    output: optionalString,
    url: optionalString,
    user_agent: optionalString,
    message: MessageSchema,
    original_message: MessageSchema,
  }),
});
type Payload = v.InferOutput<typeof EventSchema>['payload'];

interface Rule {
  readonly type: TrackingEventType;
  readonly category?: RejectCategory;
  readonly permanent?: boolean;
}

// anymail reads `payload.status` first; a Map, so a status named `constructor` finds nothing.
const STATUSES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['Sent', { type: 'delivered' }],
  ['SoftFail', { type: 'deferred' }],
  // Postal gave up: the receiving server refused the message for good.
  ['HardFail', { type: 'failed', category: 'other', permanent: true }],
  ['Held', { type: 'queued' }],
]);

function _rule(event: string, payload: Payload, raw: object): Rule {
  if (Object.hasOwn(raw, 'status'))
    return STATUSES.get(payload.status ?? '') ?? { type: 'unknown' };
  if (Object.hasOwn(raw, 'bounce'))
    return { type: 'bounced', category: 'bounced', permanent: true };
  if (Object.hasOwn(raw, 'url')) return { type: 'clicked' };
  // anymail leaves MessageLoaded unknown; it is Postal's open-tracking event.
  if (event === 'MessageLoaded') return { type: 'opened' };
  return { type: 'unknown' };
}

/** `Name <addr@example.com>` → `addr@example.com`; a bare address stays as it is. */
function _address(to: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(to);
  return (angle?.[1] ?? to).trim();
}

export type PostalParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'ignored'; readonly note: string; readonly warn?: boolean };

/**
 * A message an HTTP endpoint of Postal's (inbound routing) posts: no `event`, and the envelope
 * recipient `rcpt_to` (django-anymail's test, whatever else comes with it), or the raw form
 * (`message` with `base64`), which Postal's docs show without `rcpt_to`.
 */
function _isInboundMail(raw: Record<string, unknown>): boolean {
  const has = (key: string) => Object.hasOwn(raw, key);
  return !has('event') && (has('rcpt_to') || (has('message') && has('base64')));
}

/**
 * One verified Postal body → its context. Server events (DomainDNSError, SendLimit*), events
 * about incoming mail and incoming mail itself (an HTTP endpoint's payload) carry none. `digest` is the event id when `uuid` is absent.
 */
export function parsePostalEvent(json: unknown, digest: string): PostalParseResult | HttpError {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return badRequest(REASON, 'a Postal event is a JSON object');
  }
  const raw = json as Record<string, unknown>;
  if (_isInboundMail(raw)) {
    // Postal retries anything but a 2xx: a route pointed here by mistake would retry for hours.
    return { kind: 'ignored', note: 'inbound mail (a Postal HTTP endpoint)', warn: true };
  }
  // No `event` at all: not a Postal event (as an SES Message with no event type).
  if (!Object.hasOwn(raw, 'event')) {
    return { kind: 'ignored', note: 'no "event": not a Postal event', warn: true };
  }
  const parsed = parseOr400(EventSchema, raw, REASON, 'Postal event');
  if (isHttpError(parsed)) return parsed;
  const { payload } = parsed;
  const message = payload.message ?? payload.original_message;
  const name = parsed.event.slice(0, 64);
  if (!message) return { kind: 'ignored', note: `${name} is not about a message` };
  if (message.direction === 'incoming') {
    return { kind: 'ignored', note: `${name} is about incoming mail` };
  }
  const recipient = message.to ? _address(message.to) : '';
  if (!recipient) {
    const field = payload.message ? 'message' : 'original_message';
    return badRequest(REASON, `Postal event field "payload.${field}.to" is missing`);
  }
  // Whole seconds, as anymail reads it (`int(timestamp)`).
  const seconds = parsed.timestamp;
  const timestamp = fromUnixSeconds(
    typeof seconds === 'number' ? Math.trunc(seconds) : seconds.split('.')[0],
  );
  if (!timestamp) {
    return badRequest(REASON, 'Postal event field "timestamp" is not Unix seconds');
  }
  const rule = _rule(parsed.event, payload, raw.payload as object);
  const failure = rule.type === 'failed' || rule.type === 'bounced';
  return {
    kind: 'events',
    events: [
      makeContext({
        eventType: rule.type,
        // Postal's id of this recipient's message, which its send API returns per recipient
        // (anymail's message_id); the Message-ID header (`message_id`) is in rawEvent.
        messageId: message.id == null ? '' : String(message.id),
        recipient,
        timestamp,
        espName: NAME,
        eventId: textValue(parsed.uuid) ?? digest,
        rawEvent: raw,
        tags: textTags(message.tag),
        description: textValue(payload.details),
        mtaResponse: textValue(payload.output),
        clickUrl: textValue(payload.url),
        userAgent: textValue(payload.user_agent),
        rejectCategory: rule.category ?? null,
        permanent: failure ? (rule.permanent ?? false) : null,
      }),
    ],
  };
}
