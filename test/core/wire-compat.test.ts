/** The wire format across versions: old objects (no rejectCategory/permanent) still decode. */
import { describe, expect, test } from 'vitest';
import {
  decodeTrackingEvent,
  type EmailTrackingContext,
  encodeTrackingEvent,
  WireFormatError,
} from '../../src/index.js';

/** A wire object as a version before rejectCategory and permanent wrote it. */
const OLD_WIRE = {
  eventType: 'bounced',
  eventId: 'msg-1',
  messageId: 'ses-1',
  recipient: 'jane@example.com',
  timestamp: '2026-01-01T00:00:00.000Z',
  espName: 'ses',
  tags: ['campaign:spring'],
  metadata: { user: '42' },
  rejectReason: 'Permanent/General',
  description: 'smtp; 550 5.1.1 user unknown',
  clickUrl: null,
  userAgent: null,
  mtaResponse: 'smtp; 550 5.1.1 user unknown',
  rawEvent: { eventType: 'Bounce' },
};

describe('decodeTrackingEvent', () => {
  test('an old wire object without rejectCategory/permanent decodes them as null', () => {
    for (const input of [OLD_WIRE, JSON.stringify(OLD_WIRE)]) {
      const context = decodeTrackingEvent(input);
      expect(context.rejectCategory).toBeNull();
      expect(context.permanent).toBeNull();
      expect(context.timestamp).toEqual(new Date('2026-01-01T00:00:00.000Z'));
      expect(context.recipient).toBe('jane@example.com');
    }
  });

  test('a new context round-trips with every field, rejectCategory and permanent included', () => {
    const context: EmailTrackingContext = {
      ...OLD_WIRE,
      eventType: 'bounced',
      timestamp: new Date('2026-02-03T04:05:06.789Z'),
      rejectCategory: 'bounced',
      permanent: true,
    };
    const decoded = decodeTrackingEvent(encodeTrackingEvent(context));
    expect(decoded).toEqual(context);
    const soft = { ...context, rejectCategory: 'other' as const, permanent: false };
    expect(decodeTrackingEvent(encodeTrackingEvent(soft))).toEqual(soft);
  });

  test('a rejectCategory outside the vocabulary is a WireFormatError naming the field', () => {
    expect(() => decodeTrackingEvent({ ...OLD_WIRE, rejectCategory: 'lost' })).toThrow(
      WireFormatError,
    );
    try {
      decodeTrackingEvent({ ...OLD_WIRE, rejectCategory: 'lost' });
    } catch (error) {
      expect((error as WireFormatError).field).toBe('rejectCategory');
    }
  });

  test('metadata and rawEvent keep keys such as constructor and __proto__ through the wire', () => {
    const text = JSON.stringify(OLD_WIRE)
      .replace('{"user":"42"}', '{"user":"42","constructor":"c","__proto__":"p","prototype":"q"}')
      .replace(
        '{"eventType":"Bounce"}',
        '{"eventType":"Bounce","constructor":{"a":1},"__proto__":2}',
      );
    const context = decodeTrackingEvent(text);
    expect(Object.entries(context.metadata).sort()).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['prototype', 'q'],
      ['user', '42'],
    ]);
    expect(Object.getPrototypeOf(context.metadata)).toBe(Object.prototype);
    expect(Object.entries(context.rawEvent).sort()).toEqual([
      ['__proto__', 2],
      ['constructor', { a: 1 }],
      ['eventType', 'Bounce'],
    ]);
    // And back: encode writes what decode read.
    expect(JSON.parse(encodeTrackingEvent(context))).toMatchObject({
      metadata: JSON.parse(text).metadata,
      rawEvent: JSON.parse(text).rawEvent,
    });
  });

  test('metadata that is not an object of strings is a WireFormatError naming the field or key', () => {
    const cases: [unknown, string][] = [
      [JSON.parse('{"constructor":5}'), 'metadata.constructor'],
      [JSON.parse('{"__proto__":{}}'), 'metadata.__proto__'],
      ['x', 'metadata'],
      [null, 'metadata'],
      [{ user: 5 }, 'metadata.user'],
    ];
    for (const [metadata, field] of cases) {
      expect(() => decodeTrackingEvent({ ...OLD_WIRE, metadata })).toThrow(WireFormatError);
      try {
        decodeTrackingEvent({ ...OLD_WIRE, metadata });
      } catch (error) {
        expect((error as WireFormatError).field).toBe(field);
      }
    }
  });

  test('metadata or rawEvent sent as an array is a WireFormatError, not an object keyed 0, 1, ...', () => {
    for (const field of ['metadata', 'rawEvent'] as const) {
      const decode = () => decodeTrackingEvent({ ...OLD_WIRE, [field]: ['a', 'b'] });
      expect(decode).toThrow(WireFormatError);
      expect(decode).toThrow(
        `tracking event field "${field}" is invalid (expected an object, not an array)`,
      );
    }
  });

  test('a long value quoted back in the error is cut: the message shows at most 200 characters of it', () => {
    const eventType = 'x'.repeat(100_000);
    try {
      decodeTrackingEvent({ ...OLD_WIRE, eventType });
      expect.unreachable();
    } catch (error) {
      expect((error as WireFormatError).field).toBe('eventType');
      expect((error as Error).message.length).toBeLessThan(300);
      expect((error as Error).message).toMatch(
        /^tracking event field "eventType" is invalid \(Invalid type: .*\)$/,
      );
    }
  });
});
