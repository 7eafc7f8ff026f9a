/** Resend webhook payload shapes (`{ type, created_at, data }`) as valibot schemas. */
import * as v from 'valibot';
import { AT_LEAST_ONE, hasText, nonEmpty, optionalString, string, union } from '../../schema.js';

const str = string();

/** `data` of an `email.*` tracking event. */
export const EmailDataSchema = v.looseObject({
  email_id: v.pipe(str, nonEmpty()),
  to: union([
    v.pipe(str, hasText()),
    v.pipe(v.array(v.pipe(str, hasText())), nonEmpty(AT_LEAST_ONE)),
  ]),
  bounce: v.optional(
    v.nullable(
      v.looseObject({ type: optionalString, subType: optionalString, message: optionalString }),
    ),
  ),
  click: v.optional(v.nullable(v.looseObject({ link: optionalString, userAgent: optionalString }))),
  open: v.optional(v.nullable(v.looseObject({ userAgent: optionalString }))),
  failed: v.optional(v.nullable(v.looseObject({ reason: optionalString }))),
  suppressed: v.optional(
    v.nullable(v.looseObject({ type: optionalString, message: optionalString })),
  ),
});

/** An `email.*` tracking event: its type, when it happened (`created_at`) and the message. */
export const EmailEventSchema = v.looseObject({
  type: str,
  created_at: str,
  data: EmailDataSchema,
});

export type EmailData = v.InferOutput<typeof EmailDataSchema>;
