import { describe, expect, test } from 'vitest';
import {
  createTrackingEventEncoder,
  decodeTrackingEvent,
  encodeTrackingEvent,
  WireFormatError,
} from '../../src/wire.js';
import { sampleContext as fullContext } from './samples.js';

describe('encodeTrackingEvent / decodeTrackingEvent', () => {
  test('round-trips every field, the timestamp as an ISO string on the wire', () => {
    const context = fullContext();
    const json = encodeTrackingEvent(context);
    expect(JSON.parse(json).timestamp).toBe('2026-03-04T05:06:07.089Z');
    expect(decodeTrackingEvent(json)).toEqual(context);
  });

  test('round-trips null optional fields and empty tags and metadata', () => {
    const context = fullContext({
      rejectReason: null,
      description: null,
      clickUrl: null,
      userAgent: null,
      mtaResponse: null,
      tags: [],
      metadata: {},
    });
    expect(decodeTrackingEvent(encodeTrackingEvent(context))).toEqual(context);
  });

  test('decodes the parsed object as well as the string', () => {
    const context = fullContext();
    expect(decodeTrackingEvent(JSON.parse(encodeTrackingEvent(context)))).toEqual(context);
  });

  test('keeps the rawEventTrimmed flag through a round trip', () => {
    const context = { ...fullContext({ rawEvent: {} }), rawEventTrimmed: true as const };
    const decoded = decodeTrackingEvent(encodeTrackingEvent(context));
    expect(decoded.rawEventTrimmed).toBe(true);
    expect(decodeTrackingEvent(encodeTrackingEvent(fullContext()))).not.toHaveProperty(
      'rawEventTrimmed',
    );
  });

  test('decodes a wire object written before rejectCategory and permanent existed, as null', () => {
    const {
      rejectCategory: _,
      permanent: __,
      ...old
    } = JSON.parse(encodeTrackingEvent(fullContext()));
    expect(decodeTrackingEvent(old)).toEqual({
      ...fullContext(),
      rejectCategory: null,
      permanent: null,
    });
  });

  test('round-trips rejectCategory and permanent', () => {
    for (const patch of [
      { rejectCategory: 'invalid', permanent: true },
      { rejectCategory: 'timed_out', permanent: false },
      { rejectCategory: null, permanent: null },
    ] as const) {
      const context = fullContext(patch);
      expect(decodeTrackingEvent(encodeTrackingEvent(context))).toEqual(context);
    }
  });

  test('the batch encoder writes exactly what encodeTrackingEvent writes, with its UTF-8 size', () => {
    const encode = createTrackingEventEncoder();
    const contexts = [
      fullContext(),
      fullContext({ recipient: 'ünïcode@example.com', metadata: { emoji: '📬', lone: '\ud800' } }),
      // Each edge of a UTF-8 length: 1|2 bytes, 2|3, the surrogates' ends, a pair at the top.
      fullContext({
        metadata: { edges: '\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\udbff\udfff\udc00x' },
      }),
      { ...fullContext({ rawEvent: {} }), rawEventTrimmed: true as const },
    ];
    for (const context of contexts) {
      const { json, bytes } = encode(context);
      expect(json).toBe(encodeTrackingEvent(context));
      expect(bytes).toBe(new TextEncoder().encode(json).byteLength);
    }
  });

  test('refuses text that is not JSON', () => {
    expect(() => decodeTrackingEvent('{nope')).toThrow(WireFormatError);
    expect(() => decodeTrackingEvent('{nope')).toThrow(/not JSON/);
  });

  test.each([
    ['timestamp', { timestamp: 'yesterday' }, /"timestamp" is invalid/],
    ['timestamp', { timestamp: '2026-02-30T00:00:00.000Z' }, /between 1970 and 9999/],
    ['timestamp', { timestamp: '+010000-01-01T00:00:00.000Z' }, /"timestamp" is invalid/],
    ['timestamp', { timestamp: '1969-12-31T23:59:59.999Z' }, /between 1970 and 9999/],
    ['eventType', { eventType: 'exploded' }, /"eventType" is invalid/],
    ['metadata.user', { metadata: { user: 42 } }, /"metadata.user" is invalid/],
    ['tags.1', { tags: ['a', 3] }, /"tags.1" is invalid/],
    ['rawEvent', { rawEvent: 'text' }, /"rawEvent" is invalid/],
  ])('refuses a bad %s, naming the field', (field, patch, message) => {
    const wire = { ...JSON.parse(encodeTrackingEvent(fullContext())), ...patch };
    let thrown: unknown;
    try {
      decodeTrackingEvent(wire);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WireFormatError);
    expect((thrown as WireFormatError).field).toBe(field);
    expect((thrown as Error).message).toMatch(message);
  });

  test('refuses a missing recipient, saying it is missing', () => {
    const { recipient: _, ...wire } = JSON.parse(encodeTrackingEvent(fullContext()));
    expect(() => decodeTrackingEvent(wire)).toThrow('tracking event field "recipient" is missing');
  });

  test('refuses a JSON value that is not an object', () => {
    expect(() => decodeTrackingEvent('[]')).toThrow(WireFormatError);
    expect(() => decodeTrackingEvent('null')).toThrow(WireFormatError);
  });
});

describe('encodeTrackingEvent refuses what decodeTrackingEvent would, naming the field', () => {
  /** The WireFormatError encoding `context` throws. */
  function refusal(context: unknown): WireFormatError {
    try {
      encodeTrackingEvent(context as never);
    } catch (error) {
      if (error instanceof WireFormatError) return error;
      throw error;
    }
    throw new Error('expected a WireFormatError, but it encoded');
  }

  test.each([
    ['{}', {}, 'eventType', 'tracking event field "eventType" is missing'],
    ['null', null, '(root)', 'Expected Object but received null'],
    ['a string', 'delivered', '(root)', 'Expected Object but received "delivered"'],
  ])('%s', (_, context, field, message) => {
    const error = refusal(context);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  test.each(['eventType', 'recipient', 'timestamp'] as const)('a context without %s', (name) => {
    const { [name]: _, ...context } = fullContext();
    const error = refusal(context);
    expect(error.field).toBe(name);
    expect(error.message).toBe(`tracking event field "${name}" is missing`);
  });

  test('a timestamp that is an Invalid Date, or before 1970', () => {
    expect(refusal(fullContext({ timestamp: new Date(Number.NaN) })).message).toBe(
      'tracking event field "timestamp" is an Invalid Date',
    );
    expect(refusal(fullContext({ timestamp: new Date('1969-12-31T23:59:59Z') })).message).toBe(
      'tracking event field "timestamp" is invalid (expected a real date and time between 1970 and 9999)',
    );
  });

  test('a wire object (timestamp an ISO string) encodes as its context would', () => {
    const context = fullContext();
    const wire = JSON.parse(encodeTrackingEvent(context));
    expect(encodeTrackingEvent(wire)).toBe(encodeTrackingEvent(context));
  });
});
