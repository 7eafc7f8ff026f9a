/** SparkPost's whole event vocabulary: every class/type and bounce class (anymail's table), row by row. */
import { describe, expect, test } from 'vitest';
import { sparkpost } from '../../../src/index.js';
import { harness } from '../../helpers/provider-harness.js';
import { contextOf, contextsOf, DEFAULTS } from './helpers.js';

const inner = (type: string, extra: Record<string, unknown> = {}) => ({
  type,
  event_id: '92356927693813856',
  timestamp: '1454442600',
  transmission_id: '65832150921904138',
  message_id: '0e0d94b7-9085-4e3c-ab30-e3f2cd9c273e',
  campaign_id: 'Example Campaign Name',
  rcpt_to: 'recipient@example.com',
  raw_rcpt_to: 'Recipient@example.com',
  rcpt_meta: { customKey: 'customValue', n: 1 },
  rcpt_tags: ['male', 'US'],
  ...extra,
});

const wrap = (cls: string, event: object) => [{ msys: { [cls]: event } }];

const base = {
  ...DEFAULTS,
  messageId: '65832150921904138',
  recipient: 'Recipient@example.com',
  timestamp: '2016-02-02T19:50:00.000Z',
  espName: 'sparkpost',
  eventId: '92356927693813856',
  tags: ['Example Campaign Name'],
  metadata: { customKey: 'customValue', n: '1' },
};

