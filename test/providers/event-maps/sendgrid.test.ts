/** SendGrid's whole event vocabulary (DESIGN "Providers"), row by row: every field of the context. */
import { describe, expect, test } from 'vitest';
import { sendgrid } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextOf, DEFAULTS } from './helpers.js';

const element = (event: string, extra: Record<string, unknown> = {}) => ({
  email: 'noreply@example.com',
  timestamp: 1461095250,
  'smtp-id': '<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>',
  event,
  category: ['welcome', 'spring'],
  sg_event_id: 'lC0Rc-FuQmKbnxCWxX1jRQ',
  sg_message_id: 'Lli-03HcQ5-JLybO9fXsJg.filter0077p1las1.21536.5717FC482.0',
  user_id: 42,
  plan: 'pro',
  ...extra,
});

const R550 = '550 5.1.1 The email account that you tried to reach does not exist.';

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['processed', {}, { eventType: 'queued' }],
  [
    'deferred',
    { response: '400 try again later', attempt: '5' },
    { eventType: 'deferred', mtaResponse: '400 try again later' },
  ],
  [
    'delivered',
    { response: '250 OK', ip: '167.89.17.173', tls: 1 },
    { eventType: 'delivered', mtaResponse: '250 OK' },
  ],
  [
    'bounce',
    { type: 'bounce', reason: R550, status: '5.1.1' },
    {
      eventType: 'bounced',
      rejectReason: 'bounce',
      description: R550,
      mtaResponse: R550,
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'bounce',
    { type: 'blocked', reason: '550 blocked by policy', status: '5.7.1' },
    {
      eventType: 'bounced',
      rejectReason: 'blocked',
      description: '550 blocked by policy',
      mtaResponse: '550 blocked by policy',
      rejectCategory: 'blocked',
      permanent: false,
    },
  ],
  [
    'dropped',
    { reason: 'Invalid', status: '5.0.0' },
    {
      eventType: 'rejected',
      rejectReason: 'Invalid',
      description: 'Invalid',
      rejectCategory: 'invalid',
      permanent: true,
    },
  ],
  [
    'dropped',
    { reason: 'Bounced Address', status: '5.0.0' },
    {
      eventType: 'rejected',
      rejectReason: 'Bounced Address',
      description: 'Bounced Address',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'dropped',
    { reason: 'Unsubscribed Address', status: '5.0.0' },
    {
      eventType: 'rejected',
      rejectReason: 'Unsubscribed Address',
      description: 'Unsubscribed Address',
      rejectCategory: 'unsubscribed',
      permanent: true,
    },
  ],
  [
    'dropped',
    { reason: 'Spam Reporting Address', status: '5.0.0' },
    {
      eventType: 'rejected',
      rejectReason: 'Spam Reporting Address',
      description: 'Spam Reporting Address',
      rejectCategory: 'other',
      permanent: true,
    },
  ],
  [
    'dropped',
    { type: 'bounce', reason: 'Bounced Address' },
    {
      eventType: 'rejected',
      rejectReason: 'bounce',
      description: 'Bounced Address',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'dropped',
    { type: 'blocked', reason: 'blocked by SendGrid' },
    {
      eventType: 'rejected',
      rejectReason: 'blocked',
      description: 'blocked by SendGrid',
      rejectCategory: 'blocked',
      permanent: false,
    },
  ],
  [
    'dropped',
    { type: 'expired', reason: 'Expired' },
    {
      eventType: 'rejected',
      rejectReason: 'expired',
      description: 'Expired',
      rejectCategory: 'timed_out',
      permanent: false,
    },
  ],
  [
    'dropped',
    { reason: 'Unsubscribed Group' },
    {
      eventType: 'rejected',
      rejectReason: 'Unsubscribed Group',
      description: 'Unsubscribed Group',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'open',
    { useragent: 'Mozilla/5.0 (open)', ip: '192.0.2.1', sg_machine_open: false },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'click',
    {
      useragent: 'Mozilla/5.0 (click)',
      url: 'https://example.com/a',
      url_offset: { index: 0, type: 'html' },
    },
    { eventType: 'clicked', userAgent: 'Mozilla/5.0 (click)', clickUrl: 'https://example.com/a' },
  ],
  ['spamreport', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  ['unsubscribe', {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  [
    'group_unsubscribe',
    { asm_group_id: 1 },
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' },
  ],
  ['group_resubscribe', { asm_group_id: 1 }, { eventType: 'unknown' }],
  ['something_new', {}, { eventType: 'unknown' }],
];

describe('SendGrid events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (name, extra, want) => {
    const el = element(name, extra);
    const got = await contextOf(
      sendgrid({ verifySignature: false }),
      `[${JSON.stringify(el)}]\r\n`,
    );
    const digest = await digestOf(
      'sendgrid',
      [
        el.sg_message_id,
        name,
        el.email,
        '1461095250',
        typeof extra.url === 'string' ? extra.url : '',
      ].join('\n'),
    );
    expect(got).toEqual({
      ...DEFAULTS,
      messageId: 'Lli-03HcQ5-JLybO9fXsJg',
      recipient: 'noreply@example.com',
      timestamp: '2016-04-19T19:47:30.000Z',
      espName: 'sendgrid',
      eventId: digest,
      tags: ['welcome', 'spring'],
      metadata: { user_id: '42', plan: 'pro' },
      ...want,
    });
  });

  test('a single category string is one tag', async () => {
    const got = await contextOf(sendgrid({ verifySignature: false }), [
      element('processed', { category: 'one' }),
    ]);
    expect(got.tags).toEqual(['one']);
  });
});
