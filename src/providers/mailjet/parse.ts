/** Mailjet Event API payloads (one object, or a grouped array) as contexts, mapped as django-anymail maps them. */

import { isHttpError } from '../../errors.js';
import type { RejectCategory, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { collectJsonBody, type ElementOutcome } from '../batch.js';
import { fromUnixSeconds, makeContext } from '../context.js';
import { parseJsonExactIntegers } from '../exact-json.js';
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

const ESP = 'mailjet';

/** Mailjet's `event` → our type; `sent` means the receiving MTA accepted the message. */
const EVENTS: ReadonlyMap<string, TrackingEventType> = new Map([
  ['sent', 'delivered'],
  ['open', 'opened'],
  ['click', 'clicked'],
  ['bounce', 'bounced'],
  ['blocked', 'rejected'],
  ['spam', 'complained'],
  ['unsub', 'unsubscribed'],
] as const);

/** anymail's table: Mailjet's `error` → category. */
const CATEGORIES: ReadonlyMap<string, RejectCategory> = new Map([
  ['user unknown', 'bounced'],
  ['mailbox inactive', 'bounced'],
  ['quota exceeded', 'bounced'],
  ['blacklisted', 'blocked'],
  ['spam reporter', 'spam'],
  ['invalid domain', 'bounced'],
  ['no mail host', 'bounced'],
  ['relay/access denied', 'bounced'],
  ['greylisted', 'other'],
  ['typofix', 'invalid'],
  ['sender blocked', 'blocked'],
  ['content blocked', 'blocked'],
  ['policy issue', 'blocked'],
  ['preblocked', 'blocked'],
  ['duplicate in campaign', 'other'],
] as const);

/** Errors about the address itself (unknown, invalid, or on Mailjet's block list): a block for one is permanent. */
const ADDRESS_ERRORS: ReadonlySet<string> = new Set([
  'user unknown',
  'mailbox inactive',
  'blacklisted',
  'spam reporter',
  'invalid domain',
  'no mail host',
  'typofix',
  'preblocked',
]);

function _outcome(event: JsonObject, name: string, error: string | null): Outcome {
  const type = EVENTS.get(name) ?? 'unknown';
  const hard = own(event, 'hard_bounce') === true;
  // A greylisted message is retried by Mailjet: not a bounce yet.
  if (error === 'greylisted' && !hard && (type === 'bounced' || type === 'rejected')) {
    return outcome('deferred');
  }
  const fallback = type === 'bounced' ? 'bounced' : 'blocked';
  const category = (error && CATEGORIES.get(error)) || (error ? 'other' : fallback);
  const permanent = type === 'bounced' ? hard : ADDRESS_ERRORS.has(error ?? '');
  return outcome(type, category, permanent);
}

/**
 * `mj_message_id` (a string in newer payloads), else `MessageID` read exactly: `event` is the
 * element as parsed with integers past 2^53 kept as their digits.
 */
function _messageId(event: JsonObject): string {
  const id = own(event, 'MessageID');
  return (
    ownText(event, 'mj_message_id') ??
    (typeof id === 'string' || typeof id === 'number' ? String(id) : '')
  );
}

async function _event(
  element: unknown,
  digest: () => Promise<string>,
  now: () => Date,
  exact: unknown,
): Promise<ElementOutcome> {
  if (!isObject(element)) return { problem: 'is not a JSON object' };
  const name = own(element, 'event');
  if (typeof name !== 'string') {
    // The Parse API (inbound mail) posts messages with Sender/Recipient/Parts and no event.
    // No `event` at all: not a Mailjet event (as an SES Message with no event type).
    return Object.hasOwn(element, 'Parts') || Object.hasOwn(element, 'Sender')
      ? { ignored: 'inbound mail (Mailjet Parse API)', warn: true }
      : name === undefined
        ? { ignored: 'no "event": not a Mailjet event', warn: true }
        : { problem: 'field "event" is missing' };
  }
  const recipient = ownText(element, 'email');
  if (recipient === null) return { problem: 'field "email" is missing' };
  const time = own(element, 'time');
  const timestamp = time === undefined ? now() : fromUnixSeconds(time);
  if (!timestamp) return { problem: 'field "time" is not Unix seconds between 1970 and 9999' };
  const error = ownText(element, 'error');
  return {
    event: makeContext({
      ..._outcome(element, name, error),
      espName: ESP,
      recipient,
      messageId: _messageId(isObject(exact) ? exact : element),
      eventId: await digest(),
      timestamp,
      rawEvent: element,
      tags: textTags(own(element, 'customcampaign')),
      metadata: metadataFromText(own(element, 'Payload'), 'Payload'),
      rejectReason: error,
      description: ownText(element, 'comment'),
      mtaResponse: ownText(element, 'smtp_reply'),
      clickUrl: ownText(element, 'url'),
      userAgent: ownText(element, 'agent'),
    }),
  };
}

/**
 * The body (one event, or a JSON array with "group events" on) as contexts. `rawEvent` and the
 * digest `eventId` are over each element as `JSON.parse` reads it; `messageId` is read exactly.
 */
export async function parseMailjetBody(
  body: Uint8Array,
  now: () => Date,
  logger: Logger,
): Promise<ProviderResult | Refusal> {
  const parsed = parseJsonExactIntegers(body);
  if (isHttpError(parsed)) return parsed;
  // The same elements, read exactly, in the order they are parsed (one call each, in turn).
  const exact = Array.isArray(parsed.exact) ? parsed.exact : [parsed.exact];
  let index = 0;
  return collectJsonBody(
    parsed.json,
    body,
    (element, digest) => _event(element, digest, now, exact[index++]),
    { esp: ESP, label: 'Mailjet', logger },
  );
}
