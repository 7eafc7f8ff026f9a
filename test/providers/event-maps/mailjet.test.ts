/** Mailjet's whole event vocabulary and error table (anymail's), row by row: every field of the context. */
import { describe, expect, test } from 'vitest';
import { mailjet } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextOf, DEFAULTS } from './helpers.js';

/** Past 2^53: JSON.stringify of the number would change its digits, so the text is spliced in. */
const BIG = '__BIG__';
const textOf = (body: object) => JSON.stringify(body).replace(`"${BIG}"`, '12345678901234567');

const event = (name: string, extra: Record<string, unknown> = {}) => ({
  event: name,
  time: 1480095030,
  MessageID: BIG,
  Message_GUID: '1ab23cd4-e567-8901-2345-6789f0gh1i2j',
  email: 'api@mailjet.com',
  mj_campaign_id: 7173,
  mj_contact_id: 320,
  customcampaign: 'welcome',
  CustomID: 'helloworld',
  Payload: '{"user":"42"}',
  ...extra,
});

const base = {
  ...DEFAULTS,
  messageId: '12345678901234567',
  recipient: 'api@mailjet.com',
  timestamp: '2016-11-25T17:30:30.000Z',
  espName: 'mailjet',
  tags: ['welcome'],
  metadata: { user: '42' },
};

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'sent',
    { smtp_reply: 'sent (250 2.0.0 OK)' },
    { eventType: 'delivered', mtaResponse: 'sent (250 2.0.0 OK)' },
  ],
  [
    'open',
    { ip: '127.0.0.1', geo: 'US', agent: 'Mozilla/5.0 (open)' },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
  [
    'click',
    { url: 'https://mailjet.com', ip: '127.0.0.1', geo: 'FR', agent: 'Mozilla/5.0 (click)' },
    { eventType: 'clicked', clickUrl: 'https://mailjet.com', userAgent: 'Mozilla/5.0 (click)' },
  ],
  ['spam', { source: 'JMRPP' }, { eventType: 'complained', rejectCategory: 'spam' }],
  [
    'unsub',
    { mj_list_id: 1, ip: '127.0.0.1', agent: 'Mozilla/5.0 (unsub)' },
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed', userAgent: 'Mozilla/5.0 (unsub)' },
  ],
  ['something_new', {}, { eventType: 'unknown' }],
];

/** `error` → category and whether it is about the address (anymail's `reject_reasons`). */
const ERRORS: [string, string, boolean][] = [
  ['user unknown', 'bounced', true],
  ['mailbox inactive', 'bounced', true],
  ['quota exceeded', 'bounced', false],
  ['blacklisted', 'blocked', true],
  ['spam reporter', 'spam', true],
  ['invalid domain', 'bounced', true],
  ['no mail host', 'bounced', true],
  ['relay/access denied', 'bounced', false],
  ['typofix', 'invalid', true],
  ['sender blocked', 'blocked', false],
  ['content blocked', 'blocked', false],
  ['policy issue', 'blocked', false],
  ['preblocked', 'blocked', true],
  ['duplicate in campaign', 'other', false],
  ['something new', 'other', false],
];

async function check(body: Record<string, unknown>, fields: Record<string, unknown>) {
  const text = textOf(body);
  expect(await contextOf(mailjet({ verifySignature: false }), text)).toEqual({
    ...base,
    eventId: await digestOf('mailjet', text),
    ...fields,
  });
}

describe('Mailjet events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', (name, extra, want) => check(event(name, extra), want));

  test.each(ERRORS)('bounce, error %s → category %s', async (error, rejectCategory) => {
    await Promise.all(
      [true, false].map((hard) =>
        check(
          event('bounce', {
            blocked: false,
            hard_bounce: hard,
            error_related_to: 'recipient',
            error,
            comment: 'Host or domain name not found',
            smtp_reply: '550 no',
          }),
          {
            eventType: 'bounced',
            rejectReason: error,
            description: 'Host or domain name not found',
            mtaResponse: '550 no',
            rejectCategory,
            permanent: hard,
          },
        ),
      ),
    );
  });

  test.each(ERRORS)(
    'blocked, error %s → category %s, permanent %s',
    (error, rejectCategory, address) =>
      check(event('blocked', { error_related_to: 'recipient', error }), {
        eventType: 'rejected',
        rejectReason: error,
        rejectCategory,
        permanent: address,
      }),
  );

  test.each(['bounce', 'blocked'])('%s greylisted, not hard → deferred', (name) =>
    check(
      event(name, {
        hard_bounce: false,
        error_related_to: 'domain',
        error: 'greylisted',
        smtp_reply: '451 greylisted',
      }),
      {
        eventType: 'deferred',
        rejectReason: 'greylisted',
        mtaResponse: '451 greylisted',
      },
    ),
  );

  test('bounce greylisted and hard stays a bounce', () =>
    check(event('bounce', { hard_bounce: true, error: 'greylisted' }), {
      eventType: 'bounced',
      rejectReason: 'greylisted',
      rejectCategory: 'other',
      permanent: true,
    }));

  test('mj_message_id, a string, is preferred to MessageID', async () => {
    const got = await contextOf(
      mailjet({ verifySignature: false }),
      textOf(event('sent', { mj_message_id: '98765432109876543' })),
    );
    expect(got.messageId).toBe('98765432109876543');
  });
});
