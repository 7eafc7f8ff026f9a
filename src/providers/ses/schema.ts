/** SES event shapes (event publishing and legacy notifications) as valibot schemas. */
import * as v from 'valibot';

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
  tags: v.optional(v.record(str, v.array(str))),
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
