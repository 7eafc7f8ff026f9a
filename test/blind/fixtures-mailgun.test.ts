// Blind fixture tests: Mailgun (HMAC signature block inside the JSON body).
import { describe, expect, it } from 'vitest';
import { mailgun } from '../../src/index';
import {
  DIGEST,
  type Expected,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  hmacHex,
  makeHandler,
} from './fixtures-harness';

const SYMFONY_KEY = 'key-0p6mqbf74lb20gzq9f4dhpn9rg3zyk26';
const ANYMAIL_KEY = 'TEST_WEBHOOK_SIGNING_KEY';
const NOW = new Date('2026-06-01T00:00:00Z');
const iso = (s: number) => new Date(s * 1000).toISOString();

async function post(file: string, key = ANYMAIL_KEY, text = fixtureText('mailgun', file)) {
  const h = makeHandler(mailgun({ signingKey: key }), NOW);
  return h.post('mailgun', text);
}

const symfonyTags = ['my_tag_1', 'my_tag_2'];
const symfonyVars = { my_var_1: 'Mailgun Variable #1', 'my-var-2': 'awesome' };

const cases: Array<[string, string, Expected]> = [
  [
    'symfony_accepted.json',
    SYMFONY_KEY,
    {
      eventType: 'queued',
      recipient: 'alice@example.com',
      messageId: '##REDACTED##',
      eventId: '4o7-z86dSkSI54c6IudeuA',
      timestamp: iso(1707402341.91242),
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'symfony_clicks.json',
    SYMFONY_KEY,
    {
      eventType: 'clicked',
      recipient: 'alice@example.com',
      messageId: '20130503182626.18666.16540@app.symfony.com',
      eventId: 'Ase7i2zsRYeDXztHGENqRA',
      timestamp: iso(1521243339.873676),
      tags: symfonyTags,
      metadata: symfonyVars,
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.31 (KHTML, like Gecko) Chrome/26.0.1410.43 Safari/537.31',
    },
  ],
  [
    'symfony_delivered_messages.json',
    SYMFONY_KEY,
    {
      eventType: 'delivered',
      recipient: 'alice@example.com',
      messageId: '20130503182626.18666.16540@app.symfony.com',
      eventId: 'CPgfbmQMTCKtHW6uIWtuVe',
      timestamp: iso(1521472262.000002),
      mtaResponse: 'OK',
      tags: symfonyTags,
      metadata: symfonyVars,
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'symfony_opens.json',
    SYMFONY_KEY,
    {
      eventType: 'opened',
      recipient: 'alice@example.com',
      eventId: 'Ase7i2zsRYeDXztHGENqRA',
      clickUrl: null,
    },
  ],
  [
    'symfony_permanent_failure.json',
    SYMFONY_KEY,
    {
      eventType: 'bounced',
      recipient: 'alice@example.com',
      messageId: '20130503192659.13651.20287@app.symfony.com',
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
      mtaResponse: 'No Such User Here',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'symfony_permanent_failure_no_description.json',
    SYMFONY_KEY,
    {
      eventType: 'bounced',
      mtaResponse: 'No Such User Here',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'symfony_spam_complaints.json',
    SYMFONY_KEY,
    {
      eventType: 'complained',
      messageId: '20110215055645.25246.63817@app.symfony.com',
      eventId: '-Agny091SquKnsrW2NEKUA',
      rejectCategory: 'spam',
      permanent: null,
    },
  ],
  [
    'symfony_suppression_failure.json',
    SYMFONY_KEY,
    { eventType: 'bounced', rejectCategory: 'bounced', permanent: true },
  ],
  [
    'symfony_temporary_failure.json',
    SYMFONY_KEY,
    {
      eventType: 'deferred',
      eventId: 'Fs7-5t81S2ispqxqDw2U4Q',
      timestamp: iso(1521472262.908181),
      mtaResponse:
        '4.2.2 The email account that you tried to reach is over quota. Please direct\n4.2.2 the recipient to\n4.2.2  https://support.example.com/mail/?p=422',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'symfony_unsubscribes.json',
    SYMFONY_KEY,
    {
      eventType: 'unsubscribed',
      recipient: 'alice@example.com',
      rejectCategory: 'unsubscribed',
      permanent: null,
    },
  ],
  [
    'anymail_complained_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'complained',
      recipient: 'recipient@example.com',
      messageId: '20130718032413.263EE2E0926@example.org',
      eventId: 'ncV2XwymRUKbPek_MIM-Gw',
      timestamp: iso(1377214260.049634),
      rejectCategory: 'spam',
    },
  ],
  [
    'anymail_delivered_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: '20180812211713.1.DF5966851B4BAA99@example.org',
      eventId: 'hTWCTD81RtiDN-...',
      timestamp: iso(1534108637.153125),
      tags: [],
      metadata: {},
      mtaResponse: 'OK',
    },
  ],
  [
    'anymail_failed_greylisted_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'deferred',
      recipient: 'undeliverable@mx.example.com',
      mtaResponse: 'Recipient address rejected: Greylisted',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'anymail_failed_permanent_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      messageId: '20180812214658.1.0DF563D0B3597700@example.org',
      timestamp: iso(1534110422.389832),
      mtaResponse:
        "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos",
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'anymail_failed_temporary_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'deferred',
      recipient: 'undeliverable@nomx.example.com',
      mtaResponse: 'No MX for nomx.example.com',
      rejectCategory: null,
      permanent: null,
    },
  ],
  [
    'anymail_opened_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'opened',
      recipient: 'recipient@example.com',
      messageId: '20180812213139.1.BC6694A917BB7E6A@example.org',
      timestamp: iso(1534109600.089676),
      tags: ['welcome', 'variation-A'],
      metadata: { cohort: '2018-08-B', user_id: '123456' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6)...',
    },
  ],
  [
    'anymail_rejected_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'rejected',
      messageId: '20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org',
      timestamp: iso(1529704976.104692),
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  [
    'anymail_unsubscribed_event.json',
    ANYMAIL_KEY,
    {
      eventType: 'unsubscribed',
      recipient: 'recipient@example.com',
      messageId: '20130822232216.13966.79700@samples.mailgun.org',
      eventId: 'W3X4JOhFT-OZidZGKKr9iA',
      rejectCategory: 'unsubscribed',
    },
  ],
];

describe('Mailgun: every fixture, verified with its published key', () => {
  for (const [file, key, want] of cases) {
    it(file, async () => {
      const r = await post(file, key);
      expectPosted(r, [{ espName: 'mailgun', ...want }]);
    });
  }

  it('anymail_clicked_event.json: no event id, so the digest; no message, so no message id', async () => {
    const r = await post('anymail_clicked_event.json');
    expectPosted(r, [
      {
        eventType: 'clicked',
        recipient: 'recipient@example.com',
        clickUrl: 'https://example.com/test',
        timestamp: iso(1534109600.089676),
      },
    ]);
    expect(r.events[0]?.eventId).toMatch(DIGEST('mailgun'));
  });

  it('anymail_delivery_status_is_none_event.json: reported with an empty recipient, signature time', async () => {
    const r = await post('anymail_delivery_status_is_none_event.json');
    expectPosted(r, [
      { eventType: 'queued', recipient: '', timestamp: iso(1234567890), mtaResponse: null },
    ]);
    expect(r.events[0]?.eventId).toMatch(DIGEST('mailgun'));
  });

  it('rejected without event-data.recipient: the recipient from the To header, as anymail', async () => {
    const r = await post('anymail_rejected_event.json');
    expect(r.events[0]?.recipient).toBe('recipient@example.org');
  });

  it('the vectors file: every vector verifies or is refused as marked', async () => {
    const vectors = fixtureJson('mailgun', 'vectors/vectors.json').vectors as any[];
    for (const v of vectors) {
      const text = v.body ?? fixtureText('mailgun', v.body_file.replace('../', ''));
      const h = makeHandler(mailgun({ signingKey: v.signing_key }), NOW);
      const r = await h.post('mailgun', text);
      if (v.expect_valid) expect(r.status, v.name).toBe(200);
      else expectRefused(r, 403);
    }
  });

  it('wrong key, changed token, missing block', async () => {
    const text = fixtureText('mailgun', 'symfony_clicks.json');
    expectRefused(await post('symfony_clicks.json', ANYMAIL_KEY), 403);
    const doc = JSON.parse(text);
    doc.signature.token = `${doc.signature.token.slice(0, -1)}0`;
    expectRefused(await post('', SYMFONY_KEY, JSON.stringify(doc)), 403);
    delete doc.signature;
    expectRefused(await post('', SYMFONY_KEY, JSON.stringify(doc)), 403, 'signature-missing');
  });

  it('a signature timestamp 10 minutes ahead is refused even with maxAgeSeconds 0; a replay years later is accepted', async () => {
    const doc = fixtureJson('mailgun', 'anymail_opened_event.json');
    const ts = String(NOW.getTime() / 1000 + 600);
    doc.signature.timestamp = ts;
    doc.signature.signature = await hmacHex(ANYMAIL_KEY, ts + doc.signature.token);
    expectRefused(await post('', ANYMAIL_KEY, JSON.stringify(doc)), 403);
    // the real 2022 deliveries are accepted in 2026: Mailgun retries resend the original block
    expect((await post('symfony_opens.json', SYMFONY_KEY)).status).toBe(200);
  });

  it('with maxAgeSeconds set, an old signature is a replay', async () => {
    const h = makeHandler(mailgun({ signingKey: SYMFONY_KEY, maxAgeSeconds: 3600 }), NOW);
    expectRefused(await h.post('mailgun', fixtureText('mailgun', 'symfony_opens.json')), 403);
  });

  it('the legacy form-encoded shape is refused with a 4xx, no events', async () => {
    const form = fixtureJson('mailgun', 'legacy_form/anymail_tags.json');
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      for (const x of Array.isArray(v) ? v : [v]) body.append(k, String(x));
    }
    const h = makeHandler(mailgun({ signingKey: ANYMAIL_KEY }), NOW);
    const r = await h.post('mailgun', body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.events).toHaveLength(0);
  });
});
