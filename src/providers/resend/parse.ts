/** Turns one Resend event into one context per `data.to` address, or says why it carries none. */
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { parseOr400 } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { makeContext, tagsFromPairs } from '../context.js';
import { isObject, type JsonObject, own, textTags } from '../fields.js';
import { metadataOf } from '../ses/tags.js';
import { type EmailData, EmailEventSchema } from './schema.js';

const ESP_NAME = 'resend';
const REASON = 'invalid-resend-event';

/** The fields that depend on the event type. */
type Fields = Partial<
  Pick<
    EmailTrackingContext,
    | 'rejectReason'
    | 'description'
    | 'mtaResponse'
    | 'clickUrl'
    | 'userAgent'
    | 'rejectCategory'
    | 'permanent'
  >
>;

interface Rule {
  readonly type: TrackingEventType;
  readonly fields?: (data: EmailData) => Fields;
}

const _bounce = (data: EmailData): Fields => {
  const bounce = data.bounce ?? {};
  return {
    rejectReason: [bounce.type, bounce.subType].filter(Boolean).join('/') || null,
    description: bounce.message ?? null,
    // An array of the receiving server's SMTP answers, in Resend's docs.
    mtaResponse: textTags(bounce.diagnosticCode).join('\n') || null,
    rejectCategory: 'bounced',
    permanent: bounce.type === 'Permanent',
  };
};

/** Resend `type` → how to read it; a Map, so `email.constructor` finds nothing and becomes unknown. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['email.scheduled', { type: 'queued' }],
  ['email.sent', { type: 'sent' }],
  ['email.delivered', { type: 'delivered' }],
  ['email.delivery_delayed', { type: 'deferred' }],
  ['email.bounced', { type: 'bounced', fields: _bounce }],
  [
    'email.suppressed',
    {
      type: 'rejected',
      // Resend suppresses an address after a bounce or complaint: the address itself is the problem.
      fields: (d) => ({
        rejectReason: d.suppressed?.type ?? null,
        description: d.suppressed?.message ?? null,
        rejectCategory: 'blocked',
        permanent: true,
      }),
    },
  ],
  [
    'email.failed',
    {
      type: 'failed',
      fields: (d) => ({
        rejectReason: d.failed?.reason ?? null,
        rejectCategory: 'other',
        permanent: false,
      }),
    },
  ],
  ['email.complained', { type: 'complained', fields: () => ({ rejectCategory: 'spam' }) }],
  ['email.opened', { type: 'opened', fields: (d) => ({ userAgent: d.open?.userAgent ?? null }) }],
  [
    'email.clicked',
    {
      type: 'clicked',
      fields: (d) => ({ clickUrl: d.click?.link ?? null, userAgent: d.click?.userAgent ?? null }),
    },
  ],
]);

/** A verified request that carries no tracking event: why, and whether that deserves a warning. */
export interface ResendIgnored {
  readonly kind: 'ignored';
  readonly note: string;
  readonly warn: boolean;
}

export type ResendParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | ResendIgnored;

/** `Name <addr@example.com>` → `addr@example.com`; a bare address stays as it is. */
function _address(to: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(to);
  return (angle?.[1] ?? to).trim() || to.trim();
}

function _recipients(to: string | string[]): string[] {
  return [...new Set((typeof to === 'string' ? [to] : to).map(_address))];
}

/**
 * Tags from `data.tags`; metadata from `metadata:<key>` tags over the SES header rules applied to
 * `data.headers` (an `X-Metadata` JSON object, `X-Metadata-<Key>`: what django-anymail sends). A
 * list with an entry that is not `{ name, value }` text is passed over, never a reason to refuse.
 */
function _tags(data: JsonObject, logger: Logger): ReturnType<typeof tagsFromPairs> {
  // The parsed JSON itself, not the schema's copy: a tag named `__proto__` stays a plain key.
  // A `tags` of another type (a string, say) gives no tags: it never costs the event.
  const tags = own(data, 'tags');
  const headers = own(data, 'headers');
  const found = tagsFromPairs(
    Array.isArray(tags)
      ? tags.flatMap((t): [string, unknown][] =>
          isObject(t) && typeof t.name === 'string' ? [[t.name, own(t, 'value')]] : [],
        )
      : isObject(tags)
        ? Object.entries(tags)
        : [],
  );
  if (
    Array.isArray(headers) &&
    headers.every((h) => typeof h?.name === 'string' && typeof h.value === 'string')
  ) {
    found.metadata = { ...metadataOf({ headers }, logger), ...found.metadata };
  }
  return found;
}

/** Why an event carries no tracking event (a warning when it is not Resend's at all), else undefined. */
function _ignored(event: Record<string, unknown>): Omit<ResendIgnored, 'kind'> | undefined {
  const { type } = event;
  if (type === undefined) return { note: 'no "type": not a Resend event', warn: true };
  if (typeof type !== 'string') return undefined; // the schema names it
  if (type === 'email.received') {
    return { note: 'email.received is inbound mail, not tracking', warn: false };
  }
  if (!type.startsWith('email.')) return { note: `${type} is not an email event`, warn: false };
  return undefined;
}

/**
 * One Resend event → its contexts. `eventId` is the verified `svix-id` / `webhook-id` (the same
 * across Resend's retries), shared by every recipient's context.
 */
export function parseResendEvent(
  json: unknown,
  eventId: string,
  logger: Logger,
): ResendParseResult | HttpError {
  if (!isObject(json)) {
    return badRequest(REASON, 'a Resend event is a JSON object');
  }
  const event = json as Record<string, unknown>;
  const ignored = _ignored(event);
  if (ignored) return { kind: 'ignored', ...ignored };
  const parsed = parseOr400(EmailEventSchema, event, REASON, 'Resend event');
  if (isHttpError(parsed)) return parsed;
  const timestamp = parseTimestamp(parsed.created_at);
  if (!timestamp) {
    return badRequest(REASON, 'Resend event field "created_at" is not a timestamp');
  }
  const rule = RULES.get(parsed.type) ?? { type: 'unknown' };
  const { data } = parsed;
  const fields = { ..._tags(event.data as JsonObject, logger), ...rule.fields?.(data) };
  const events = _recipients(data.to).map((recipient) =>
    makeContext({
      eventType: rule.type,
      messageId: data.email_id,
      recipient,
      timestamp,
      espName: ESP_NAME,
      eventId,
      rawEvent: event,
      ...fields,
    }),
  );
  return { kind: 'events', events };
}
