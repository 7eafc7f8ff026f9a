/** Resend's whole event vocabulary (DESIGN "Providers"), row by row: every field of every context. */
import { describe, expect, test } from 'vitest';
import { resend } from '../../../src/index.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const SVIX_ID = 'msg_2X9aBcDeFgHiJkLmNoPqRsTu';

const event = (type: string, extra: Record<string, unknown> = {}) => ({
  type,
  created_at: '2023-09-28T17:21:35.257Z',
  data: {
    created_at: '2023-09-28T17:19:43.982Z',
    email_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    from: 'Sender <from@example.com>',
    subject: 'Sending test',
    to: ['to@example.org', 'Second <second@example.org>'],
    tags: { campaign: 'spring', 'metadata:user': '42' },
    ...extra,
  },
});

const base = {
  ...DEFAULTS,
  messageId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  timestamp: '2023-09-28T17:21:35.257Z',
  espName: 'resend',
  eventId: SVIX_ID,
  tags: ['campaign:spring'],
  metadata: { user: '42' },
};

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['email.scheduled', {}, { eventType: 'queued' }],
  ['email.sent', {}, { eventType: 'sent' }],
  ['email.delivered', {}, { eventType: 'delivered' }],
  ['email.delivery_delayed', {}, { eventType: 'deferred' }],
  [
    'email.bounced',
    {
      bounce: {
        type: 'Permanent',
        subType: 'Suppressed',
        message: 'The recipient is on the suppression list',
      },
    },
    {
      eventType: 'bounced',
      rejectReason: 'Permanent/Suppressed',
      description: 'The recipient is on the suppression list',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'email.bounced',
    { bounce: { type: 'Transient', subType: 'MailboxFull', message: 'Inbox full' } },
    {
      eventType: 'bounced',
      rejectReason: 'Transient/MailboxFull',
      description: 'Inbox full',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'email.suppressed',
    { suppressed: { type: 'OnAccountSuppressionList', message: 'on the suppression list' } },
    {
      eventType: 'rejected',
      rejectReason: 'OnAccountSuppressionList',
      description: 'on the suppression list',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  [
    'email.failed',
    { failed: { reason: 'reached_daily_quota' } },
    {
      eventType: 'failed',
      rejectReason: 'reached_daily_quota',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  ['email.complained', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  [
    'email.opened',
    {
      open: {
        ipAddress: '192.0.2.1',
        timestamp: '2023-09-28T17:21:35.257Z',
        userAgent: 'Mozilla/5.0 (open)',
      },
    },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'email.clicked',
    {
      click: {
        ipAddress: '192.0.2.1',
        link: 'https://example.com/test',
        userAgent: 'Mozilla/5.0 (click)',
      },
    },
    {
      eventType: 'clicked',
      clickUrl: 'https://example.com/test',
      userAgent: 'Mozilla/5.0 (click)',
    },
  ],
  ['email.something_new', {}, { eventType: 'unknown' }],
];

describe('Resend event types: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (type, extra, want) => {
    const got = await contextsOf(resend({ verifySignature: false }), event(type, extra), {
      'svix-id': SVIX_ID,
    });
    expect(got).toEqual(
      ['to@example.org', 'second@example.org'].map((recipient) => ({
        ...base,
        recipient,
        ...want,
      })),
    );
  });

  test('the webhook-id header is the eventId as svix-id is', async () => {
    const got = await contextsOf(resend({ verifySignature: false }), event('email.sent'), {
      'webhook-id': 'msg_webhook',
    });
    expect(got.map((e) => e.eventId)).toEqual(['msg_webhook', 'msg_webhook']);
  });

  test('tags as a [{name, value}] list read as the object form does', async () => {
    const got = await contextsOf(
      resend({ verifySignature: false }),
      event('email.sent', {
        tags: [
          { name: 'campaign', value: 'spring' },
          { name: 'metadata:user', value: '42' },
        ],
      }),
      { 'svix-id': SVIX_ID },
    );
    expect(got.map((e) => [e.tags, e.metadata])).toEqual([
      [['campaign:spring'], { user: '42' }],
      [['campaign:spring'], { user: '42' }],
    ]);
  });

  test.each(['contact.created', 'contact.updated', 'domain.updated', 'email.received'])(
    '%s: 200 with no events',
    async (type) => {
      expect(
        await contextsOf(resend({ verifySignature: false }), event(type), { 'svix-id': SVIX_ID }),
      ).toEqual([]);
    },
  );
});
