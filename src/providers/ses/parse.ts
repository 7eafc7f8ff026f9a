/** Turns one SES event (event publishing or legacy notification) into one context per recipient. */
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { EmailTrackingContext, TrackingEventType } from '../../events.js';
import type { Logger } from '../../log.js';
import { parseOr400 } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { deepField } from '../body-text.js';
import { isObject, own, textValue } from '../fields.js';
import { NO_EVENTS, type ProviderResult } from '../types.js';
import {
  type Detail,
  DetailGuards,
  type DetailKey,
  DetailSchemas,
  isMail,
  type Mail,
  MailSchema,
} from './schema.js';
import { metadataOf, tagsOf } from './tags.js';

/** Per-recipient fields that depend on the event type. */
type Fields = Partial<
  Pick<
    EmailTrackingContext,
    | 'rejectReason'
    | 'description'
    | 'clickUrl'
    | 'userAgent'
    | 'mtaResponse'
    | 'rejectCategory'
    | 'permanent'
  >
>;

interface Target {
  readonly address: string;
  readonly fields: Fields;
}

interface Rule<K extends DetailKey> {
  readonly key: K;
  readonly type: TrackingEventType | ((detail: Detail<K>) => TrackingEventType);
  /** Recipients with their own fields; `undefined` means `mail.destination` with `common` fields. */
  readonly targets?: (detail: Detail<K>) => Target[];
  readonly common?: (detail: Detail<K>) => Fields;
}

/** A rule for one detail key, its functions typed for that key's detail. */
type AnyRule = { [K in DetailKey]: Rule<K> }[DetailKey];

const _optsOut = (detail: Detail<'subscription'>): boolean => {
  const prefs = detail.newTopicPreferences;
  return (
    prefs?.unsubscribeAll === true ||
    (prefs?.topicSubscriptionStatus ?? []).some((t) => t.subscriptionStatus === 'OptOut')
  );
};

/**
 * SES type name (eventType or legacy notificationType) -> how to read it. Read only through
 * `_ruleFor`: a plain object would answer `constructor` or `__proto__` from its prototype.
 */
const RULES: Readonly<Record<string, AnyRule>> = {
  Send: { key: 'send', type: 'sent' },
  Delivery: {
    key: 'delivery',
    type: 'delivered',
    targets: (d) =>
      d.recipients.map((address) => ({ address, fields: { mtaResponse: d.smtpResponse ?? null } })),
  },
  DeliveryDelay: {
    key: 'deliveryDelay',
    type: 'deferred',
    targets: (d) =>
      d.delayedRecipients.map((r) => ({
        address: r.emailAddress,
        fields: { description: d.delayType, mtaResponse: r.diagnosticCode ?? null },
      })),
  },
  Bounce: {
    key: 'bounce',
    type: 'bounced',
    targets: (d) =>
      d.bouncedRecipients.map((r) => ({
        address: r.emailAddress,
        fields: {
          rejectReason: `${d.bounceType}/${d.bounceSubType}`,
          rejectCategory: 'bounced',
          permanent: d.bounceType === 'Permanent',
          description: r.diagnosticCode ?? null,
          mtaResponse: r.diagnosticCode ?? null,
        },
      })),
  },
  Reject: {
    key: 'reject',
    type: 'rejected',
    common: (d) => ({ rejectReason: d.reason, rejectCategory: 'blocked', permanent: false }),
  },
  'Rendering Failure': {
    key: 'failure',
    type: 'failed',
    common: (d) => ({ description: d.errorMessage, rejectCategory: 'other', permanent: false }),
  },
  Open: { key: 'open', type: 'opened', common: (d) => ({ userAgent: d.userAgent ?? null }) },
  Click: {
    key: 'click',
    type: 'clicked',
    common: (d) => ({ clickUrl: d.link, userAgent: d.userAgent ?? null }),
  },
  Complaint: {
    key: 'complaint',
    type: 'complained',
    targets: (d) =>
      d.complainedRecipients.map((r) => ({
        address: r.emailAddress,
        fields: {
          rejectReason: d.complaintFeedbackType ?? null,
          userAgent: d.userAgent ?? null,
          rejectCategory: 'spam',
        },
      })),
  },
  Subscription: {
    key: 'subscription',
    type: (d) => (_optsOut(d) ? 'unsubscribed' : 'unknown'),
    common: (d) => (_optsOut(d) ? { rejectCategory: 'unsubscribed' } : {}),
  },
};

