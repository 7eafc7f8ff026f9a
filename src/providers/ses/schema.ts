/** SES event shapes (event publishing and legacy notifications) as valibot schemas. */
import * as v from 'valibot';
import { record } from '../../schema.js';

const str = v.string();
const optStr = v.optional(v.nullable(v.string()));

const RecipientSchema = v.looseObject({
  emailAddress: str,
  diagnosticCode: optStr,
  status: optStr,
  action: optStr,
});

export const MailSchema = v.looseObject({
  messageId: str,
  timestamp: optStr,
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
    timestamp: optStr,
  }),
  complaint: v.looseObject({
    complainedRecipients: v.array(v.looseObject({ emailAddress: str })),
    complaintFeedbackType: optStr,
    userAgent: optStr,
    timestamp: optStr,
  }),
  delivery: v.looseObject({
    recipients: v.array(str),
    smtpResponse: optStr,
    timestamp: optStr,
  }),
  deliveryDelay: v.looseObject({
    delayType: str,
    delayedRecipients: v.array(RecipientSchema),
    timestamp: optStr,
  }),
  open: v.looseObject({ userAgent: optStr, timestamp: optStr }),
  click: v.looseObject({ link: str, userAgent: optStr, timestamp: optStr }),
  reject: v.looseObject({ reason: str }),
  failure: v.looseObject({ errorMessage: str }),
  send: v.looseObject({}),
  subscription: v.looseObject({
    timestamp: optStr,
    newTopicPreferences: v.optional(
      v.looseObject({
        unsubscribeAll: v.optional(v.boolean()),
        topicSubscriptionStatus: v.optional(
          v.array(v.looseObject({ topicName: optStr, subscriptionStatus: optStr })),
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
const _isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const _isOptStr = (x: unknown): boolean => x === undefined || x === null || typeof x === 'string';

function _isStrings(x: unknown): x is string[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') return false;
  return true;
}

function _isEvery(x: unknown, each: (item: Record<string, unknown>) => boolean): boolean {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const item: unknown = x[i];
    if (!_isObject(item) || !each(item)) return false;
  }
  return true;
}

const _isRecipient = (r: Record<string, unknown>): boolean =>
  typeof r.emailAddress === 'string' &&
  _isOptStr(r.diagnosticCode) &&
  _isOptStr(r.status) &&
  _isOptStr(r.action);

// Every own key passes as it is (`constructor` too, which valibot's record would leave out): this
// guard, not the schema, is what lets a well-formed `tags` through.
function _isTags(x: unknown): boolean {
  if (x === undefined) return true;
  if (!_isObject(x)) return false;
  for (const key in x) {
    if (!Object.hasOwn(x, key) || !_isStrings(x[key])) return false;
  }
  return true;
}

/** `MailSchema` without the schema. */
export function isMail(x: unknown): x is Mail {
  return (
    _isObject(x) &&
    typeof x.messageId === 'string' &&
    _isOptStr(x.timestamp) &&
    _isStrings(x.destination) &&
    _isTags(x.tags) &&
    (x.headers === undefined ||
      _isEvery(x.headers, (h) => typeof h.name === 'string' && typeof h.value === 'string'))
  );
}

const _isTopicStatus = (t: Record<string, unknown>): boolean =>
  _isOptStr(t.topicName) && _isOptStr(t.subscriptionStatus);

/** Each of `DetailSchemas` without the schema. */
export const DetailGuards: { readonly [K in DetailKey]: (x: unknown) => x is Detail<K> } = {
  bounce: (x): x is Detail<'bounce'> =>
    _isObject(x) &&
    typeof x.bounceType === 'string' &&
    typeof x.bounceSubType === 'string' &&
    _isEvery(x.bouncedRecipients, _isRecipient) &&
    _isOptStr(x.timestamp),
  complaint: (x): x is Detail<'complaint'> =>
    _isObject(x) &&
    _isEvery(x.complainedRecipients, (r) => typeof r.emailAddress === 'string') &&
    _isOptStr(x.complaintFeedbackType) &&
    _isOptStr(x.userAgent) &&
    _isOptStr(x.timestamp),
  delivery: (x): x is Detail<'delivery'> =>
    _isObject(x) && _isStrings(x.recipients) && _isOptStr(x.smtpResponse) && _isOptStr(x.timestamp),
  deliveryDelay: (x): x is Detail<'deliveryDelay'> =>
    _isObject(x) &&
    typeof x.delayType === 'string' &&
    _isEvery(x.delayedRecipients, _isRecipient) &&
    _isOptStr(x.timestamp),
  open: (x): x is Detail<'open'> =>
    _isObject(x) && _isOptStr(x.userAgent) && _isOptStr(x.timestamp),
  click: (x): x is Detail<'click'> =>
    _isObject(x) && typeof x.link === 'string' && _isOptStr(x.userAgent) && _isOptStr(x.timestamp),
  reject: (x): x is Detail<'reject'> => _isObject(x) && typeof x.reason === 'string',
  failure: (x): x is Detail<'failure'> => _isObject(x) && typeof x.errorMessage === 'string',
  send: (x): x is Detail<'send'> => _isObject(x),
  subscription: (x): x is Detail<'subscription'> => {
    if (!_isObject(x) || !_isOptStr(x.timestamp)) return false;
    const prefs = x.newTopicPreferences;
    if (prefs === undefined) return true;
    return (
      _isObject(prefs) &&
      (prefs.unsubscribeAll === undefined || typeof prefs.unsubscribeAll === 'boolean') &&
      (prefs.topicSubscriptionStatus === undefined ||
        _isEvery(prefs.topicSubscriptionStatus, _isTopicStatus))
    );
  },
};
