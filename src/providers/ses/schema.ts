/** SES event shapes (event publishing and legacy notifications) as valibot schemas. */
import * as v from 'valibot';
import { boolean, optionalString, record, string } from '../../schema.js';
import { isObject, isOptionalText, own } from '../fields.js';

const str = string();

const RecipientSchema = v.looseObject({
  emailAddress: str,
  diagnosticCode: optionalString,
  status: optionalString,
  action: optionalString,
});

export const MailSchema = v.looseObject({
  messageId: str,
  timestamp: optionalString,
  destination: v.array(str),
  // Event publishing only: tag name -> list of values.
  tags: v.optional(record(v.array(str))),
  headers: v.optional(v.array(v.looseObject({ name: str, value: str }))),
});

export const DetailSchemas = {
  bounce: v.looseObject({
    bounceType: str,
    bounceSubType: str,
    bouncedRecipients: v.array(RecipientSchema),
    timestamp: optionalString,
  }),
  complaint: v.looseObject({
    complainedRecipients: v.array(v.looseObject({ emailAddress: str })),
    complaintFeedbackType: optionalString,
    userAgent: optionalString,
    timestamp: optionalString,
  }),
  delivery: v.looseObject({
    recipients: v.array(str),
    smtpResponse: optionalString,
    timestamp: optionalString,
  }),
  deliveryDelay: v.looseObject({
    delayType: str,
    delayedRecipients: v.array(RecipientSchema),
    timestamp: optionalString,
  }),
  open: v.looseObject({ userAgent: optionalString, timestamp: optionalString }),
  click: v.looseObject({ link: str, userAgent: optionalString, timestamp: optionalString }),
  reject: v.looseObject({ reason: str }),
  failure: v.looseObject({ errorMessage: str }),
  send: v.looseObject({}),
  subscription: v.looseObject({
    timestamp: optionalString,
    newTopicPreferences: v.optional(
      v.looseObject({
        unsubscribeAll: v.optional(boolean()),
        topicSubscriptionStatus: v.optional(
          v.array(v.looseObject({ topicName: optionalString, subscriptionStatus: optionalString })),
        ),
      }),
    ),
  }),
} as const;

export type DetailKey = keyof typeof DetailSchemas;
export type Mail = v.InferOutput<typeof MailSchema>;
export type Detail<K extends DetailKey> = v.InferOutput<(typeof DetailSchemas)[K]>;
export type Recipient = v.InferOutput<typeof RecipientSchema>;

/*
 * Hand-written guards, one pass over a message: each accepts only what its schema accepts and
 * would give back unchanged (a loose object's output is a copy of the same fields). Input they
 * refuse goes through the schema, which names the field or, for the odd shape they leave to it
 * (an array as an object, a record key valibot drops), gives its own output.
 */

function _isStrings(x: unknown): x is string[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') return false;
  return true;
}

function _isEvery(x: unknown, each: (item: Record<string, unknown>) => boolean): boolean {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const item: unknown = x[i];
    if (!isObject(item) || !each(item)) return false;
  }
  return true;
}

const _isRecipient = (r: Record<string, unknown>): boolean =>
  typeof r.emailAddress === 'string' &&
  isOptionalText(r.diagnosticCode) &&
  isOptionalText(r.status) &&
  isOptionalText(r.action);

// Every own key passes as it is (`constructor` too, which valibot's record would leave out): this
// guard, not the schema, is what lets a well-formed `tags` through.
function _isTags(x: unknown): boolean {
  if (x === undefined) return true;
  if (!isObject(x)) return false;
  for (const key in x) {
    if (!_isStrings(own(x, key))) return false;
  }
  return true;
}

/** `MailSchema` without the schema. */
export function isMail(x: unknown): x is Mail {
  return (
    isObject(x) &&
    typeof x.messageId === 'string' &&
    isOptionalText(x.timestamp) &&
    _isStrings(x.destination) &&
    _isTags(x.tags) &&
    (x.headers === undefined ||
      _isEvery(x.headers, (h) => typeof h.name === 'string' && typeof h.value === 'string'))
  );
}

const _isTopicStatus = (t: Record<string, unknown>): boolean =>
  isOptionalText(t.topicName) && isOptionalText(t.subscriptionStatus);

/** Each of `DetailSchemas` without the schema. */
export const DetailGuards: { readonly [K in DetailKey]: (x: unknown) => x is Detail<K> } = {
  bounce: (x): x is Detail<'bounce'> =>
    isObject(x) &&
    typeof x.bounceType === 'string' &&
    typeof x.bounceSubType === 'string' &&
    _isEvery(x.bouncedRecipients, _isRecipient) &&
    isOptionalText(x.timestamp),
  complaint: (x): x is Detail<'complaint'> =>
    isObject(x) &&
    _isEvery(x.complainedRecipients, (r) => typeof r.emailAddress === 'string') &&
    isOptionalText(x.complaintFeedbackType) &&
    isOptionalText(x.userAgent) &&
    isOptionalText(x.timestamp),
  delivery: (x): x is Detail<'delivery'> =>
    isObject(x) &&
    _isStrings(x.recipients) &&
    isOptionalText(x.smtpResponse) &&
    isOptionalText(x.timestamp),
  deliveryDelay: (x): x is Detail<'deliveryDelay'> =>
    isObject(x) &&
    typeof x.delayType === 'string' &&
    _isEvery(x.delayedRecipients, _isRecipient) &&
    isOptionalText(x.timestamp),
  open: (x): x is Detail<'open'> =>
    isObject(x) && isOptionalText(x.userAgent) && isOptionalText(x.timestamp),
  click: (x): x is Detail<'click'> =>
    isObject(x) &&
    typeof x.link === 'string' &&
    isOptionalText(x.userAgent) &&
    isOptionalText(x.timestamp),
  reject: (x): x is Detail<'reject'> => isObject(x) && typeof x.reason === 'string',
  failure: (x): x is Detail<'failure'> => isObject(x) && typeof x.errorMessage === 'string',
  send: (x): x is Detail<'send'> => isObject(x),
  subscription: (x): x is Detail<'subscription'> => {
    if (!isObject(x) || !isOptionalText(x.timestamp)) return false;
    const prefs = x.newTopicPreferences;
    if (prefs === undefined) return true;
    return (
      isObject(prefs) &&
      (prefs.unsubscribeAll === undefined || typeof prefs.unsubscribeAll === 'boolean') &&
      (prefs.topicSubscriptionStatus === undefined ||
        _isEvery(prefs.topicSubscriptionStatus, _isTopicStatus))
    );
  },
};
