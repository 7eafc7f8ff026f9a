/** What a test expects of a context: every field but `rawEvent`, with nulls and empties by default. */
import { expect } from 'vitest';
import type { EmailTrackingContext } from '../../src/index.js';

export type Expected = Omit<
  EmailTrackingContext,
  'timestamp' | 'rawEvent' | 'espName' | 'eventId'
> & {
  timestamp: string;
};

/** The fields most events leave null or empty. */
export const EMPTY_FIELDS: Pick<
  Expected,
  | 'tags'
  | 'metadata'
  | 'rejectReason'
  | 'description'
  | 'clickUrl'
  | 'userAgent'
  | 'mtaResponse'
  | 'rejectCategory'
  | 'permanent'
> = {
  tags: [],
  metadata: {},
  rejectReason: null,
  description: null,
  clickUrl: null,
  userAgent: null,
  mtaResponse: null,
  rejectCategory: null,
  permanent: null,
};

/** A valid delivered context of a user's own provider, `acme-mail`, for tests of what a provider returns. */
export const ACME_DELIVERED: EmailTrackingContext = {
  ...EMPTY_FIELDS,
  eventType: 'delivered',
  messageId: 'm-1',
  recipient: 'a@example.com',
  timestamp: new Date('2026-01-01T00:00:00Z'),
  espName: 'acme-mail',
  rawEvent: {},
  eventId: 'e-1',
};

export const expected = (
  fields: Partial<Expected> & Pick<Expected, 'eventType' | 'timestamp' | 'messageId' | 'recipient'>,
): Expected => ({ ...EMPTY_FIELDS, ...fields });

/** Asserts `event` field by field against `want`, with the timestamp as ISO text. */
export function expectContext(
  event: EmailTrackingContext | undefined,
  want: Expected,
  esp: string,
) {
  expect(event).toBeDefined();
  const {
    rawEvent: _raw,
    espName,
    eventId: _id,
    timestamp,
    ...rest
  } = event as EmailTrackingContext;
  expect(espName).toBe(esp);
  expect({ ...rest, timestamp: timestamp.toISOString() }).toEqual(want);
}
