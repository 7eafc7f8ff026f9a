/** Unisender Go's whole status vocabulary and delivery_info fields (anymail's mapping), row by row. */
import { describe, expect, test } from 'vitest';
import { unisenderGo } from '../../../src/index.js';
import { digestOf, harness } from '../../helpers/provider-harness.js';
import { contextOf, contextsOf, DEFAULTS } from './helpers.js';

const data = (status: string, extra: Record<string, unknown> = {}) => ({
  job_id: '1a3Q2V-0000OZ-S0',
  metadata: { key1: 'val1', n: 2 },
  email: 'recipient.email@example.com',
  status,
  event_time: '2015-11-30 15:09:42',
  ...extra,
});

const batch = (events: object[]) => ({
  auth: '0123456789abcdef0123456789abcdef',
  events_by_user: [
    {
      user_id: 456,
      project_id: '6432890213745872',
      project_name: 'MyProject',
      events: events.map((event_data) => ({
        event_name: 'transactional_email_status',
        event_data,
      })),
    },
  ],
});

const base = {
  ...DEFAULTS,
  messageId: '1a3Q2V-0000OZ-S0',
  recipient: 'recipient.email@example.com',
  timestamp: '2015-11-30T15:09:42.000Z',
  espName: 'unisender-go',
  metadata: { key1: 'val1', n: '2' },
};

const UA = 'Mozilla/5.0 (X11; Linux x86_64)';

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['sent', {}, { eventType: 'sent' }],
  [
    'delivered',
    {
      delivery_info: {
        delivery_status: 'ok_delivered',
        destination_response: '250 OK',
        ip: '192.0.2.1',
      },
    },
    { eventType: 'delivered', description: 'ok_delivered', mtaResponse: '250 OK' },
  ],
  [
    'opened',
    { delivery_info: { user_agent: UA, ip: '192.0.2.1' } },
    { eventType: 'opened', userAgent: UA },
  ],
  [
    'clicked',
    { url: 'https://example.com/a', delivery_info: { user_agent: UA, ip: '192.0.2.1' } },
    { eventType: 'clicked', clickUrl: 'https://example.com/a', userAgent: UA },
  ],
  [
    'unsubscribed',
    { comment: 'I did not sign up', delivery_info: { user_agent: UA } },
    {
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      description: 'I did not sign up',
      userAgent: UA,
    },
  ],
  ['subscribed', {}, { eventType: 'unknown' }],
  [
    'spam',
    { delivery_info: { delivery_status: 'err_spam_rejected', destination_response: '550 spam' } },
    {
      eventType: 'complained',
      rejectCategory: 'spam',
      rejectReason: 'err_spam_rejected',
      description: 'err_spam_rejected',
      mtaResponse: '550 spam',
    },
  ],
  [
    'soft_bounced',
    { delivery_info: { delivery_status: 'err_will_retry', destination_response: '451 later' } },
    {
      eventType: 'deferred',
      rejectReason: 'err_will_retry',
      description: 'err_will_retry',
      mtaResponse: '451 later',
    },
  ],
  ['something_new', {}, { eventType: 'unknown' }],
];

/** A hard bounce's `delivery_status` → category (anymail's `reject_reasons`). */
const ERRORS: [string, string][] = [
  ['err_user_unknown', 'bounced'],
  ['err_user_inactive', 'bounced'],
  ['err_mailbox_discarded', 'bounced'],
  ['err_mailbox_full', 'bounced'],
  ['err_spam_rejected', 'spam'],
  ['err_blacklisted', 'blocked'],
  ['err_too_large', 'bounced'],
  ['err_unsubscribed', 'unsubscribed'],
  ['err_unreachable', 'bounced'],
  ['err_skip_letter', 'bounced'],
  ['err_domain_inactive', 'bounced'],
  ['err_destination_misconfigured', 'bounced'],
  ['err_delivery_failed', 'other'],
  ['err_spam_skipped', 'spam'],
  ['err_lost', 'other'],
  ['err_something_new', 'other'],
];

describe('Unisender Go statuses: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (status, extra, want) => {
    const text = JSON.stringify(batch([data(status, extra)]));
    const element = { event_name: 'transactional_email_status', event_data: data(status, extra) };
    expect(await contextOf(unisenderGo({ verifySignature: false }), text)).toEqual({
      ...base,
      eventId: await digestOf('unisender-go', JSON.stringify(element)),
      ...want,
    });
  });

  test('hard_bounced: every delivery_status', async () => {
    const events = ERRORS.map(([error]) =>
      data('hard_bounced', {
        delivery_info: { delivery_status: error, destination_response: `550 ${error}` },
      }),
    );
    const got = await contextsOf(unisenderGo({ verifySignature: false }), batch(events));
    expect(got.map(({ eventId: _, ...rest }) => rest)).toEqual(
      ERRORS.map(([error, rejectCategory]) => ({
        ...base,
        eventType: 'bounced',
        rejectReason: error,
        description: error,
        mtaResponse: `550 ${error}`,
        rejectCategory,
        permanent: true,
      })),
    );
  });

  test('the single-event form: the same context, digest over the body', async () => {
    const single = {
      auth: '0123456789abcdef0123456789abcdef',
      event_name: 'transactional_email_status',
      user_id: 456,
      project_id: '6432890213745872',
      ...data('delivered', { delivery_info: { delivery_status: 'ok_delivered' } }),
    };
    const text = JSON.stringify(single);
    expect(await contextOf(unisenderGo({ verifySignature: false }), text)).toEqual({
      ...base,
      eventType: 'delivered',
      description: 'ok_delivered',
      eventId: await digestOf('unisender-go', text),
    });
  });

  test('an anymail_id in metadata is the messageId and leaves metadata', async () => {
    const got = await contextOf(
      unisenderGo({ verifySignature: false }),
      batch([data('sent', { metadata: { anymail_id: 'my-id', key1: 'val1' } })]),
    );
    expect([got.messageId, got.metadata]).toEqual(['my-id', { key1: 'val1' }]);
  });

  test('an element that is not an object is skipped with a warning; the rest are delivered', async () => {
    const body = batch([data('delivered')]);
    (body.events_by_user[0] as { events: unknown[] }).events.unshift(null, 7);
    const { post, events, warnings } = harness(unisenderGo({ verifySignature: false }));
    expect(await post(JSON.stringify(body))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events.map((e) => e.eventType)).toEqual(['delivered']);
    const skipped = warnings().filter((l) => /skipped/.test(l.msg));
    expect(skipped.map((l) => [l.fields.index, l.fields.problem])).toEqual([
      [0, 'is not a JSON object'],
      [1, 'is not a JSON object'],
    ]);
  });

  test('a body that is JSON but no object is 400, even with verification off', async () => {
    const { post } = harness(unisenderGo({ verifySignature: false }));
    for (const text of ['null', '[]', '7']) {
      expect(await post(text)).toEqual({
        status: 400,
        body: {
          ok: false,
          error: 'invalid-unisender-go-event',
          message: 'Unisender Go sends a JSON object',
        },
      });
    }
  });

  test('transactional_spam_block gives no event', async () => {
    const body = batch([]);
    (body.events_by_user[0] as { events: object[] }).events.push({
      event_name: 'transactional_spam_block',
      event_data: {
        block_time: '2015-11-30 15:09:42',
        block_type: 'one_smtp',
        domain: 'd',
        SMTP_blocks_count: 8,
        domain_status: 'blocked',
      },
    });
    expect(await contextsOf(unisenderGo({ verifySignature: false }), body)).toEqual([]);
  });
});
