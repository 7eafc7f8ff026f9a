/** Loops' whole email event vocabulary, row by row: every field of the context. */
import { describe, expect, test } from 'vitest';
import { loops } from '../../../src/index.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const event = (eventName: string) => ({
  eventName,
  eventTime: 1734425918,
  webhookSchemaVersion: '1.0.0',
  sourceType: 'transactional',
  contactIdentity: { id: 'cm4r4q4ey00pgwasl1ffv4pc5', email: 'user@example.com', userId: null },
  email: { id: 'cm4r4q4ey00phwaslyg6mbw5m', emailMessageId: 'em-1', subject: 'Welcome' },
});

const ROWS: [string, Record<string, unknown>][] = [
  ['campaign.email.sent', { eventType: 'sent' }],
  ['loop.email.sent', { eventType: 'sent' }],
  ['transactional.email.sent', { eventType: 'sent' }],
  ['email.delivered', { eventType: 'delivered' }],
  [
    'email.softBounced',
    {
      eventType: 'bounced',
      rejectReason: 'softBounced',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'email.hardBounced',
    {
      eventType: 'bounced',
      rejectReason: 'hardBounced',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  ['email.opened', { eventType: 'opened' }],
  ['email.clicked', { eventType: 'clicked' }],
  ['email.unsubscribed', { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ['email.spamReported', { eventType: 'complained', rejectCategory: 'spam' }],
  ['email.resubscribed', { eventType: 'unknown' }],
  ['email.somethingNew', { eventType: 'unknown' }],
];

describe('Loops event names: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (name, want) => {
    const got = await contextsOf(loops({ verifySignature: false }), event(name), {
      'webhook-id': 'msg_loops_1',
    });
    expect(got).toEqual([
      {
        ...DEFAULTS,
        messageId: 'cm4r4q4ey00phwaslyg6mbw5m',
        recipient: 'user@example.com',
        timestamp: '2024-12-17T08:58:38.000Z',
        espName: 'loops',
        eventId: 'msg_loops_1',
        ...want,
      },
    ]);
  });

  test.each(['testing.testEvent', 'contact.created', 'contact.unsubscribed'])(
    '%s: 200 with no events',
    async (name) => {
      expect(
        await contextsOf(loops({ verifySignature: false }), event(name), { 'webhook-id': 'm' }),
      ).toEqual([]);
    },
  );
});
