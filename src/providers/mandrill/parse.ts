/** Mandrill `mandrill_events` batches into per-recipient contexts, mapped as django-anymail maps them. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { describeIssue, number, optionalString, string, union } from '../../schema.js';
import { parseJson } from '../body-text.js';
import { digestEventId, fromUnixSeconds, makeContext } from '../context.js';
import { isObject, type JsonObject, own, stringRecord, textTags, textValue } from '../fields.js';

const NAME = 'mandrill';

const EventSchema = v.looseObject({
  event: optionalString,
  type: optionalString,
  _id: optionalString,
  ts: v.optional(v.nullable(union([number(), string()]))),
  url: optionalString,
  user_agent: optionalString,
  msg: v.optional(
    v.nullable(
      v.looseObject({
        email: optionalString,
        _id: optionalString,
        diag: optionalString,
        bounce_description: optionalString,
      }),
    ),
  ),
  reject: v.optional(
    v.nullable(
      v.looseObject({ email: optionalString, reason: optionalString, detail: optionalString }),
    ),
  ),
  // A whitelist (allowlist) sync event names its address here instead.
  entry: v.optional(v.nullable(v.looseObject({ email: optionalString }))),
});
type MandrillEvent = v.InferOutput<typeof EventSchema>;

interface Rule {
  readonly type: TrackingEventType;
  readonly category?: RejectCategory;
  readonly permanent?: boolean;
}

// A Map: an event named `constructor` finds nothing and becomes unknown.
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['send', { type: 'sent' }],
  // Not in anymail's table; Mailchimp Transactional sends it (Symfony's converter maps it).
  ['delivered', { type: 'delivered' }],
  ['deferral', { type: 'deferred' }],
  ['hard_bounce', { type: 'bounced', category: 'bounced', permanent: true }],
  ['soft_bounce', { type: 'bounced', category: 'bounced', permanent: false }],
  ['open', { type: 'opened' }],
  ['click', { type: 'clicked' }],
  ['spam', { type: 'complained', category: 'spam' }],
  ['unsub', { type: 'unsubscribed', category: 'unsubscribed' }],
  // Mandrill rejects a send to an address on its rejection denylist: the address is the cause.
  ['reject', { type: 'rejected', category: 'blocked', permanent: true }],
]);

/** `msg.metadata` as strings (read from the parsed JSON itself: `__proto__` stays a plain key). */
const _metadata = (raw: JsonObject): Record<string, string> => {
  const msg = own(raw, 'msg');
  return stringRecord(isObject(msg) ? own(msg, 'metadata') : null);
};

type Checked =
  | { ok: true; event: MandrillEvent; recipient: string; name: string }
  | { ok: false; warn: boolean; problem: string };

function _check(element: unknown): Checked {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    return { ok: false, warn: true, problem: 'not a JSON object' };
  }
  const result = v.safeParse(EventSchema, element);
  if (!result.success) {
    const { field, detail } = describeIssue(result.issues);
    return { ok: false, warn: true, problem: `field "${field}" ${detail}` };
  }
  const event = result.output;
  const name = event.event ?? event.type ?? '';
  if (name === 'inbound') return { ok: false, warn: false, problem: 'inbound mail, not tracking' };
  const recipient =
    textValue(event.msg?.email) ?? textValue(event.reject?.email) ?? textValue(event.entry?.email);
  if (!recipient)
    return { ok: false, warn: true, problem: 'no msg.email, reject.email or entry.email' };
  if (event.ts !== undefined && event.ts !== null && !fromUnixSeconds(event.ts)) {
    return { ok: false, warn: true, problem: 'field "ts" is not Unix seconds' };
  }
  return { ok: true, event, recipient, name };
}

async function _context(
  raw: Record<string, unknown>,
  checked: Extract<Checked, { ok: true }>,
  now: Date,
): Promise<EmailTrackingContext> {
  const { event, recipient, name } = checked;
  const rule = RULES.get(name) ?? { type: 'unknown' };
  const failure = rule.type === 'bounced' || rule.type === 'rejected';
  return makeContext({
    eventType: rule.type,
    messageId: textValue(event._id) ?? textValue(event.msg?._id) ?? '',
    recipient,
    // Sync (denylist) events carry no `ts`: the time they were received.
    timestamp: (event.ts !== undefined && event.ts !== null && fromUnixSeconds(event.ts)) || now,
    espName: NAME,
    // Mandrill gives no event id; the element's JSON is the same in each retry of the batch.
    eventId: await digestEventId(NAME, JSON.stringify(raw)),
    rawEvent: raw,
    tags: textTags(event.msg?.tags),
    metadata: _metadata(raw),
    rejectReason: textValue(event.msg?.bounce_description),
    description: textValue(event.reject?.detail) ?? textValue(event.reject?.reason),
    mtaResponse: textValue(event.msg?.diag),
    clickUrl: textValue(event.url),
    userAgent: textValue(event.user_agent),
    rejectCategory: rule.category ?? null,
    permanent: failure ? (rule.permanent ?? false) : null,
  });
}

/**
 * The `mandrill_events` form field (a JSON array) as contexts: 400 when it is missing or not a
 * JSON array; an element that is not an event is logged (one warning, no values) and skipped.
 */
export async function parseMandrillEvents(
  field: string | null,
  logger: Logger,
  now: Date,
): Promise<{ events: EmailTrackingContext[] } | HttpError> {
  if (field === null) {
    return badRequest('invalid-mandrill-batch', 'form field "mandrill_events" is missing');
  }
  const json = parseJson(field, 'form field "mandrill_events"');
  if (isHttpError(json)) return json;
  if (!Array.isArray(json)) {
    return badRequest('invalid-mandrill-batch', 'form field "mandrill_events" is not a JSON array');
  }
  const events: EmailTrackingContext[] = [];
  for (const [index, element] of json.entries()) {
    const checked = _check(element);
    if (!checked.ok) {
      const fields = { esp: NAME, index, problem: checked.problem };
      if (checked.warn) logger.warn('Mandrill batch element skipped: not a tracking event', fields);
      else logger.info('Mandrill batch element skipped', fields);
      continue;
    }
    events.push(await _context(element as Record<string, unknown>, checked, now));
  }
  return { events };
}
