/** Loops webhook payload shapes (`{ eventName, eventTime, webhookSchemaVersion, ... }`) as valibot schemas. */
import * as v from 'valibot';
import { hasText, number, string, union } from '../../schema.js';

const str = v.pipe(string(), hasText());

/** The contact an event is about; its `email` is the recipient. */
const ContactIdentitySchema = v.looseObject({
  id: v.optional(v.nullable(string())),
  email: str,
  userId: v.optional(v.nullable(string())),
});

/** The email an event is about: `id` is that send, `emailMessageId` the campaign or workflow version. */
const EmailSchema = v.looseObject({
  id: str,
  emailMessageId: v.optional(v.nullable(string())),
  subject: v.optional(v.nullable(string())),
});

/** An email event (`email.*` and `*.email.sent`): who, which email, when. */
export const LoopsEmailEventSchema = v.looseObject({
  eventName: string(),
  // Unix seconds; an integer in Loops' schema, read leniently (a string of digits too).
  eventTime: union([number(), string()]),
  contactIdentity: ContactIdentitySchema,
  email: EmailSchema,
  sourceType: v.optional(v.nullable(string())),
  campaignId: v.optional(v.nullable(string())),
  loopId: v.optional(v.nullable(string())),
  transactionalId: v.optional(v.nullable(string())),
});

export type LoopsEmailEvent = v.InferOutput<typeof LoopsEmailEventSchema>;
