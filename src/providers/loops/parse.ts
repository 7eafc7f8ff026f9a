/** Turns one Loops event into its context (one contact per event), or says why it carries none. */
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import { parseOr400 } from '../../schema.js';
import { fromUnixSeconds, makeContext } from '../context.js';
import { isObject, type Outcome, outcome } from '../fields.js';
import type { StandardWebhooksParseResult } from '../standard-webhooks-provider.js';
import { LoopsEmailEventSchema } from './schema.js';

const ESP_NAME = 'loops';
const REASON = 'invalid-loops-event';

/** An outcome (the type and failure fields), with the bounce's `rejectReason`. */
type Rule = Outcome & { readonly rejectReason?: string };

/** Loops `eventName` → our type; a Map, so `constructor` finds nothing. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['campaign.email.sent', outcome('sent')],
  // Loops renamed loops to workflows (May 2026) but kept the `loop.` event name.
  ['loop.email.sent', outcome('sent')],
  ['transactional.email.sent', outcome('sent')],
  ['email.delivered', outcome('delivered')],
  // Loops retries a soft bounce; the address may still receive mail.
  ['email.softBounced', { ...outcome('bounced', 'bounced', false), rejectReason: 'softBounced' }],
  ['email.hardBounced', { ...outcome('bounced', 'bounced', true), rejectReason: 'hardBounced' }],
  ['email.opened', outcome('opened')],
  ['email.clicked', outcome('clicked')],
  ['email.unsubscribed', outcome('unsubscribed')],
  ['email.spamReported', outcome('complained')],
  // anymail's `subscribed` has no equivalent here.
  ['email.resubscribed', outcome('unknown')],
]);

const _isEmailEvent = (name: string): boolean =>
  name.startsWith('email.') || name.endsWith('.email.sent');

/** Why an event carries no tracking event, or undefined when it should be parsed. */
function _ignored(event: Record<string, unknown>): { note: string; warn: boolean } | undefined {
  const name = event.eventName;
  if (name === undefined) return { note: 'no "eventName": not a Loops event', warn: true };
  if (typeof name !== 'string') return undefined; // the schema names it
  if (name === 'testing.testEvent') return { note: 'the Loops test event', warn: false };
  if (!_isEmailEvent(name)) return { note: `${name} is not an email event`, warn: false };
  return undefined;
}

/**
 * One Loops event → its context. `eventId` is the verified `webhook-id` (the same across Loops'
 * retries); the recipient is `contactIdentity.email`, the message `email.id`.
 */
export function parseLoopsEvent(
  json: unknown,
  eventId: string,
): StandardWebhooksParseResult | HttpError {
  if (!isObject(json)) {
    return badRequest(REASON, 'a Loops event is a JSON object');
  }
  const event = json as Record<string, unknown>;
  const ignored = _ignored(event);
  if (ignored) return { kind: 'ignored', ...ignored };
  const parsed = parseOr400(LoopsEmailEventSchema, event, REASON, 'Loops event');
  if (isHttpError(parsed)) return parsed;
  const timestamp = fromUnixSeconds(parsed.eventTime);
  if (!timestamp) {
    return badRequest(REASON, 'Loops event field "eventTime" is not Unix seconds (1970-9999)');
  }
  const context = makeContext({
    // First, as the type always was: the rule's eventType and failure fields.
    ...(RULES.get(parsed.eventName) ?? outcome('unknown')),
    messageId: parsed.email.id,
    recipient: parsed.contactIdentity.email.trim(),
    timestamp,
    espName: ESP_NAME,
    eventId,
    rawEvent: event,
  });
  return { kind: 'events', events: [context] };
}
