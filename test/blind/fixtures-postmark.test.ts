// Blind fixture tests: Postmark (shared secret: HTTP Basic or a custom header).
import { describe, expect, it } from 'vitest';
import { postmark } from '../../src/index';
import {
  basic,
  type Expected,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureText,
  makeHandler,
  sha256hex,
} from './fixtures-harness';

const NOW = new Date('2026-06-01T00:00:00Z');
const AUTH = { authorization: basic('anyone', 'pm-pass') };
const meta = { example: 'value', example_2: 'value' };

async function post(file: string, headers: Record<string, string> = AUTH) {
  const h = makeHandler(postmark({ password: 'pm-pass' }), NOW);
  return h.post('postmark', fixtureText('postmark', file), headers);
}
async function digest(file: string) {
  return `postmark:${(await sha256hex(fixtureText('postmark', file))).slice(0, 32)}`;
}

const cases: Array<[string, Expected, boolean?]> = [
  [
    'anymail_bounce_event.json',
    {
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      messageId: '2706ee8a-737c-4285-b032-ccd317af53ed',
      eventId: '901542550',
      timestamp: '2016-04-27T20:28:50.396Z',
      tags: [],
      metadata: {},
      description:
        'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
      mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'anymail_bounce_unsubscribe_variant.json',
    {
      eventType: 'unsubscribed',
      recipient: '',
      messageId: '5555555-5555555-5555-5555555',
      eventId: '555555555',
      timestamp: NOW.toISOString(),
      tags: [],
      rejectCategory: 'unsubscribed',
      permanent: null,
    },
  ],
  [
    'anymail_click_event.json',
    {
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      messageId: 'f4830d10-9c35-4f0c-bca3-3d9b459821f8',
      timestamp: '2017-10-25T15:21:11.906Z',
      tags: ['welcome-email'],
      clickUrl: 'https://example.com/click/me',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) etc.',
      rejectCategory: null,
      permanent: null,
    },
    true,
  ],
  [
    'anymail_delivered_event.json',
    {
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      timestamp: '2014-08-01T17:28:10.273Z',
      tags: ['welcome-email'],
      metadata: { cohort: '2014-08-A', userid: '12345' },
      mtaResponse: 'Test delivery webhook details',
    },
    true,
  ],
  [
    'anymail_open_event.json',
    {
      eventType: 'opened',
      recipient: 'recipient@example.com',
      timestamp: '2016-04-27T20:21:41.249Z',
      userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
      tags: [],
    },
    true,
  ],
  [
    'anymail_resubscribe.json',
    {
      eventType: 'unknown',
      recipient: 'john@example.com',
      timestamp: '2022-06-05T17:17:32.000Z',
      rejectCategory: null,
      permanent: null,
      metadata: meta,
    },
    true,
  ],
  [
    'anymail_spam_event.json',
    {
      eventType: 'complained',
      recipient: 'spam@example.com',
      eventId: '901542550',
      timestamp: '2016-04-27T20:28:50.396Z',
      tags: ['Test'],
      mtaResponse: 'Test spam complaint details',
      rejectCategory: 'spam',
      permanent: null,
    },
  ],
  [
    'anymail_subscription_change_bounce.json',
    {
      eventType: 'bounced',
      recipient: 'john@example.com',
      messageId: 'b4cb783d-78ed-43f2-983b-63f55c712dc8',
      tags: ['my-tag'],
      rejectCategory: 'bounced',
    },
    true,
  ],
  [
    'anymail_unsubscribe.json',
    {
      eventType: 'unsubscribed',
      recipient: 'john@example.com',
      timestamp: '2022-06-05T17:17:32.000Z',
      rejectCategory: 'unsubscribed',
      permanent: null,
    },
    true,
  ],
  [
    'symfony_bounce.json',
    {
      eventType: 'bounced',
      recipient: 'john@example.com',
      eventId: '42',
      timestamp: '2022-09-02T14:29:19.123Z',
      tags: ['Test'],
      metadata: meta,
      mtaResponse: 'Test bounce details',
      permanent: true,
    },
  ],
  [
    'symfony_delivery.json',
    {
      eventType: 'delivered',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      timestamp: '2022-09-02T11:49:27.000Z',
      metadata: meta,
    },
    true,
  ],
  [
    'symfony_link_click.json',
    {
      eventType: 'clicked',
      clickUrl: 'https://example.com',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36',
      timestamp: '2022-09-02T14:31:09.000Z',
    },
    true,
  ],
  [
    'symfony_open.json',
    { eventType: 'opened', timestamp: '2022-09-02T14:30:47.000Z', tags: ['welcome-email'] },
    true,
  ],
  [
    'symfony_spam_complaint.json',
    {
      eventType: 'complained',
      eventId: '42',
      timestamp: '2022-09-02T14:29:57.123Z',
      rejectCategory: 'spam',
    },
  ],
  [
    'symfony_subscription_change.json',
    { eventType: 'bounced', timestamp: '2022-09-02T14:32:30.000Z', rejectCategory: 'bounced' },
    true,
  ],
];

