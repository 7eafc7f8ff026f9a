/** MailerSend's whole activity vocabulary, v1 (`data.email`) and v2 (compact) shapes, row by row. */
import { describe, expect, test } from 'vitest';
import { mailersend } from '../../../src/index.js';
import { contextOf, contextsOf, DEFAULTS } from './helpers.js';

const v1 = (type: string, morph: Record<string, unknown> | null = null) => ({
  type: `activity.${type}`,
  domain_id: 'domain-id',
  created_at: '2023-02-27T21:09:49.520507Z',
  webhook_id: 'webhook-id',
  url: 'https://hooks.example.com/webhooks/mail/mailersend',
  data: {
    object: 'activity',
    id: '63fd1c1d31b9c750540fe85c',
    type,
    created_at: '2023-02-27T21:09:49.506000Z',
    email: {
      object: 'email',
      id: '63fd1c1de225707fa905f0a8',
      status: 'sent',
      tags: ['tag1', 'Tag 2'],
      message: { object: 'message', id: '63fd1c1d5f010335ed07066b' },
      recipient: { object: 'recipient', email: 'recipient@example.com' },
    },
    morph,
    template_id: '',
  },
});

const v2 = (type: string, meta: Record<string, unknown> | unknown[] = [], dataType = type) => ({
  type: `activity.${type}`,
  created_at: '2026-09-12T18:42:56.000000Z',
  data: {
    id: '6aa59d304ab3f14ef03ccf50',
    message_id: '6aa59d2fbf35297925087058',
    email_id: '6aa59d3037403a10c4d4d18e',
    type: dataType,
    subject: 'Test webhooks',
    recipient: 'recipient@example.com',
    tags: ['tag1', 'Tag 2'],
    meta,
  },
  webhook_id: 'webhook-id',
});

const BASE_V1 = {
  ...DEFAULTS,
  messageId: '63fd1c1d5f010335ed07066b',
  recipient: 'recipient@example.com',
  timestamp: '2023-02-27T21:09:49.506Z',
  espName: 'mailersend',
  eventId: '63fd1c1d31b9c750540fe85c',
  tags: ['tag1', 'Tag 2'],
};
const BASE_V2 = {
  ...BASE_V1,
  messageId: '6aa59d2fbf35297925087058',
  timestamp: '2026-09-12T18:42:56.000Z',
  eventId: '6aa59d304ab3f14ef03ccf50',
};

const V1_ROWS: [string, Record<string, unknown> | null, Record<string, unknown>][] = [
  ['sent', null, { eventType: 'sent' }],
  ['delivered', null, { eventType: 'delivered' }],
  ['deferred', null, { eventType: 'deferred' }],
  [
    'soft_bounced',
    { object: 'recipient_bounce', reason: 'Unknown reason' },
    {
      eventType: 'bounced',
      rejectReason: 'Unknown reason',
      description: 'Unknown reason',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'hard_bounced',
    { object: 'recipient_bounce', reason: 'Host or domain name not found' },
    {
      eventType: 'bounced',
      rejectReason: 'Host or domain name not found',
      description: 'Host or domain name not found',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  ['opened', { object: 'open', ip: '127.0.0.1' }, { eventType: 'opened' }],
  ['opened_unique', { object: 'open', ip: '127.0.0.1' }, { eventType: 'opened' }],
  [
    'clicked',
    { object: 'click', url: 'https://example.com/a' },
    { eventType: 'clicked', clickUrl: 'https://example.com/a' },
  ],
  [
    'clicked_unique',
    { object: 'click', url: 'https://example.com/a' },
    { eventType: 'clicked', clickUrl: 'https://example.com/a' },
  ],
  [
    'unsubscribed',
    {
      object: 'recipient_unsubscribe',
      reason: 'option_3',
      readable_reason: 'I get too many emails',
    },
    {
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      rejectReason: 'option_3',
      description: 'I get too many emails',
    },
  ],
  [
    'spam_complaint',
    { object: 'spam_complaint', reason: null },
    { eventType: 'complained', rejectCategory: 'spam' },
  ],
  ['survey_opened', null, { eventType: 'unknown' }],
];

const V2_ROWS: [string, Record<string, unknown> | unknown[], Record<string, unknown>, string?][] = [
  ['sent', [], { eventType: 'sent' }],
  ['delivered', [], { eventType: 'delivered' }],
  ['deferred', [], { eventType: 'deferred' }],
  [
    'soft_bounced',
    { bounce_reason: 'Mailbox full', bounce_code: 452, bounce_type: 'soft' },
    {
      eventType: 'bounced',
      rejectReason: 'Mailbox full',
      description: 'Mailbox full',
      mtaResponse: '452',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'hard_bounced',
    { bounce_reason: 'Host or domain name not found', bounce_code: '550', bounce_type: 'hard' },
    {
      eventType: 'bounced',
      rejectReason: 'Host or domain name not found',
      description: 'Host or domain name not found',
      mtaResponse: '550',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'opened',
    { ip: '192.0.2.1', user_agent: 'Mozilla/5.0 (open)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'opened_unique',
    { user_agent: 'Mozilla/5.0 (open)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
    'opened',
  ],
  [
    'clicked',
    { user_agent: 'Mozilla/5.0 (click)', url: 'https://example.com/test' },
    {
      eventType: 'clicked',
      userAgent: 'Mozilla/5.0 (click)',
      clickUrl: 'https://example.com/test',
    },
  ],
  [
    'clicked_unique',
    { url: 'https://example.com/test' },
    { eventType: 'clicked', clickUrl: 'https://example.com/test' },
    'clicked',
  ],
  [
    'unsubscribed',
    { unsubscribe_reason: 'NO_LONGER_WANT' },
    {
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      rejectReason: 'NO_LONGER_WANT',
      description: 'NO_LONGER_WANT',
    },
  ],
  ['spam_complaint', [], { eventType: 'complained', rejectCategory: 'spam' }, 'spam_complaints'],
  [
    'suppressed',
    { suppression_reason: 'on_hold' },
    {
      eventType: 'rejected',
      rejectReason: 'on_hold',
      description: 'on_hold',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  ['survey_submitted', [], { eventType: 'unknown' }],
];

describe('MailerSend v1 activities: each gives its type and every context field as mapped', () => {
  test.each(V1_ROWS)('%s', async (type, morph, want) => {
    expect(await contextOf(mailersend({ verifySignature: false }), v1(type, morph))).toEqual({
      ...BASE_V1,
      ...want,
    });
  });
});

describe('MailerSend v1 times', () => {
  test('without data.created_at, the top-level created_at is the time', async () => {
    const event = v1('delivered');
    const { created_at: _, ...data } = event.data;
    expect(
      await contextOf(mailersend({ verifySignature: false }), { ...event, data }),
    ).toMatchObject({ eventType: 'delivered', timestamp: '2023-02-27T21:09:49.520Z' });
  });
});

describe('MailerSend v2 activities: each gives its type and every context field as mapped', () => {
  test.each(V2_ROWS)('%s', async (type, meta, want, dataType) => {
    expect(
      await contextOf(mailersend({ verifySignature: false }), v2(type, meta, dataType)),
    ).toEqual({ ...BASE_V2, ...want });
  });

  test('inbound.message gives no event', async () => {
    expect(
      await contextsOf(mailersend({ verifySignature: false }), {
        type: 'inbound.message',
        data: { object: 'message', raw: '...' },
      }),
    ).toEqual([]);
  });
});
