/** The normalized tracking event every ESP is turned into, one per recipient. */
import * as v from 'valibot';
import { boolean, picklist, record, string } from './schema.js';

/** Every tracking event type, in the reference's order. */
export const TRACKING_EVENT_TYPES = [
  'queued',
  'sent',
  'delivered',
  'deferred',
  'bounced',
  'rejected',
  'failed',
  'opened',
  'clicked',
  'complained',
  'unsubscribed',
  'unknown',
] as const;

export const TrackingEventTypeSchema = picklist(TRACKING_EVENT_TYPES);
export type TrackingEventType = v.InferOutput<typeof TrackingEventTypeSchema>;

const nullableString = v.nullable(string());

/** Why a recipient was refused, in one vocabulary across ESPs (django-anymail's). */
export const REJECT_CATEGORIES = [
  'invalid',
  'bounced',
  'timed_out',
  'blocked',
  'spam',
  'unsubscribed',
  'other',
] as const;
export const RejectCategorySchema = picklist(REJECT_CATEGORIES);
export type RejectCategory = v.InferOutput<typeof RejectCategorySchema>;

/** An object schema that refuses an array (a record or a loose object would read it as one). */
const _notArray = <T extends v.GenericSchema>(schema: T) =>
  v.pipe(
    v.custom<v.InferInput<T>>((input) => !Array.isArray(input), 'expected an object, not an array'),
    schema,
  );

/** The fields of a context, with `timestamp` left to the caller (Date in memory, ISO on the wire). */
export const contextEntries = {
  eventType: TrackingEventTypeSchema,
  messageId: string(),
  recipient: string(),
  espName: string(),
  tags: v.array(string()),
  metadata: _notArray(record(string())),
  rejectReason: nullableString,
  description: nullableString,
  clickUrl: nullableString,
  userAgent: nullableString,
  rawEvent: _notArray(v.looseObject({})),
  eventId: string(),
  mtaResponse: nullableString,
  /** Set on bounced, rejected, failed, complained (`spam`) and unsubscribed; null otherwise. */
  rejectCategory: v.nullable(RejectCategorySchema),
  /** Bounced/rejected/failed: true when the address itself will keep failing; null otherwise. */
  permanent: v.nullable(boolean()),
};

/** An in-memory context: `timestamp` is a Date. */
// Pure: a bundle that checks contexts only on the wire (a Worker) leaves this schema and v.date out.
export const EmailTrackingContextSchema = /* @__PURE__ */ (() =>
  v.object({ ...contextEntries, timestamp: v.date() }))();

/** One normalized event for one recipient (an interface: hovers and errors show its name). */
export interface EmailTrackingContext extends v.InferOutput<typeof EmailTrackingContextSchema> {}

/** A key on an `EventBus`; `T` is what listeners of that key receive. */
export interface EventKey<T> {
  readonly name: string;
  /** Type-level only: never set. */
  readonly __payload?: T;
}

/** The key listeners subscribe to for email tracking events. */
export const EmailTrackingEvent: EventKey<EmailTrackingContext> = Object.freeze({
  name: 'EmailTrackingEvent',
});
