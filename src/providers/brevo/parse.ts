/** Brevo transactional webhook events (one, or a batched array) as contexts, mapped as django-anymail maps them. */
import type { Logger } from '../../log.js';
import { inRange } from '../../timestamp.js';
import { collectJsonBody, type ElementOutcome } from '../batch.js';
import { parseJsonBody } from '../body-text.js';
import { makeContext } from '../context.js';
import {
  isObject,
  type JsonObject,
  metadataFromText,
  type Outcome,
  outcome,
  own,
  ownText,
  textTags,
} from '../fields.js';
import type { ProviderResult, Refusal } from '../types.js';

const ESP = 'brevo';

/** Brevo's `event` → outcome; a Map, so `event: "constructor"` finds nothing and is `unknown`. */
const EVENTS: ReadonlyMap<string, Outcome> = new Map([
  ['request', outcome('queued')],
  ['delivered', outcome('delivered')],
  ['deferred', outcome('deferred')],
  ['hard_bounce', outcome('bounced', 'bounced', true)],
  ['soft_bounce', outcome('bounced', 'bounced', false)],
  ['invalid_email', outcome('bounced', 'invalid', true)],
  // Brevo blocks an address it holds as blocklisted, unsubscribed or hard-bounced.
  ['blocked', outcome('rejected', 'blocked', true)],
  ['error', outcome('failed', 'other', false)],
  ['spam', outcome('complained')],
  ['complaint', outcome('complained')],
  ['opened', outcome('opened')],
  ['unique_opened', outcome('opened')],
  ['proxy_open', outcome('opened')],
  ['unique_proxy_open', outcome('opened')],
  ['click', outcome('clicked')],
  // Brevo's documentation says `unsubscribe`; some payloads say `unsubscribed`.
  ['unsubscribe', outcome('unsubscribed')],
  ['unsubscribed', outcome('unsubscribed')],
]);

/**
 * `ts_epoch` (or `s_epoch`, as Brevo's proxy-open samples spell it): the one UTC field, in
 * milliseconds; `ts`, `ts_event` and `date` follow the account's time zone. A value below 10^11
 * (1973 in milliseconds) is seconds, as some of Brevo's documented samples are.
 */
function _timestamp(event: JsonObject, now: () => Date): Date | string {
  const field = Object.hasOwn(event, 'ts_epoch') ? 'ts_epoch' : 's_epoch';
  const value = own(event, field);
  if (value === undefined) return now();
  const ms = typeof value === 'number' && value < 1e11 ? value * 1000 : value;
  // NaN and Infinity are out of range.
  const date = typeof ms === 'number' ? inRange(Math.round(ms)) : undefined;
  return date ?? `field "${field}" is not Unix time in milliseconds between 1970 and 9999`;
}

/** `tags` (an array); else `tag`, a string, an array, or an array written as JSON text. */
function _tags(event: JsonObject): string[] {
  let list = own(event, 'tags') ?? own(event, 'tag');
  if (typeof list === 'string' && list.startsWith('[')) {
    try {
      list = JSON.parse(list);
    } catch {
      // A tag that merely starts with "[": kept as written.
    }
  }
  return textTags(list);
}

async function _event(
  element: unknown,
  digest: () => Promise<string>,
  now: () => Date,
): Promise<ElementOutcome> {
  if (!isObject(element)) return { problem: 'is not a JSON object' };
  if (Object.hasOwn(element, 'items')) {
    return { ignored: 'inbound mail (Brevo inbound parsing webhook)', warn: true };
  }
  const name = own(element, 'event');
  // No `event` at all: not a Brevo event (as an SES Message with no event type), not a broken one.
  if (name === undefined) return { ignored: 'no "event": not a Brevo event', warn: true };
  if (typeof name !== 'string') return { problem: 'field "event" is missing' };
  const recipient = ownText(element, 'email');
  if (recipient === null) return { problem: 'field "email" is missing' };
  const timestamp = _timestamp(element, now);
  if (typeof timestamp === 'string') return { problem: timestamp };
  const kind = EVENTS.get(name) ?? outcome('unknown');
  const reason = ownText(element, 'reason');
  return {
    event: makeContext({
      ...kind,
      espName: ESP,
      recipient,
      messageId: ownText(element, 'message-id') ?? '',
      eventId: await digest(),
      timestamp,
      rawEvent: element,
      tags: _tags(element),
      metadata: metadataFromText(own(element, 'X-Mailin-custom'), 'X-Mailin-custom'),
      // Bounced, rejected and failed: the only outcomes with a `permanent`.
      rejectReason: kind.permanent === null ? null : name,
      // anymail leaves Brevo's description unset (null): `reason` is the MTA's answer.
      mtaResponse: reason,
      clickUrl: ownText(element, 'link'),
    }),
  };
}

/** The body (one event, or a JSON array when the webhook is batched) as contexts. */
export async function parseBrevoBody(
  body: Uint8Array,
  now: () => Date,
  logger: Logger,
): Promise<ProviderResult | Refusal> {
  return collectJsonBody(
    parseJsonBody(body),
    body,
    (element, digest) => _event(element, digest, now),
    { esp: ESP, label: 'Brevo', logger },
  );
}
