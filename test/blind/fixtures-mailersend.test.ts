// Blind fixture tests: MailerSend (hex HMAC-SHA256 of the body in `Signature`).
import { describe, it } from 'vitest';
import { mailersend } from '../../src/index';
import {
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  hmacHex,
  makeHandler,
} from './fixtures-harness';

const SECRET = 'TEST_WEBHOOK_SIGNING_SECRET';
const TEST_SECRET = 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G';
const NOW = new Date('2026-06-01T00:00:00Z');

async function post(body: string, secret = SECRET, signWith = secret) {
  const h = makeHandler(mailersend({ secret }), NOW);
  return h.post('mailersend', body, { Signature: await hmacHex(signWith, body) });
}

const sym = {
  eventId: '62f114f8165fe0d8db0288e5',
  messageId: '62fb66bef54a112e920b5493',
  recipient: 'test@example.com',
  timestamp: '2024-01-01T12:00:00.000Z',
  tags: ['test-tag'],
};
const v2 = {
  eventId: '62f114f8165fe0d8db0288e5',
  messageId: '67f91abd69f79df391e9d78d',
  recipient: 'test@example.com',
  timestamp: '2026-01-01T12:00:00.000Z',
  tags: ['test-tag'],
};

const cases: Array<[string, Expected]> = [
  [
    'anymail_clicked_event.json',
    {
      eventType: 'clicked',
      eventId: '63fd1d23afa3c770b00da7d3',
      messageId: '63fd1c1d5f010335ed07066b',
      recipient: 'recipient@example.com',
      timestamp: '2023-02-27T21:14:11.691Z',
      clickUrl: 'https://example.com/test',
    },
  ],
  [
    'anymail_delivered_event.json',
    {
      eventType: 'delivered',
      eventId: '63fd1c1fcfbe46145d003a7b',
      timestamp: '2023-02-27T21:09:51.865Z',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'anymail_hard_bounced_event.json',
    {
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      messageId: '63fd25194d5edba3da09e044',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  ['anymail_opened_event.json', { eventType: 'opened', timestamp: '2023-02-27T21:17:57.025Z' }],
  [
    'anymail_sent_event.json',
    {
      eventType: 'sent',
      eventId: '63fd1c1d31b9c750540fe85c',
      messageId: '63fd1c1d5f010335ed07066b',
      recipient: 'recipient@example.com',
      tags: ['tag1', 'Tag 2'],
      timestamp: '2023-02-27T21:09:49.506Z',
    },
  ],
  [
    'anymail_soft_bounced_event.json',
    {
      eventType: 'bounced',
      recipient: 'notauser@example.com',
      tags: [],
      permanent: false,
      rejectCategory: 'bounced',
    },
  ],
  [
    'anymail_spam_complaint_event.json',
    { eventType: 'complained', rejectCategory: 'spam', permanent: null },
  ],
  [
    'anymail_unsubscribed_event.json',
    { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' },
  ],
  [
    'symfony_clicked.json',
    { ...sym, eventType: 'clicked', clickUrl: 'https://www.mailersend.com' },
  ],
  [
    'symfony_clicked_unique.json',
    { ...sym, eventType: 'clicked', clickUrl: 'https://www.mailersend.com' },
  ],
  ['symfony_delivered.json', { ...sym, eventType: 'delivered' }],
  [
    'symfony_hard_bounced.json',
    { ...sym, eventType: 'bounced', permanent: true, rejectCategory: 'bounced' },
  ],
  ['symfony_opened.json', { ...sym, eventType: 'opened' }],
  ['symfony_opened_unique.json', { ...sym, eventType: 'opened' }],
  ['symfony_sent.json', { ...sym, eventType: 'sent' }],
  ['symfony_soft_bounced.json', { ...sym, eventType: 'bounced', permanent: false }],
  ['symfony_spam_complaint.json', { ...sym, eventType: 'complained', rejectCategory: 'spam' }],
  [
    'symfony_unsubscribed.json',
    { ...sym, eventType: 'unsubscribed', rejectCategory: 'unsubscribed' },
  ],
  [
    'symfony_v2_clicked.json',
    {
      ...v2,
      eventType: 'clicked',
      clickUrl: 'https://example.com/link',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36',
    },
  ],
  ['symfony_v2_delivered.json', { ...v2, eventType: 'delivered' }],
  [
    'symfony_v2_hard_bounced.json',
    { ...v2, eventType: 'bounced', permanent: true, rejectCategory: 'bounced' },
  ],
];

describe('MailerSend: every fixture, signed here', () => {
  for (const [file, want] of cases) {
    it(file, async () => {
      const text = fixtureText('mailersend', file);
      const r = await post(text);
      expectPosted(r, [{ espName: 'mailersend', ...want }]);
    });
  }
});

describe('MailerSend: vectors and traps', () => {
  const vectors = fixtureJson('mailersend', 'vectors/vectors.json').vectors as any[];
  for (const v of vectors) {
    it(`${v.name} (${v.expect_valid ? 'valid' : 'refused'})`, async () => {
      const body = fixtureText('mailersend', `vectors/${v.body_file}`);
      const h = makeHandler(mailersend({ secret: v.signing_secret }), NOW);
      const r = await h.post('mailersend', body, v.headers);
      if (v.expect_valid) expectOk(r, 1);
      else expectRefused(r, 403);
    });
  }

  it('the Symfony vector: its sent event', async () => {
    const v = vectors[0];
    const h = makeHandler(mailersend({ secret: v.signing_secret }), NOW);
    const r = await h.post(
      'mailersend',
      fixtureText('mailersend', `vectors/${v.body_file}`),
      v.headers,
    );
    expectEvents(r.events, [{ ...sym, eventType: 'sent' }]);
  });

  it('a tampered byte, a missing signature', async () => {
    const v = vectors[1];
    const body = fixtureText('mailersend', `vectors/${v.body_file}`);
    const h = makeHandler(mailersend({ secret: v.signing_secret }), NOW);
    expectRefused(
      await h.post('mailersend', body.replace('recipient@', 'recipienT@'), v.headers),
      403,
    );
    expectRefused(await h.post('mailersend', body, {}), 403, 'signature-missing');
  });

  it('webhook.test signed with the published test secret: 200, no events; any other type with it: 403', async () => {
    const ping = JSON.stringify({
      type: 'webhook.test',
      created_at: '2026-01-01T00:00:00Z',
      data: {},
    });
    expectOk(await post(ping, SECRET, TEST_SECRET), 0);
    const sent = fixtureText('mailersend', 'symfony_sent.json');
    expectRefused(await post(sent, SECRET, TEST_SECRET), 403);
  });

  it('a body without type is 200 with no events', async () => {
    expectOk(await post('{"data":{}}'), 0);
  });
});