const ROWS: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  ['message_event', 'injection', {}, { eventType: 'queued' }],
  [
    'message_event',
    'delivery',
    { raw_reason: '250 OK' },
    { eventType: 'delivered', mtaResponse: '250 OK' },
  ],
  [
    'message_event',
    'delay',
    { bounce_class: '21', reason: '454 4.7.1 try later', raw_reason: '454 4.7.1 try later' },
    {
      eventType: 'deferred',
      rejectReason: '21',
      description: '454 4.7.1 try later',
      mtaResponse: '454 4.7.1 try later',
    },
  ],
  [
    'message_event',
    'spam_complaint',
    { fbtype: 'abuse', report_by: 'server.email.com' },
    { eventType: 'complained', rejectCategory: 'spam' },
  ],
  [
    'message_event',
    'policy_rejection',
    {
      bounce_class: '25',
      reason: '550 5.7.1 Unsubscribed recipient',
      raw_reason: '550 5.7.1 recipient address was suppressed due to customer policy',
    },
    {
      eventType: 'rejected',
      rejectReason: '25',
      description: '550 5.7.1 Unsubscribed recipient',
      mtaResponse: '550 5.7.1 recipient address was suppressed due to customer policy',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  [
    'message_event',
    'policy_rejection',
    { reason: 'Message generation rejected', raw_reason: 'Message generation rejected' },
    {
      eventType: 'rejected',
      description: 'Message generation rejected',
      mtaResponse: 'Message generation rejected',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'message_event',
    'policy_rejection',
    { reason: '550 5.7.1 recipient address was suppressed due to customer policy' },
    {
      eventType: 'rejected',
      description: '550 5.7.1 recipient address was suppressed due to customer policy',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  [
    'message_event',
    'bounce',
    { reason: '550 5.0.0 bounced', raw_reason: '550 5.0.0 bounced' },
    {
      eventType: 'bounced',
      description: '550 5.0.0 bounced',
      mtaResponse: '550 5.0.0 bounced',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'gen_event',
    'generation_failure',
    {
      error_code: '554',
      reason: 'Message generation failed',
      raw_reason: 'Message generation failed',
    },
    {
      eventType: 'failed',
      description: 'Message generation failed',
      mtaResponse: 'Message generation failed',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'gen_event',
    'generation_rejection',
    {
      error_code: '554',
      reason: 'Message generation rejected',
      raw_reason: 'Message generation rejected',
    },
    {
      eventType: 'rejected',
      description: 'Message generation rejected',
      mtaResponse: 'Message generation rejected',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'track_event',
    'open',
    { user_agent: 'Mozilla/5.0 (open)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'track_event',
    'amp_open',
    { user_agent: 'Mozilla/5.0 (amp)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (amp)' },
  ],
  [
    'track_event',
    'initial_open',
    { user_agent: 'Mozilla/5.0' },
    { eventType: 'unknown', userAgent: 'Mozilla/5.0' },
  ],
  [
    'track_event',
    'amp_initial_open',
    { user_agent: 'Mozilla/5.0' },
    { eventType: 'unknown', userAgent: 'Mozilla/5.0' },
  ],
  [
    'track_event',
    'click',
    { target_link_url: 'https://example.com/a', user_agent: 'Mozilla/5.0 (click)' },
    { eventType: 'clicked', clickUrl: 'https://example.com/a', userAgent: 'Mozilla/5.0 (click)' },
  ],
  [
    'track_event',
    'amp_click',
    { target_link_url: 'https://example.com/b', user_agent: 'Mozilla/5.0 (amp)' },
    { eventType: 'clicked', clickUrl: 'https://example.com/b', userAgent: 'Mozilla/5.0 (amp)' },
  ],
  [
    'unsubscribe_event',
    'list_unsubscribe',
    { mailfrom: 'x@example.com' },
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' },
  ],
  [
    'unsubscribe_event',
    'link_unsubscribe',
    { user_agent: 'Mozilla/5.0 (u)' },
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed', userAgent: 'Mozilla/5.0 (u)' },
  ],
  ['message_event', 'sms_status', {}, { eventType: 'unknown' }],
];

/** bounce_class → [eventType, rejectCategory, permanent] (anymail's `reject_reasons`; hard: 10, 30). */
const CLASSES: [string, string, string | null, boolean | null][] = [
  ['1', 'bounced', 'other', false],
  ['10', 'bounced', 'invalid', true],
  ['20', 'bounced', 'bounced', false],
  ['21', 'bounced', 'bounced', false],
  ['22', 'bounced', 'bounced', false],
  ['23', 'bounced', 'bounced', false],
  ['24', 'bounced', 'timed_out', false],
  ['25', 'bounced', 'blocked', false],
  ['30', 'bounced', 'bounced', true],
  ['40', 'bounced', 'bounced', false],
  ['50', 'bounced', 'blocked', false],
  ['51', 'bounced', 'spam', false],
  ['52', 'bounced', 'spam', false],
  ['53', 'bounced', 'other', false],
  ['54', 'bounced', 'blocked', false],
  ['60', 'unknown', null, null],
  ['70', 'bounced', 'bounced', false],
  ['80', 'unknown', null, null],
  ['90', 'unsubscribed', 'unsubscribed', null],
  ['100', 'unknown', null, null],
  ['999', 'bounced', 'other', false],
];

describe('SparkPost event types: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %s %j', async (cls, type, extra, want) => {
    expect(
      await contextOf(sparkpost({ verifySignature: false }), wrap(cls, inner(type, extra))),
    ).toEqual({
      ...base,
      ...want,
    });
  });
});

describe('SparkPost bounce classes: each gives its type and every context field as mapped', () => {
  test.each(['bounce', 'out_of_band'])('%s: every class', async (type) => {
    const body = CLASSES.map(([bounceClass]) => ({
      msys: {
        message_event: inner(type, {
          bounce_class: bounceClass,
          reason: `reason ${bounceClass}`,
          raw_reason: `raw ${bounceClass}`,
        }),
      },
    }));
    const got = await contextsOf(sparkpost({ verifySignature: false }), body);
    expect(got).toEqual(
      CLASSES.map(([bounceClass, eventType, rejectCategory, permanent]) => ({
        ...base,
        eventType,
        rejectReason: bounceClass,
        description: `reason ${bounceClass}`,
        mtaResponse: `raw ${bounceClass}`,
        rejectCategory,
        permanent,
      })),
    );
  });

  test('the rawEvent is the inner event object', async () => {
    const h = harness(sparkpost({ verifySignature: false }));
    const event = inner('delivery');
    await h.post(JSON.stringify(wrap('message_event', event)));
    expect(h.events.map((e) => e.rawEvent)).toEqual([event]);
  });
});