const _ruleFor = (typeName: string): Rule<DetailKey> | undefined =>
  own(RULES, typeName) as Rule<DetailKey> | undefined;

/** What a message turned out to be. */
export type SesParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'setup'; readonly note: string }
  | { readonly kind: 'not-ses'; readonly note: string };

/**
 * A parse result as the provider's answer: its events (under `espName` when given), or none,
 * with one line saying why: `SES set-up {input} received` (info) for a set-up message,
 * `{notSes} is not an SES tracking event; nothing to deliver` (warning) for anything else.
 */
export function sesAnswer(
  result: SesParseResult | HttpError,
  fields: Record<string, unknown>,
  logger: Logger,
  input: string,
  notSes: string,
  espName?: string,
): ProviderResult | HttpError {
  if (isHttpError(result)) return result;
  if (result.kind === 'events') {
    return { events: espName ? result.events.map((e) => ({ ...e, espName })) : result.events };
  }
  if (result.kind === 'setup')
    logger.info(`SES set-up ${input} received`, { ...fields, note: result.note });
  else {
    logger.warn(`${notSes} is not an SES tracking event; nothing to deliver`, {
      ...fields,
      note: result.note,
    });
  }
  return NO_EVENTS;
}

export interface SesParseContext {
  /** The SNS MessageId: shared by every context of one message. */
  readonly eventId: string;
  /** Used when neither the detail object nor `mail` carries a timestamp. */
  readonly fallback: Date;
  readonly logger: Logger;
}

/** The SES notification that confirms a topic subscription; it carries no mail. */
const SETUP_NOTIFICATION_TYPE = 'AmazonSnsSubscriptionSucceeded';

/** The SES receiving (inbound mail) notification: not a tracking event, whatever else it carries. */
const INBOUND_TYPE = 'Received';

/**
 * Parses an SNS `Message` body. Text that is not an SES event is `not-ses` (or `setup` for SES's
 * own set-up messages); a message that claims to be an SES event but breaks its schema is a 400.
 */
export function parseSesMessage(message: string, ctx: SesParseContext): SesParseResult | HttpError {
  let json: unknown;
  try {
    // Any depth: one that names a tracking type but nests too deep is refused by parseSesEvent.
    json = JSON.parse(message);
  } catch {
    if (message.startsWith('Successfully validated SNS topic'))
      return { kind: 'setup', note: message };
    return { kind: 'not-ses', note: 'Message is not JSON' };
  }
  return parseSesEvent(json, ctx);
}

/** Parses an SES event object (already JSON-decoded). */
export function parseSesEvent(json: unknown, ctx: SesParseContext): SesParseResult | HttpError {
  if (!isObject(json)) {
    return { kind: 'not-ses', note: 'Message is not a JSON object' };
  }
  const event = json as Record<string, unknown>;
  // A null type is an absent one, as in the envelope.
  const field =
    event.eventType != null
      ? 'eventType'
      : event.notificationType != null
        ? 'notificationType'
        : undefined;
  if (!field)
    return { kind: 'not-ses', note: 'Message has neither eventType nor notificationType' };
  const typeName = event[field];
  if (typeof typeName !== 'string') {
    return badRequest('invalid-ses-event', `SES event field "${field}" is not a string`);
  }
  if (typeName === SETUP_NOTIFICATION_TYPE) return { kind: 'setup', note: typeName };
  if (typeName === INBOUND_TYPE) {
    return { kind: 'not-ses', note: `${field} ${typeName} is inbound mail, not a tracking event` };
  }
  // No SES event nests so deep; JSON.stringify could not write it back (see parseJson).
  const deep = deepField(event);
  if (deep) {
    return badRequest('invalid-ses-event', `SES event field "${deep}" nests more than 64 deep`);
  }
  // The hand-written guard passes a well-formed part as it is; the schema names what is wrong.
  const mail = isMail(event.mail)
    ? event.mail
    : parseOr400(MailSchema, event.mail, 'invalid-ses-event', 'SES event');
  if (isHttpError(mail)) return _prefix(mail, 'mail');
  const rule = _ruleFor(typeName);
  if (!rule) return _build(event, mail, 'unknown', _destination(mail), undefined, ctx);
  const raw = event[rule.key];
  // `Send` carries an empty object; tolerate its absence rather than refuse a real send.
  const input = raw ?? (rule.key === 'send' ? {} : raw);
  const detail = DetailGuards[rule.key](input)
    ? input
    : parseOr400(DetailSchemas[rule.key], input, 'invalid-ses-event', 'SES event');
  if (isHttpError(detail)) return _prefix(detail, rule.key);
  const type = typeof rule.type === 'function' ? rule.type(detail) : rule.type;
  const common = rule.common?.(detail) ?? {};
  const targets = rule.targets?.(detail) ?? _destination(mail, common);
  return _build(event, mail, type, targets, detail as _Timed, ctx, rule.key);
}

