/** Turns one Scaleway TEM webhook event (the SNS Message) into its context, or says why it has none. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import {
  hasText,
  nonEmpty,
  number,
  optionalString,
  parseOr400,
  string,
  union,
} from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { deepField } from '../body-text.js';
import { makeContext } from '../context.js';
import { isObject } from '../fields.js';
import { metadataOf, tagsOf } from '../ses/tags.js';

const ESP_NAME = 'scaleway';
const REASON = 'invalid-scaleway-event';

const TemEventSchema = v.looseObject({
  id: v.pipe(string(), nonEmpty()),
  type: string(),
  created_at: string(),
  email_id: optionalString,
  email_to: v.pipe(string(), hasText()),
  email_response_code: v.optional(v.nullable(union([number(), string()]))),
  email_response_message: optionalString,
  email_error: optionalString,
  blocklist_type: optionalString,
  blocklist_reason: optionalString,
});

type TemEvent = v.InferOutput<typeof TemEventSchema>;
type Fields = Partial<
  Pick<
    EmailTrackingContext,
    'rejectReason' | 'description' | 'mtaResponse' | 'rejectCategory' | 'permanent'
  >
>;

interface Rule {
  readonly type: TrackingEventType;
  readonly fields?: (event: TemEvent) => Fields;
}

const _smtp = (e: TemEvent): Fields => {
  const text = e.email_response_message ?? e.email_error ?? null;
  const code = e.email_response_code == null ? '' : String(e.email_response_code);
  return { mtaResponse: text && code && !text.startsWith(code) ? `${code} ${text}` : text };
};

const _bounce =
  (category: 'bounced' | 'invalid') =>
  (e: TemEvent): Fields => ({
    ..._smtp(e),
    rejectReason: e.type,
    description: e.email_response_message ?? e.email_error ?? null,
    rejectCategory: category,
    permanent: true,
  });

/** TEM `type` → our type (reference/esps.md 3.12); a Map, so `constructor` finds nothing. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['email_queued', { type: 'queued' }],
  ['email_delivered', { type: 'delivered', fields: _smtp }],
  ['email_deferred', { type: 'deferred', fields: _smtp }],
  // Dropped: the recipient server refused it for good (a hard bounce).
  ['email_dropped', { type: 'bounced', fields: _bounce('bounced') }],
  ['email_mailbox_not_found', { type: 'bounced', fields: _bounce('invalid') }],
  [
    'email_spam',
    // Judged spam by Scaleway or the recipient's server: the message, not the address.
    {
      type: 'rejected',
      fields: (e) => ({
        ..._smtp(e),
        rejectReason: e.type,
        rejectCategory: 'spam',
        permanent: false,
      }),
    },
  ],
  [
    'email_blocklisted',
    // The address is on the domain's blocklist: it stays refused until the entry goes.
    {
      type: 'rejected',
      fields: (e) => ({
        rejectReason: e.blocklist_type ?? e.type,
        description: e.blocklist_reason ?? null,
        rejectCategory: 'blocked',
        permanent: true,
      }),
    },
  ],
]);

/** Events about the account, not a message. */
const NOT_MESSAGE_EVENTS = new Set(['blocklist_created']);

export type ScalewayParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'ignored'; readonly note: string; readonly warn: boolean };

/** `email_headers` (`[{ key, value }]`) as SES headers; entries that are not text are passed over. */
const _headers = (value: unknown): { name: string; value: string }[] =>
  Array.isArray(value)
    ? value.flatMap((h) =>
        isObject(h) && typeof h.key === 'string' && typeof h.value === 'string'
          ? [{ name: h.key, value: h.value }]
          : [],
      )
    : [];

/**
 * Parses the SNS `Message` of a Scaleway TEM webhook: `eventId` is the TEM event `id`,
 * `messageId` its `email_id` (empty when the event has none), the recipient `email_to`; tags and
 * metadata from `X-Tag` / `X-Metadata` headers in `email_headers`, by the SES rules.
 */
export function parseScalewayMessage(
  message: string,
  logger: Logger,
): ScalewayParseResult | HttpError {
  let json: unknown;
  try {
    // Any depth: one that names a type but nests too deep is refused below.
    json = JSON.parse(message);
  } catch {
    return { kind: 'ignored', note: 'Message is not JSON: not a TEM event', warn: true };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'ignored', note: 'Message is not a JSON object: not a TEM event', warn: true };
  }
  const event = json as Record<string, unknown>;
  if (typeof event.type !== 'string') {
    return { kind: 'ignored', note: 'Message has no "type": not a TEM event', warn: true };
  }
  if (NOT_MESSAGE_EVENTS.has(event.type)) {
    return { kind: 'ignored', note: `${event.type} is not about a message`, warn: false };
  }
  // No TEM event nests so deep; JSON.stringify could not write it back (see parseJson).
  const deep = deepField(event);
  if (deep) return badRequest(REASON, `Scaleway TEM event field "${deep}" nests more than 64 deep`);
  const parsed = parseOr400(TemEventSchema, event, REASON, 'Scaleway TEM event');
  if (isHttpError(parsed)) return parsed;
  const timestamp = parseTimestamp(parsed.created_at);
  if (!timestamp) {
    return badRequest(REASON, 'Scaleway TEM event field "created_at" is not a timestamp');
  }
  const rule = RULES.get(parsed.type) ?? { type: 'unknown' };
  const headers = _headers(event.email_headers);
  const context = makeContext({
    eventType: rule.type,
    messageId: parsed.email_id ?? '',
    recipient: parsed.email_to.trim(),
    timestamp,
    espName: ESP_NAME,
    eventId: parsed.id,
    rawEvent: event,
    tags: tagsOf({ headers }),
    metadata: metadataOf({ headers }, logger),
    ...rule.fields?.(parsed),
  });
  return { kind: 'events', events: [context] };
}
