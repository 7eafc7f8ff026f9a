/** The wire format of a tracking event (queue messages, fan-out `data`): JSON, ISO timestamp. */
import * as v from 'valibot';
import {
  type EmailTrackingContext,
  EmailTrackingContextSchema,
  RejectCategorySchema,
} from './events.js';
import { describeIssue } from './schema.js';

/** A context as it travels: JSON-ready, `timestamp` an ISO 8601 string. */
export const WireTrackingEventSchema = v.object({
  ...EmailTrackingContextSchema.entries,
  timestamp: v.pipe(
    v.string(),
    v.isoTimestamp('expected an ISO 8601 timestamp'),
    v.transform((text) => new Date(text)),
  ),
  // Written by versions before these fields existed: decoded as null.
  rejectCategory: v.optional(v.nullable(RejectCategorySchema), null),
  permanent: v.optional(v.nullable(v.boolean()), null),
  /** Set when `rawEvent` was replaced by `{}` to fit a size limit (queue messages). */
  rawEventTrimmed: v.optional(v.literal(true)),
});

/** The JSON object of one context on the wire. */
export type WireTrackingEvent = v.InferInput<typeof WireTrackingEventSchema>;

/** A context read back from the wire; `rawEventTrimmed` says its `rawEvent` was dropped on the way. */
export type DecodedTrackingContext = EmailTrackingContext & { readonly rawEventTrimmed?: true };

/** Thrown by `decodeTrackingEvent`; `field` is the dotted path of the first bad field. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The wire object of a context, fields in a fixed order. `rawEventTrimmed` is kept when set. */
export function toWireObject(context: DecodedTrackingContext): WireTrackingEvent {
  return {
    eventType: context.eventType,
    eventId: context.eventId,
    messageId: context.messageId,
    recipient: context.recipient,
    timestamp: context.timestamp.toISOString(),
    espName: context.espName,
    tags: context.tags,
    metadata: context.metadata,
    rejectReason: context.rejectReason,
    description: context.description,
    clickUrl: context.clickUrl,
    userAgent: context.userAgent,
    mtaResponse: context.mtaResponse,
    rejectCategory: context.rejectCategory,
    permanent: context.permanent,
    rawEvent: context.rawEvent,
    ...(context.rawEventTrimmed ? { rawEventTrimmed: true as const } : {}),
  };
}

/**
 * Encodes a context as wire JSON.
 * @example
 * await queue.send(encodeTrackingEvent(context), { contentType: 'text' });
 */
export function encodeTrackingEvent(context: DecodedTrackingContext): string {
  return JSON.stringify(toWireObject(context));
}

/**
 * Turns wire JSON (a string, or the object it parses to) back into a context, validating every
 * field. Throws a `WireFormatError` naming the first bad field.
 * @example
 * const context = decodeTrackingEvent(message.body);
 */
export function decodeTrackingEvent(json: string | object): DecodedTrackingContext {
  let input: unknown = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch {
      throw new WireFormatError('(root)', 'tracking event is not JSON');
    }
  }
  const result = v.safeParse(WireTrackingEventSchema, input);
  if (!result.success) {
    const { field, detail } = describeIssue(result.issues);
    throw new WireFormatError(field, `tracking event field "${field}" ${detail}`);
  }
  const { rawEventTrimmed, ...context } = result.output;
  return rawEventTrimmed ? { ...context, rawEventTrimmed } : context;
}
