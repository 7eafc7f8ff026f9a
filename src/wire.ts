/** The wire format of a tracking event (queue messages, fan-out `data`): JSON, ISO timestamp. */
import * as v from 'valibot';
import { contextEntries, type EmailTrackingContext, RejectCategorySchema } from './events.js';
import { nestsTooDeep } from './providers/body-text.js';
import { boolean, describeIssue, setOwn, string, transform } from './schema.js';
import { parseTimestamp } from './timestamp.js';

// valibot's isoTimestamp pattern, through the regex action the bundle has anyway.
const _ISO_TIMESTAMP =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:[12]\d|0[1-9]|3[01])[T ](?:0\d|1\d|2[0-3])(?::[0-5]\d){2}(?:\.\d{1,9})?(?:Z| ?[+-](?:0\d|1\d|2[0-3])(?::?[0-5]\d)?)$/;

/** A context as it travels: JSON-ready, `timestamp` an ISO 8601 string. */
export const WireTrackingEventSchema = v.object({
  ...contextEntries,
  // Strict: a real calendar instant between 1970 and 9999, as every provider produces.
  timestamp: v.pipe(
    string(),
    v.check((text) => _ISO_TIMESTAMP.test(text), 'expected an ISO 8601 timestamp'),
    v.check(
      (text) => parseTimestamp(text) !== undefined,
      'expected a real date and time between 1970 and 9999',
    ),
    transform((text) => parseTimestamp(text) as Date),
  ),
  // Written by versions before these fields existed: decoded as null.
  rejectCategory: v.optional(v.nullable(RejectCategorySchema), null),
  permanent: v.optional(v.nullable(boolean()), null),
  /** Set when `rawEvent` was replaced by `{}` to fit a size limit (queue messages). */
  // custom, not literal: one valibot schema fewer in every Worker.
  rawEventTrimmed: v.optional(v.custom<true>((flag) => flag === true, 'expected true')),
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
    rejectReason: context.rejectReason,
    description: context.description,
    clickUrl: context.clickUrl,
    userAgent: context.userAgent,
    mtaResponse: context.mtaResponse,
    rejectCategory: context.rejectCategory,
    permanent: context.permanent,
    // Last with rawEvent: the parts one message's recipients share, serialized once per batch.
    tags: context.tags,
    metadata: context.metadata,
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
  const time = (context as Partial<EmailTrackingContext> | null)?.timestamp;
  if (time instanceof Date && Number.isNaN(time.getTime())) {
    throw new WireFormatError('timestamp', 'tracking event field "timestamp" is an Invalid Date');
  }
  // Checked by the schema that reads it back: a wrong shape (null, a missing field, a timestamp
  // that is no Date) is a WireFormatError naming the field, and what is written decodes.
  return JSON.stringify(
    toWireObject(_fromWireObject(time instanceof Date ? toWireObject(context) : context)),
  );
}

/** One context's wire JSON and its size in UTF-8 bytes. */
export interface EncodedTrackingEvent {
  readonly json: string;
  readonly bytes: number;
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
function _utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * An encoder for one batch: the same JSON as `encodeTrackingEvent`, but each distinct `tags`,
 * `metadata` and `rawEvent` object (every context expanded from one message shares them) is
 * serialized and measured once. Make one per batch and let it go: it keeps their JSON until then.
 */
export function createTrackingEventEncoder(): (
  context: DecodedTrackingContext,
) => EncodedTrackingEvent {
  // Each shared object's JSON and its UTF-8 size, by identity.
  const parts = new Map<unknown, [string | undefined, number]>();
  const part = (value: unknown) => {
    let found = parts.get(value);
    if (!found) {
      const json = JSON.stringify(value) as string | undefined;
      found = [json, json ? _utf8Length(json) : 0];
      parts.set(value, found);
    }
    return found;
  };
  return (context) => {
    const { tags, metadata, rawEvent, rawEventTrimmed, ...head } = toWireObject(context);
    const [t, tBytes] = part(tags);
    const [m, mBytes] = part(metadata);
    const [raw, rawBytes] = part(rawEvent);
    // `head` always has fields, so its JSON ends in `}` right after the last one.
    const fields = `${JSON.stringify(head).slice(0, -1)},"tags":`;
    const end = rawEventTrimmed ? ',"rawEventTrimmed":true}' : '}';
    return {
      // A rawEvent whose toJSON gives undefined is left out, as JSON.stringify of the whole would.
      json: `${fields}${t},"metadata":${m}${raw ? `,"rawEvent":${raw}` : ''}${end}`,
      // `,"metadata":` and `,"rawEvent":` are 12 bytes each.
      bytes: _utf8Length(fields) + tBytes + 12 + mBytes + (raw ? 12 + rawBytes : 0) + end.length,
    };
  };
}

/**
 * Turns wire JSON (a string, or the object it parses to) back into a context, validating every
 * field (a `rawEvent` nested more than 64 deep, which no ESP sends, is refused too). Throws a
 * `WireFormatError` naming the first bad field.
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
  return _fromWireObject(input);
}

/** The context a parsed wire object holds; a `WireFormatError` naming its first bad field. */
function _fromWireObject(input: unknown): DecodedTrackingContext {
  const result = v.safeParse(WireTrackingEventSchema, input);
  if (!result.success) {
    const { field, detail } = describeIssue(result.issues);
    throw new WireFormatError(field, `tracking event field "${field}" ${detail}`);
  }
  const { rawEventTrimmed, ...context } = result.output;
  // No ESP's event nests so deep (the handler refuses such a body); JSON.stringify could not
  // write it back, so a sink would fail on it at every retry.
  if (nestsTooDeep(context.rawEvent)) {
    throw new WireFormatError(
      'rawEvent',
      'tracking event field "rawEvent" nests more than 64 deep',
    );
  }
  _keepSkippedKeys(input as Record<string, Record<string, unknown>>, context);
  return rawEventTrimmed ? { ...context, rawEventTrimmed } : context;
}

// Keys valibot's record leaves out of its output (and does not check).
const _SKIPPED = ['__proto__', 'constructor', 'prototype'];

/** Puts back the `metadata` and `rawEvent` keys the schema left out: a sender's key is data. */
function _keepSkippedKeys(
  input: Record<string, Record<string, unknown>>,
  context: EmailTrackingContext,
): void {
  for (const field of ['metadata', 'rawEvent'] as const) {
    const sent = input[field] as Record<string, unknown>;
    for (const key of _SKIPPED) {
      if (!Object.hasOwn(sent, key)) continue;
      const value = sent[key];
      if (field === 'metadata' && typeof value !== 'string') {
        throw new WireFormatError(
          `metadata.${key}`,
          `tracking event field "metadata.${key}" is invalid (expected a string)`,
        );
      }
      setOwn(context[field], key, value);
    }
  }
}
