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
});
