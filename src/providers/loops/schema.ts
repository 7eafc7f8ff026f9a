/** Loops webhook payload shapes (`{ eventName, eventTime, webhookSchemaVersion, ... }`) as valibot schemas. */
import * as v from 'valibot';
import { hasText, number, optionalString, string, union } from '../../schema.js';

const str = v.pipe(string(), hasText());

/** The contact an event is about; its `email` is the recipient. */
const ContactIdentitySchema = v.looseObject({
  id: optionalString,
  email: str,
  userId: optionalString,
});

/** The email an event is about: `id` is that send, `emailMessageId` the campaign or workflow version. */
const EmailSchema = v.looseObject({
  id: str,
  emailMessageId: optionalString,
  subject: optionalString,
});

/** An email event (`email.*` and `*.email.sent`): who, which email, when. */
export const LoopsEmailEventSchema = v.looseObject({
  eventName: string(),
  // Unix seconds; an integer in Loops' schema, read leniently (a string of digits too).
  eventTime: union([number(), string()]),
  contactIdentity: ContactIdentitySchema,
  email: EmailSchema,
  sourceType: optionalString,
  campaignId: optionalString,
  loopId: optionalString,
  transactionalId: optionalString,
});

export type LoopsEmailEvent = v.InferOutput<typeof LoopsEmailEventSchema>;
