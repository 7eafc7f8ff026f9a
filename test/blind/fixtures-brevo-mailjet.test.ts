// Blind fixture tests: Brevo and Mailjet (shared-secret ESPs; single events or batches).
import { describe, expect, it } from 'vitest';
import { brevo, mailjet } from '../../src/index';
import {
  basic,
  DIGEST,
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureText,
  makeHandler,
  sha256hex,
} from './fixtures-harness';

const NOW = new Date('2026-06-01T00:00:00Z');
const BEARER = { authorization: 'Bearer brevo-token' };
const ms = (n: number) => new Date(n).toISOString();
const s = (n: number) => new Date(n * 1000).toISOString();

async function postBrevo(body: string, headers: Record<string, string> = BEARER) {
  const h = makeHandler(brevo({ token: 'brevo-token' }), NOW);
  return h.post('brevo', body, headers);
}
const B = (f: string) => fixtureText('brevo', f);
const relayId = '<201803011158.9876543210@smtp-relay.mailin.fr>';

const brevoCases: Array<[string, Expected]> = [
  [
    'anymail_blocked.json',
    {
      eventType: 'rejected',
      recipient: 'recipient@example.com',
      messageId: relayId,
      timestamp: ms(1520363423000),
      mtaResponse: 'blocked : due to blacklist user',
      rejectCategory: 'blocked',
    },
  ],
  [
    'anymail_clicked_event.json',
    {
      eventType: 'clicked',
      clickUrl: 'https://example.com/click/me',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'anymail_complaint.json',
    {
      eventType: 'complained',
      recipient: 'example@domain.com',
      messageId: '201798300811.5787683@relay.domain.com',
      tags: ['transac_messages'],
      metadata: { meta: 'data' },
      rejectCategory: 'spam',
      permanent: null,
    },
  ],
  [
    'anymail_deferred_event.json',
    {
      eventType: 'deferred',
      recipient: 'notauser@example.com',
      mtaResponse:
        '550 RecipientError: 550 5.1.1 <notauser@example.com>: Recipient address rejected: User unknown in virtual alias table',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'anymail_delivered_event.json',
    { eventType: 'delivered', timestamp: ms(1520363423000), tags: [], metadata: {} },
  ],
  [
    'anymail_error_email.json',
    { eventType: 'failed', rejectCategory: 'other', permanent: false, metadata: { meta: 'data' } },
  ],
  [
    'anymail_hard_bounce.json',
    {
      eventType: 'bounced',
      recipient: 'not-a-user@example.com',
      tags: ['header-tag'],
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'anymail_invalid_email.json',
    { eventType: 'bounced', rejectCategory: 'invalid', permanent: true },
  ],
  ['anymail_opened_event.json', { eventType: 'opened' }],
  ['anymail_proxy_open_event.json', { eventType: 'opened', tags: ['transactionalTag'] }],
  [
    'anymail_sent_event.json',
    {
      eventType: 'queued',
      messageId: '<201803062010.27287306012@smtp-relay.mailin.fr>',
      timestamp: ms(1520363423000),
      tags: ['tag1', 'tag2'],
      metadata: { meta: 'data' },
    },
  ],
  [
    'anymail_soft_bounce_event.json',
    {
      eventType: 'bounced',
      recipient: 'recipient@no-mx.example.com',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  ['anymail_spam.json', { eventType: 'complained', rejectCategory: 'spam' }],
  ['anymail_unique_opened_event.json', { eventType: 'opened' }],
  ['anymail_unique_proxy_open_event.json', { eventType: 'opened' }],
  [
    'anymail_unsubscribe.json',
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed', permanent: null },
  ],
  [
    'symfony_blocked.json',
    {
      eventType: 'rejected',
      timestamp: ms(1685541608993),
      tags: ['tag1', 'tag2'],
      rejectCategory: 'blocked',
    },
  ],
  [
    'symfony_click.json',
    {
      eventType: 'clicked',
      timestamp: ms(1685542108462),
      clickUrl: 'https://www.google.com',
      tags: ['welcome', 'tag2'],
    },
  ],
  ['symfony_complaint.json', { eventType: 'complained', timestamp: NOW.toISOString() }],
  ['symfony_defered.json', { eventType: 'deferred', mtaResponse: 'spam' }],
  [
    'symfony_delivered.json',
    {
      eventType: 'delivered',
      recipient: 'example@gmail.com',
      messageId: '<202305311328.81899448177@smtp-relay.mailin.fr>',
      timestamp: ms(1685539713018),
    },
  ],
  ['symfony_error.json', { eventType: 'bounced', rejectCategory: 'invalid', permanent: true }],
  [
    'symfony_hard_bounce.json',
    {
      eventType: 'bounced',
      timestamp: ms(1685543827372),
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  ['symfony_invalid_email.json', { eventType: 'bounced', rejectCategory: 'invalid' }],
  ['symfony_opened.json', { eventType: 'opened', timestamp: ms(1685544309368) }],
  ['symfony_proxy_open.json', { eventType: 'opened', tags: ['transactionalTag'] }],
  [
    'symfony_request.json',
    { eventType: 'queued', timestamp: ms(1685538788179), tags: ['tag1', 'tag2'] },
  ],
  ['symfony_request_without_tags.json', { eventType: 'queued', tags: [] }],
  [
    'symfony_soft_bounce.json',
    { eventType: 'bounced', permanent: false, timestamp: NOW.toISOString() },
  ],
  ['symfony_unique_opened.json', { eventType: 'opened', timestamp: ms(1685544532962) }],
  [
    'symfony_unsubscribed.json',
    { eventType: 'unsubscribed', timestamp: ms(1685541121606), rejectCategory: 'unsubscribed' },
  ],
];

describe('Brevo: every fixture, bearer token', () => {
  for (const [file, want] of brevoCases) {
    it(file, async () => {
      const text = B(file);
      const r = await postBrevo(text);
      expectOk(r, 1);
      const eventId = `brevo:${(await sha256hex(text)).slice(0, 32)}`;
      expectEvents(r.events, [
        { espName: 'brevo', eventId, recipient: JSON.parse(text).email, ...want },
      ]);
      expect(r.events[0]?.rawEvent).toEqual(JSON.parse(text));
    });
  }

  it('ts_epoch in seconds (the error fixtures) is not read as 1970', async () => {
    const r = await postBrevo(B('anymail_error_email.json'));
    expect(r.events[0]?.timestamp.getUTCFullYear()).toBeGreaterThan(2000);
  });

  it('a batched array: one event per element, each with the digest of its own JSON', async () => {
    const a = JSON.parse(B('symfony_delivered.json'));
    const b = JSON.parse(B('symfony_click.json'));
    const r = await postBrevo(JSON.stringify([a, 'junk', b]));
    expectPosted(r, [
      {
        eventType: 'delivered',
        eventId: `brevo:${(await sha256hex(JSON.stringify(a))).slice(0, 32)}`,
      },
      {
        eventType: 'clicked',
        eventId: `brevo:${(await sha256hex(JSON.stringify(b))).slice(0, 32)}`,
      },
    ]);
  });

  it('credentials: none 401 with a Bearer challenge, wrong 403; password works as Basic', async () => {
    const none = await postBrevo(B('symfony_delivered.json'), {});
    expectRefused(none, 401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/i);
    expectRefused(
      await postBrevo(B('symfony_delivered.json'), { authorization: 'Bearer nope' }),
      403,
    );
    const hb = makeHandler(brevo({ password: 'pw' }), NOW);
    expectOk(
      await hb.post('brevo', B('symfony_delivered.json'), { authorization: basic('x', 'pw') }),
      1,
    );
  });

  it('{} is 200 with no events', async () => {
    expectOk(await postBrevo('{}'), 0);
  });
});

// ------------------------------------------------------------------------------------ Mailjet
const J = (f: string) => fixtureText('mailjet', f);
async function postMailjet(
  body: string,
  headers: Record<string, string> = { authorization: basic('mj', 'mj-pass') },
) {
  const h = makeHandler(mailjet({ password: 'mj-pass' }), NOW);
  return h.post('mailjet', body, headers);
}
const BIG = '12345678901234567';
const mailjetCases: Array<[string, Expected]> = [
  [
    'anymail_blocked_event.json',
    {
      eventType: 'rejected',
      recipient: 'bad@example.com',
      messageId: BIG,
      rejectCategory: 'invalid',
      permanent: true,
    },
  ],
  [
    'anymail_bounce_event.json',
    {
      eventType: 'bounced',
      recipient: 'invalid@invalid',
      messageId: BIG,
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'anymail_bounced_greylist_event.json',
    { eventType: 'deferred', rejectCategory: null, permanent: null },
  ],
  [
    'anymail_click_event.json',
    {
      eventType: 'opened',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) Chrome/58.0.3029.110',
    },
  ],
  [
    'anymail_non_grouped_event.json',
    {
      eventType: 'delivered',
      messageId: BIG,
      mtaResponse: 'sent (250 2.0.0 OK 1498093527 a67bc12345def.22 - gsmtp)',
      tags: [],
      metadata: {},
    },
  ],
  [
    'anymail_open_event.json',
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' },
  ],
  [
    'anymail_sent_event.json',
    {
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: BIG,
      timestamp: s(1498093527),
      tags: ['tag1'],
      metadata: { meta1: 'simple string', meta2: '2' },
    },
  ],
  ['anymail_spam_event.json', { eventType: 'complained', rejectCategory: 'spam', permanent: null }],
  ['anymail_unsub_event.json', { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  [
    'symfony_blocked.json',
    {
      eventType: 'rejected',
      messageId: '13792286917004336',
      timestamp: s(1430812195),
      rejectCategory: 'blocked',
    },
  ],
  [
    'symfony_bounce.json',
    {
      eventType: 'bounced',
      messageId: '104427216766056450',
      recipient: 'event-bounce@yahoo.fr',
      permanent: false,
    },
  ],
  [
    'symfony_click.json',
    {
      eventType: 'clicked',
      messageId: '93449692684977140',
      clickUrl: 'https://mailjet.com',
      timestamp: s(1685519224),
    },
  ],
  ['symfony_open.json', { eventType: 'opened', messageId: '102175416994919440' }],
  [
    'symfony_sent.json',
    {
      eventType: 'delivered',
      messageId: '92042317804662640',
      mtaResponse:
        '250 2.0.0 OK  1685518742 k22-20020a05600c0b5600b003f6020d9976si8376621wmr.181 - gsmtp',
    },
  ],
  ['symfony_spam.json', { eventType: 'complained', messageId: '13792286917004336' }],
  [
    'symfony_unsub.json',
    { eventType: 'unsubscribed', messageId: '20547674933128000', recipient: 'api@mailjet.com' },
  ],
];

describe('Mailjet: every fixture, grouped or bare, Basic auth', () => {
  for (const [file, want] of mailjetCases) {
    it(file, async () => {
      const r = await postMailjet(J(file));
      expectPosted(r, [{ espName: 'mailjet', ...want }]);
      expect(r.events[0]?.eventId).toMatch(DIGEST('mailjet'));
    });
  }

  it('a bare object: digest over the raw body', async () => {
    const text = J('symfony_sent.json');
    const r = await postMailjet(text);
    expect(r.events[0]?.eventId).toBe(`mailjet:${(await sha256hex(text)).slice(0, 32)}`);
  });

  it('a grouped array of several events, one unrecognisable element skipped', async () => {
    const body = `[${J('symfony_sent.json')}, {"nothing": 1}, ${J('symfony_click.json')}]`;
    const r = await postMailjet(body);
    expectOk(r, 2);
    expect(r.events.map((e) => [e.eventType, e.messageId])).toEqual([
      ['delivered', '92042317804662640'],
      ['clicked', '93449692684977140'],
    ]);
  });

  it('credentials: none 401 Basic challenge, wrong 403', async () => {
    const none = await postMailjet(J('symfony_sent.json'), {});
    expectRefused(none, 401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expectRefused(
      await postMailjet(J('symfony_sent.json'), { authorization: basic('mj', 'bad') }),
      403,
    );
  });
});
