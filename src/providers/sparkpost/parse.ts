/** SparkPost event batches (`[{ msys: { <class>: event } }]`) as contexts, mapped as django-anymail maps them. */
import { badRequest, isHttpError } from '../../errors.js';
import type { RejectCategory, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { parseTimestamp } from '../../timestamp.js';
import { collectEvents, type ElementOutcome } from '../batch.js';
import { parseJsonBody } from '../body-text.js';
import { fromUnixSeconds, makeContext } from '../context.js';
import {
  isObject,
  type JsonObject,
  type Outcome,
  outcome,
  own,
  ownText,
  stringRecord,
  textTags,
} from '../fields.js';
import type { ProviderResult, Refusal } from '../types.js';

const ESP = 'sparkpost';

/** `type` → our type. `initial_open` is left `unknown`, as anymail does by default: an `open` follows it. */
const TYPES: ReadonlyMap<string, TrackingEventType> = new Map([
  ['injection', 'queued'],
  ['delivery', 'delivered'],
  ['delay', 'deferred'],
  ['bounce', 'bounced'],
  ['out_of_band', 'bounced'],
  ['policy_rejection', 'rejected'],
  ['generation_rejection', 'rejected'],
  ['generation_failure', 'failed'],
  ['spam_complaint', 'complained'],
  ['open', 'opened'],
  ['amp_open', 'opened'],
  ['click', 'clicked'],
  ['amp_click', 'clicked'],
  ['list_unsubscribe', 'unsubscribed'],
  ['link_unsubscribe', 'unsubscribed'],
] as const);

/** anymail's table: `bounce_class` → category. */
const CATEGORIES: ReadonlyMap<string, RejectCategory> = new Map([
  ['1', 'other'],
  ['10', 'invalid'],
  ['20', 'bounced'],
  ['21', 'bounced'],
  ['22', 'bounced'],
  ['23', 'bounced'],
  ['24', 'timed_out'],
  ['25', 'blocked'],
  ['30', 'bounced'],
  ['40', 'bounced'],
  ['50', 'blocked'],
  ['51', 'spam'],
  ['52', 'spam'],
  ['53', 'other'],
  ['54', 'blocked'],
  ['70', 'bounced'],
] as const);

/** Bounce classes that are no failure of the message (auto-reply, subscribe, unsubscribe, challenge). */
const RETYPED: ReadonlyMap<string, TrackingEventType> = new Map([
  ['60', 'unknown'],
  ['80', 'unknown'],
  ['90', 'unsubscribed'],
  ['100', 'unknown'],
] as const);

/** SparkPost's "hard" classes: the address itself does not exist. */
const HARD_CLASSES: ReadonlySet<string> = new Set(['10', '30']);

function _outcome(event: JsonObject, type: TrackingEventType): Outcome {
  const bounceClass = ownText(event, 'bounce_class') ?? '';
  const retyped = type === 'bounced' ? RETYPED.get(bounceClass) : undefined;
  if (retyped) return outcome(retyped);
  // A class anymail's table does not list is `other`, as there; no class at all leaves the type's own.
  const category = CATEGORIES.get(bounceClass) ?? (bounceClass === '' ? undefined : 'other');
  const hard = HARD_CLASSES.has(bounceClass);
  if (type !== 'rejected') {
    return outcome(type, category ?? (type === 'bounced' ? 'bounced' : 'other'), hard);
  }
  // A policy rejection of an address on the suppression list (it bounced, complained or
  // unsubscribed before) is about the address, so it is permanent.
  const why = ownText(event, 'raw_reason') ?? ownText(event, 'reason') ?? '';
  const suppressed = /suppress/i.test(why);
  return outcome(type, category ?? (suppressed ? 'blocked' : 'other'), hard || suppressed);
}

/** `timestamp`: Unix seconds as a string (or number); generation failures carry ISO 8601. */
function _timestamp(event: JsonObject, now: () => Date): Date | undefined {
  const value = own(event, 'timestamp');
  if (value === undefined) return now();
  return fromUnixSeconds(value) ?? (typeof value === 'string' ? parseTimestamp(value) : undefined);
}

/** `campaign_id`, as anymail: `rcpt_tags` come from a recipient list, not from the send (in `rawEvent`). */
function _tags(event: JsonObject): string[] {
  return textTags([own(event, 'campaign_id')]);
}

/** The one event class of an element: `{}` is SparkPost's ping; `relay_message` is inbound mail. */
function _unwrap(element: unknown): { cls: string; event: JsonObject } | ElementOutcome {
  const msys = isObject(element) ? own(element, 'msys') : undefined;
  if (!isObject(msys)) return { problem: 'field "msys" is missing' };
  const classes = Object.keys(msys);
  const [cls] = classes;
  if (cls === undefined) return { ignored: 'ping (an empty msys)' };
  if (classes.length > 1) return { problem: `field "msys" holds ${classes.length} event classes` };
  const event = msys[cls];
  if (!isObject(event)) return { problem: `field "msys.${cls}" is not an object` };
  if (cls === 'relay_message') {
    return { ignored: 'inbound mail (a relay webhook)', warn: true };
  }
  return { cls, event };
}

async function _event(
  element: unknown,
  digest: () => Promise<string>,
  now: () => Date,
): Promise<ElementOutcome> {
  const unwrapped = _unwrap(element);
  if (!('cls' in unwrapped)) return unwrapped;
  const { cls, event } = unwrapped;
  const name = own(event, 'type');
  if (typeof name !== 'string') return { problem: `field "msys.${cls}.type" is missing` };
  // AMP engagement events may name no recipient; anymail still reports them, and so do we (with
  // an empty recipient) rather than drop an open or a click.
  const recipient = ownText(event, 'raw_rcpt_to') ?? ownText(event, 'rcpt_to') ?? '';
  const timestamp = _timestamp(event, now);
  if (!timestamp) return { problem: `field "msys.${cls}.timestamp" is not a timestamp` };
  return {
    event: makeContext({
      ..._outcome(event, TYPES.get(name) ?? 'unknown'),
      espName: ESP,
      recipient,
      messageId: ownText(event, 'transmission_id') ?? ownText(event, 'message_id') ?? '',
      eventId: ownText(event, 'event_id') ?? (await digest()),
      timestamp,
      rawEvent: event,
      tags: _tags(event),
      metadata: stringRecord(own(event, 'rcpt_meta')),
      rejectReason: ownText(event, 'bounce_class'),
      description: ownText(event, 'reason'),
      mtaResponse: ownText(event, 'raw_reason'),
      clickUrl: ownText(event, 'target_link_url'),
      userAgent: ownText(event, 'user_agent'),
    }),
  };
}

/** The body, a JSON array of `{ msys: ... }` elements, as contexts; `[{ "msys": {} }]` is a ping. */
export async function parseSparkpostBatch(
  body: Uint8Array,
  now: () => Date,
  logger: Logger,
): Promise<ProviderResult | Refusal> {
  const json = parseJsonBody(body);
  if (isHttpError(json)) return json;
  if (!Array.isArray(json)) {
    return badRequest('body-not-array', 'SparkPost sends a JSON array of { msys } events');
  }
  return collectEvents({ elements: json }, (element, digest) => _event(element, digest, now), {
    esp: ESP,
    label: 'SparkPost',
    logger,
  });
}