describe('Postmark: every fixture through HTTP Basic', () => {
  for (const [file, want, digestId] of cases) {
    it(file, async () => {
      const r = await post(file);
      expectPosted(r, [
        { espName: 'postmark', ...want, ...(digestId ? { eventId: await digest(file) } : {}) },
      ]);
      expect(r.events[0]?.rawEvent).toEqual(JSON.parse(fixtureText('postmark', file)));
    });
  }

  it('credentials: none is 401 with a Basic challenge, wrong is 403, any user name passes', async () => {
    const none = await post('symfony_delivery.json', {});
    expectRefused(none, 401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expectRefused(
      await post('symfony_delivery.json', { authorization: basic('anyone', 'nope') }),
      403,
    );
    expectOk(
      await post('symfony_delivery.json', { authorization: basic('postmark', 'pm-pass') }),
      1,
    );
  });

  it('with a username set, another user name is refused', async () => {
    const h = makeHandler(postmark({ username: 'hook', password: 'pm-pass' }), NOW);
    const text = fixtureText('postmark', 'symfony_delivery.json');
    expectRefused(
      await h.post('postmark', text, { authorization: basic('other', 'pm-pass') }),
      403,
    );
    expectOk(await h.post('postmark', text, { authorization: basic('hook', 'pm-pass') }), 1);
  });

  it('a custom header: missing is 401 without a challenge, wrong 403, right 200', async () => {
    const h = makeHandler(postmark({ header: 'X-Hook-Token', value: 'tok-123' }), NOW);
    const text = fixtureText('postmark', 'symfony_open.json');
    const none = await h.post('postmark', text);
    expectRefused(none, 401);
    expect(none.headers.get('www-authenticate')).toBeNull();
    expectRefused(await h.post('postmark', text, { 'x-hook-token': 'tok-124' }), 403);
    expectOk(await h.post('postmark', text, { 'x-hook-token': 'tok-123' }), 1);
  });

  it('a retry of the same body keeps the digest eventId', async () => {
    const a = await post('symfony_open.json');
    const b = await post('symfony_open.json');
    expect(a.events[0]?.eventId).toBe(b.events[0]?.eventId);
  });

  it('an empty object is 200 with no events', async () => {
    const h = makeHandler(postmark({ password: 'pm-pass' }), NOW);
    expectOk(await h.post('postmark', '{}', AUTH), 0);
  });

  it('other bounce Types as anymail maps them', async () => {
    const h = makeHandler(postmark({ password: 'pm-pass' }), NOW);
    const base = JSON.parse(fixtureText('postmark', 'symfony_bounce.json'));
    const want: Record<string, Expected> = {
      SoftBounce: { eventType: 'bounced', permanent: false, rejectCategory: 'bounced' },
      Transient: { eventType: 'deferred', permanent: null, rejectCategory: null },
      DnsError: { eventType: 'deferred', permanent: null, rejectCategory: null },
      BadEmailAddress: { eventType: 'rejected', permanent: true, rejectCategory: 'invalid' },
      ManuallyDeactivated: { eventType: 'rejected', rejectCategory: 'blocked' },
      SMTPApiError: { eventType: 'failed', permanent: false, rejectCategory: 'other' },
      AutoResponder: { eventType: 'unknown', rejectCategory: null, permanent: null },
      SpamNotification: { eventType: 'complained', rejectCategory: 'spam' },
    };
    for (const [type, w] of Object.entries(want)) {
      const r = await h.post('postmark', JSON.stringify({ ...base, Type: type }), AUTH);
      expectPosted(r, [w]);
    }
  });
});
