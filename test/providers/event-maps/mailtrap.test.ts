/** Mailtrap's whole event vocabulary (anymail's mapping), row by row: every field of every context. */
import { describe, expect, test } from 'vitest';
import { mailtrap } from '../../../src/index.js';
import { contextOf, contextsOf, DEFAULTS } from './helpers.js';

const event = (name: string, extra: Record<string, unknown> = {}) => ({
  event: name,
  message_id: '1df37d17-0286-4d8b-8edf-bc4ec5be86e6',
  sending_stream: 'transactional',
  email: 'receiver@example.com',
  timestamp: 1726358034,
  event_id: 'bede7236-2284-43d6-a953-1fdcafd0fdbc',
  category: 'welcome',
  custom_variables: { user_id: '42', n: 7 },
  ...extra,
});

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'delivery',
    { response: '250 2.0.0 OK', response_code: 250 },
    { eventType: 'delivered', mtaResponse: '250 2.0.0 OK' },
  ],
  [
    'open',
    { ip: '192.0.2.1', user_agent: 'Mozilla/5.0 (open)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'click',
    { url: 'https://example.com/a', user_agent: 'Mozilla/5.0 (click)' },
    { eventType: 'clicked', clickUrl: 'https://example.com/a', userAgent: 'Mozilla/5.0 (click)' },
  ],
  [
    'bounce',
    {
      response: '550 5.1.1 no such user',
      response_code: 550,
      bounce_category: 'invalid_recipient',
    },
    {
      eventType: 'bounced',
      rejectReason: 'invalid_recipient',
      mtaResponse: '550 5.1.1 no such user',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'soft bounce',
    { response: '452 mailbox full', response_code: 452, bounce_category: 'mailbox_full' },
    { eventType: 'deferred', rejectReason: 'mailbox_full', mtaResponse: '452 mailbox full' },
  ],
  ['spam', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  ['unsubscribe', {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  [
    'reject',
    { reason: 'unsubscribed: email address is on the suppression list' },
    {
      eventType: 'rejected',
      rejectReason: 'unsubscribed: email address is on the suppression list',
      description: 'unsubscribed: email address is on the suppression list',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  [
    'reject',
    { reason: 'content rejected' },
    {
      eventType: 'rejected',
      rejectReason: 'content rejected',
      description: 'content rejected',
      rejectCategory: 'blocked',
      permanent: false,
    },
  ],
  [
    'suspension',
    { reason: 'sending suspended' },
    { eventType: 'deferred', rejectReason: 'sending suspended', description: 'sending suspended' },
  ],
  ['something new', {}, { eventType: 'unknown' }],
];

const base = {
  ...DEFAULTS,
  messageId: '1df37d17-0286-4d8b-8edf-bc4ec5be86e6',
  recipient: 'receiver@example.com',
  timestamp: '2024-09-14T23:53:54.000Z',
  espName: 'mailtrap',
  eventId: 'bede7236-2284-43d6-a953-1fdcafd0fdbc',
  tags: ['welcome'],
  metadata: { user_id: '42', n: '7' },
};

describe('Mailtrap events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (name, extra, want) => {
    expect(
      await contextOf(mailtrap({ verifySignature: false }), { events: [event(name, extra)] }),
    ).toEqual({
      ...base,
      ...want,
    });
  });

  test('JSON Lines: every row, one per line', async () => {
    const text = ROWS.map(([name, extra]) => JSON.stringify(event(name, extra))).join('\n');
    const got = await contextsOf(mailtrap({ verifySignature: false }), text, {
      'content-type': 'application/jsonl',
    });
    expect(got).toEqual(ROWS.map(([, , want]) => ({ ...base, ...want })));
  });

  test('inbound.message_received gives no event', async () => {
    expect(
      await contextsOf(mailtrap({ verifySignature: false }), {
        events: [
          {
            event: 'inbound.message_received',
            event_id: 'e',
            timestamp: 1726358034000,
            inbox_id: 1,
            message_id: 'm',
          },
        ],
      }),
    ).toEqual([]);
  });
});
