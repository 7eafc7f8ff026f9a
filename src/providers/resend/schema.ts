/** Resend webhook payload shapes (`{ type, created_at, data }`) as valibot schemas. */
import * as v from 'valibot';
import { AT_LEAST_ONE, hasText, nonEmpty, string, union } from '../../schema.js';

const str = string();
const optStr = v.optional(v.nullable(string()));

/** `data` of an `email.*` tracking event. */
export const EmailDataSchema = v.looseObject({
  email_id: v.pipe(str, nonEmpty()),
  to: union([
    v.pipe(str, hasText()),
    v.pipe(v.array(v.pipe(str, hasText())), nonEmpty(AT_LEAST_ONE)),
  ]),
  bounce: v.optional(v.nullable(v.looseObject({ type: optStr, subType: optStr, message: optStr }))),
  click: v.optional(v.nullable(v.looseObject({ link: optStr, userAgent: optStr }))),
  open: v.optional(v.nullable(v.looseObject({ userAgent: optStr }))),
  failed: v.optional(v.nullable(v.looseObject({ reason: optStr }))),
  suppressed: v.optional(v.nullable(v.looseObject({ type: optStr, message: optStr }))),
});

/** An `email.*` tracking event: its type, when it happened (`created_at`) and the message. */
export const EmailEventSchema = v.looseObject({
  type: str,
  created_at: str,
  data: EmailDataSchema,
});

export type EmailData = v.InferOutput<typeof EmailDataSchema>;
