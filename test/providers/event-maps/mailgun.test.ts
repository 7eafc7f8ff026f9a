/** Mailgun's whole event vocabulary (DESIGN "Providers"), row by row: every field of the context. */
import { describe, expect, test } from 'vitest';
import { mailgun } from '../../../src/index.js';
import { contextOf, DEFAULTS } from './helpers.js';

const body = (event: string, extra: Record<string, unknown> = {}) => ({
  signature: {
    token: '1234567890abcdef1234567890abcdef',
    timestamp: '1534110422',
    signature: '29f11a17b37259d4b700f02f1eaeba94f9ab8e858f6661bc500f54433322b333',
  },
  'event-data': {
    event,
    id: 'CPgfbmQMTCKtHW6uIWtuVe',
    recipient: 'recipient@example.com',
    timestamp: 1534110422.389832,
    tags: ['welcome', 'spring'],
    'user-variables': { user_id: '42', n: 7 },
    message: {
      headers: {
        to: 'Recipient <recipient@example.com>',
        'message-id': '20180812214658.1.0DF563D0B3597700@example.org',
        from: 'sender@example.org',
      },
    },
    ...extra,
  },
});

const MTA = '5.1.1 The email account that you tried to reach does not exist.';

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['accepted', { method: 'HTTP' }, { eventType: 'queued' }],
  [
    'delivered',
    { 'delivery-status': { code: 250, message: 'OK', description: '' } },
    { eventType: 'delivered', mtaResponse: 'OK', description: '' },
  ],
  [
    'failed',
    {
      severity: 'permanent',
      reason: 'bounce',
      'delivery-status': { code: 550, message: MTA, description: 'Not delivered' },
    },
    {
      eventType: 'bounced',
      rejectReason: 'bounce',
      description: 'Not delivered',
      mtaResponse: MTA,
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'failed',
    {
      severity: 'permanent',
      reason: 'suppress-bounce',
      'delivery-status': {
        code: 605,
        message: '',
        description: 'Not delivering to previously bounced address',
      },
    },
    {
      eventType: 'bounced',
      rejectReason: 'suppress-bounce',
      description: 'Not delivering to previously bounced address',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'failed',
    {
      severity: 'permanent',
      reason: 'suppress-complaint',
      'delivery-status': {
        code: 607,
        message: '',
        description: 'Not delivering to a user who marked your messages as spam',
      },
    },
    {
      eventType: 'bounced',
      rejectReason: 'suppress-complaint',
      description: 'Not delivering to a user who marked your messages as spam',
      rejectCategory: 'other',
      permanent: true,
    },
  ],
  [
    'failed',
    {
      severity: 'temporary',
      reason: 'generic',
      'delivery-status': { code: 452, message: '4.2.2 Mailbox full', description: '' },
    },
    {
      eventType: 'deferred',
      rejectReason: 'generic',
      description: '',
      mtaResponse: '4.2.2 Mailbox full',
    },
  ],
  [
    'rejected',
    { reject: { reason: 'Sandbox subdomains are for test purposes only', description: '' } },
    {
      eventType: 'rejected',
      rejectReason: 'Sandbox subdomains are for test purposes only',
      description: 'Sandbox subdomains are for test purposes only',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'opened',
    { 'client-info': { 'user-agent': 'Mozilla/5.0 (open)', 'client-type': 'browser' } },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'clicked',
    { url: 'https://example.com/a', 'client-info': { 'user-agent': 'Mozilla/5.0 (click)' } },
    { eventType: 'clicked', clickUrl: 'https://example.com/a', userAgent: 'Mozilla/5.0 (click)' },
  ],
  ['unsubscribed', {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ['complained', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  ['stored', {}, { eventType: 'unknown' }],
  ['list_member_uploaded', {}, { eventType: 'unknown' }],
];

describe('Mailgun events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (name, extra, want) => {
    const got = await contextOf(mailgun({ verifySignature: false }), body(name, extra));
    expect(got).toEqual({
      ...DEFAULTS,
      messageId: '20180812214658.1.0DF563D0B3597700@example.org',
      recipient: 'recipient@example.com',
      timestamp: '2018-08-12T21:47:02.389Z',
      espName: 'mailgun',
      eventId: 'CPgfbmQMTCKtHW6uIWtuVe',
      tags: ['welcome', 'spring'],
      metadata: { user_id: '42', n: '7' },
      ...want,
    });
  });

  test('a rejected event without recipient takes the address of its To header', async () => {
    const b = body('rejected', { reject: { reason: 'r' } });
    delete (b['event-data'] as Record<string, unknown>).recipient;
    expect((await contextOf(mailgun({ verifySignature: false }), b)).recipient).toBe(
      'recipient@example.com',
    );
  });
});
