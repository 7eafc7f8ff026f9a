// Blind fixture tests: Mandrill (form-encoded mandrill_events; HMAC-SHA1 over URL + sorted params).
import { describe, expect, it } from 'vitest';
import { mandrill } from '../../src/index';
import {
  DIGEST,
  type Expected,
  expectEvents,
  expectOk,
  expectRefused,
  fixtureJson,
  fixtureText,
  hmacSha1B64,
  makeHandler,
} from './fixtures-harness';

const KEY = 'TEST_WEBHOOK_KEY';
const URL_ = 'https://hooks.example.com/webhooks/mail/mandrill';
const NOW = new Date('2026-06-01T00:00:00Z');
const s = (n: number) => new Date(n * 1000).toISOString();

async function postEvents(events: unknown, url = URL_) {
  const json = JSON.stringify(events);
  const body = new URLSearchParams({ mandrill_events: json }).toString();
  const h = makeHandler(mandrill({ webhookKey: KEY, url }), NOW);
  return h.post('mandrill', body, {
    'content-type': 'application/x-www-form-urlencoded',
    'X-Mandrill-Signature': await hmacSha1B64(KEY, `${url}mandrill_events${json}`),
  });
}
const eventsOf = (file: string) => {
  const doc = fixtureJson('mandrill', file);
  return Array.isArray(doc) ? doc : doc.mandrill_events;
};
const SY = {
  recipient: 'foo@example.com',
  timestamp: s(1365109999),
  tags: ['my_tag_1', 'my_tag_2'],
  metadata: { 'mandrill-var-1': 'foo', 'mandrill-var-2': 'bar' },
};
const AM_ID = 'abcdef012345789abcdef012345789';

const cases: Array<[string, Expected[]]> = [
  [
    'anymail_click_event.json',
    [
      {
        eventType: 'clicked',
        recipient: 'recipient@example.com',
        messageId: AM_ID,
        timestamp: s(1461095246),
        clickUrl: 'http://example.com',
        userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
      },
    ],
  ],
  [
    'anymail_hard_bounce_event.json',
    [
      {
        eventType: 'bounced',
        recipient: 'bounce@example.com',
        messageId: AM_ID,
        mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
        rejectCategory: 'bounced',
        permanent: true,
      },
    ],
  ],
  [
    'anymail_send_event.json',
    [
      {
        eventType: 'sent',
        recipient: 'recipient@example.com',
        messageId: AM_ID,
        tags: ['tag1', 'tag2'],
        metadata: { custom1: 'value1', custom2: 'value2' },
        rejectCategory: null,
        permanent: null,
      },
    ],
  ],
  [
    'anymail_sync_event.json',
    [{ eventType: 'unknown', recipient: 'recipient@example.com', timestamp: NOW.toISOString() }],
  ],
  [
    'symfony_batch.json',
    [
      { ...SY, eventType: 'clicked', messageId: '7761630' },
      { ...SY, eventType: 'deferred', messageId: '7761631', rejectCategory: null, permanent: null },
    ],
  ],
  ['symfony_click.json', [{ ...SY, eventType: 'clicked', messageId: '7761630' }]],
  ['symfony_deferral.json', [{ ...SY, eventType: 'deferred', messageId: '7761631' }]],
  // not in anymail's table: mailhooks maps Mandrill's `delivered` as Symfony does
  ['symfony_delivered.json', [{ ...SY, eventType: 'delivered', messageId: '7761632' }]],
  [
    'symfony_hard_bounce.json',
    [
      {
        ...SY,
        eventType: 'bounced',
        messageId: '7761633',
        permanent: true,
        rejectCategory: 'bounced',
      },
    ],
  ],
  ['symfony_opens.json', [{ ...SY, eventType: 'opened', messageId: '7761634' }]],
  ['symfony_reject.json', [{ ...SY, eventType: 'rejected', messageId: '7761635' }]],
  ['symfony_send.json', [{ ...SY, eventType: 'sent', messageId: '7761636' }]],
  [
    'symfony_soft_bounce.json',
    [{ ...SY, eventType: 'bounced', messageId: '7761637', permanent: false }],
  ],
  [
    'symfony_spam.json',
    [{ ...SY, eventType: 'complained', messageId: '7761638', rejectCategory: 'spam' }],
  ],
  [
    'symfony_unsub.json',
    [{ ...SY, eventType: 'unsubscribed', messageId: '7761639', rejectCategory: 'unsubscribed' }],
  ],
];

describe('Mandrill: every fixture, form-encoded and signed here', () => {
  for (const [file, want] of cases) {
    it(file, async () => {
      const events = eventsOf(file);
      const r = await postEvents(events);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ espName: 'mandrill', ...w })),
      );
      r.events.forEach((e, i) => {
        expect(e.eventId).toMatch(DIGEST('mandrill'));
        expect(e.rawEvent).toEqual(events[i]);
      });
    });
  }
});

describe('Mandrill: vectors, probe, traps', () => {
  const vectors = fixtureJson('mandrill', 'vectors/vectors.json').vectors as any[];
  for (const v of vectors) {
    it(`vector ${v.name}`, async () => {
      const good = vectors.find((x) => x.body_file === v.body_file && x.expect_valid) ?? v;
      const h = makeHandler(
        mandrill({ webhookKey: v.webhook_key, url: v.url === good.url ? v.url : v.url }),
        NOW,
      );
      const r = await h.post(
        'mandrill',
        fixtureText('mandrill', `vectors/${v.body_file}`),
        v.headers,
      );
      if (v.expect_valid) expect(r.status).toBe(200);
      else expectRefused(r, 403);
      if (v.name === 'empty_batch_test_ping') expectOk(r, 0);
    });
  }

  it('HEAD probe is 200', async () => {
    const h = makeHandler(mandrill({ webhookKey: KEY, url: URL_ }), NOW);
    const r = await h.post('mandrill', null, {}, 'HEAD');
    expect(r.status).toBe(200);
  });

  it('signed for another URL, or without a signature: 403', async () => {
    const events = eventsOf('symfony_send.json');
    const json = JSON.stringify(events);
    const body = new URLSearchParams({ mandrill_events: json }).toString();
    const h = makeHandler(mandrill({ webhookKey: KEY, url: URL_ }), NOW);
    const other = await hmacSha1B64(
      KEY,
      `https://elsewhere.example.com/hookmandrill_events${json}`,
    );
    expectRefused(
      await h.post('mandrill', body, {
        'content-type': 'application/x-www-form-urlencoded',
        'X-Mandrill-Signature': other,
      }),
      403,
    );
    expectRefused(
      await h.post('mandrill', body, { 'content-type': 'application/x-www-form-urlencoded' }),
      403,
      'signature-missing',
    );
  });

  it('the same batch twice: the same digest eventIds', async () => {
    const a = await postEvents(eventsOf('symfony_batch.json'));
    const b = await postEvents(eventsOf('symfony_batch.json'));
    expect(a.events.map((e) => e.eventId)).toEqual(b.events.map((e) => e.eventId));
    expect(new Set(a.events.map((e) => e.eventId)).size).toBe(2);
  });
});