const _destination = (mail: Mail, fields: Fields = {}): Target[] =>
  mail.destination.map((address) => ({ address, fields }));

/** Re-words a 400 from a nested schema so the field path starts at the event root. */
function _prefix(error: HttpError, root: string): HttpError {
  return badRequest(
    error.reason,
    error.message.replace(
      /field "([^"]*)"/,
      (_, path: string) => `field "${path === '(root)' ? root : `${root}.${path}`}"`,
    ),
  );
}

type _Timed = { timestamp?: string | null | undefined };

// Send, Reject and Rendering Failure carry no time of their own: they take `mail.timestamp`.
const _UNTIMED = ['send', 'reject', 'failure'];

/**
 * When the event happened: the detail object's timestamp (not read for the three above), else
 * `mail.timestamp`, else the fallback. Every timestamp read must be a real instant: a bad one is
 * a 400 naming its field, even when another one would have been used.
 */
function _timestamp(
  detail: _Timed | undefined,
  mail: Mail,
  key: string | undefined,
  ctx: SesParseContext,
): Date | HttpError {
  const own = key && !_UNTIMED.includes(key) ? _readTime(detail?.timestamp, key) : undefined;
  if (isHttpError(own)) return own;
  const mailTime = _readTime(mail.timestamp, 'mail');
  if (isHttpError(mailTime)) return mailTime;
  return own ?? mailTime ?? ctx.fallback;
}

/**
 * A present timestamp as a Date, or a 400 naming its field (`where`.timestamp, written only then);
 * undefined when absent.
 */
function _readTime(text: string | null | undefined, where: string): Date | HttpError | undefined {
  if (typeof text !== 'string') return undefined;
  return (
    parseTimestamp(text) ??
    badRequest(
      'invalid-ses-event',
      `SES event field "${where}.timestamp" is not a timestamp between 1970 and 9999: ${text.slice(0, 64)}`,
    )
  );
}

function _build(
  event: Record<string, unknown>,
  mail: Mail,
  eventType: TrackingEventType,
  targets: Target[],
  detail: { timestamp?: string | null | undefined } | undefined,
  ctx: SesParseContext,
  key?: string,
): SesParseResult | HttpError {
  const timestamp = _timestamp(detail, mail, key, ctx);
  if (isHttpError(timestamp)) return timestamp;
  // Read once per message and shared by its contexts, as rawEvent is: a copy per recipient would
  // make the work recipients × tags, not linear in the message.
  const tags = tagsOf(mail);
  const metadata = metadataOf(mail, ctx.logger);
  // One object per recipient, written out: `makeContext` would build two (and a tags list and a
  // metadata object thrown away) for every recipient of a 50-recipient bounce.
  const events = targets.map(
    (target): EmailTrackingContext => ({
      eventType,
      messageId: mail.messageId,
      recipient: textValue(target.address) ?? '',
      timestamp,
      espName: 'ses',
      tags,
      metadata,
      rejectReason: null,
      description: null,
      clickUrl: null,
      userAgent: null,
      mtaResponse: null,
      rejectCategory: null,
      permanent: null,
      ...target.fields,
      rawEvent: event,
      eventId: ctx.eventId,
    }),
  );
  return { kind: 'events', events };
}
