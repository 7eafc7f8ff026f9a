/**
 * Every valid signed vector in fixtures/esps/<esp>/vectors, sent as its exact bytes and headers
 * through createMailWebhookHandler, with the status and the event fields it must give. (The
 * per-ESP vector tests check verdicts; the fixture tests check fields on re-signed copies.)
 */
import { createHash, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  type EmailTrackingContext,
  mailersend,
  mailgun,
  mailpace,
  mailtrap,
  mandrill,
  type Provider,
  postal,
} from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';

const ROOT = new URL('../fixtures/esps/', import.meta.url);
const CLOCK = new Date('2026-03-01T12:00:00.000Z');

type Vector = Record<string, any>;
const vectorsOf = (esp: string): Vector[] =>
  JSON.parse(readFileSync(new URL(`${esp}/vectors/vectors.json`, ROOT), 'utf8')).vectors;
const bodyOf = (esp: string, v: Vector): Uint8Array<ArrayBuffer> =>
  v.body_file
    ? new Uint8Array(readFileSync(new URL(`${esp}/vectors/${v.body_file}`, ROOT)))
    : new TextEncoder().encode(v.body ?? '');

/** DESIGN's digest id: `<name>:` + the first 32 hex of SHA-256 over the text. */
const digest = (name: string, text: string | Uint8Array) =>
  `${name}:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;

/** The fields each test pins: [eventType, recipient, messageId, eventId, ISO time, category, permanent]. */
type Row = [string, string, string, string, string, string | null, boolean | null];
const row = (c: EmailTrackingContext): Row => [
  c.eventType,
  c.recipient,
  c.messageId,
  c.eventId,
  c.timestamp.toISOString(),
  c.rejectCategory,
  c.permanent,
];

async function send(
  esp: string,
  provider: Provider,
  v: Vector,
  body: Uint8Array<ArrayBuffer> = bodyOf(esp, v),
) {
  const { handle, events } = captureHandler(provider, { now: () => CLOCK });
  const response = await handle(
    new Request(`https://hooks.example/webhooks/mail/${esp}`, {
      method: 'POST',
      body,
      headers: v.headers ?? {},
    }),
  );
  return { status: response.status, body: await response.json(), events, text: body };
}

describe('mailgun vectors (the signature block is inside the body)', () => {
  const SYMFONY_MSG = '20130503182626.18666.16540@app.symfony.com';
  const FAIL_MSG = '20130503192659.13651.20287@app.symfony.com';
  const A = 'alice@example.com';
  const expected: Record<string, (body: Uint8Array) => Row> = {
    symfony_accepted: () => [
      'queued',
      A,
      '##REDACTED##',
      '4o7-z86dSkSI54c6IudeuA',
      '2024-02-08T14:25:41.912Z',
      null,
      null,
    ],
    symfony_clicks: () => [
      'clicked',
      A,
      SYMFONY_MSG,
      'Ase7i2zsRYeDXztHGENqRA',
      '2018-03-16T23:35:39.873Z',
      null,
      null,
    ],
    symfony_delivered_messages: () => [
      'delivered',
      A,
      SYMFONY_MSG,
      'CPgfbmQMTCKtHW6uIWtuVe',
      '2018-03-19T15:11:02.000Z',
      null,
      null,
    ],
    symfony_opens: () => [
      'opened',
      A,
      SYMFONY_MSG,
      'Ase7i2zsRYeDXztHGENqRA',
      '2018-03-16T23:35:39.873Z',
      null,
      null,
    ],
    symfony_permanent_failure: () => [
      'bounced',
      A,
      FAIL_MSG,
      'G9Bn5sl1TC6nu79C8C0bwg',
      '2018-03-16T20:46:35.375Z',
      'bounced',
      true,
    ],
    symfony_permanent_failure_no_description: () => [
      'bounced',
      A,
      FAIL_MSG,
      'G9Bn5sl1TC6nu79C8C0bwg',
      '2018-03-16T20:46:35.375Z',
      'bounced',
      true,
    ],
    symfony_spam_complaints: () => [
      'complained',
      A,
      '20110215055645.25246.63817@app.symfony.com',
      '-Agny091SquKnsrW2NEKUA',
      '2018-03-16T20:45:23.501Z',
      'spam',
      null,
    ],
    symfony_suppression_failure: () => [
      'bounced',
      A,
      FAIL_MSG,
      'G9Bn5sl1TC6nu79C8C0bwg',
      '2018-03-16T20:46:35.375Z',
      'bounced',
      true,
    ],
    // severity temporary: deferred, so no category and no permanence.
    symfony_temporary_failure: () => [
      'deferred',
      A,
      SYMFONY_MSG,
      'Fs7-5t81S2ispqxqDw2U4Q',
      '2018-03-19T15:11:02.908Z',
      null,
      null,
    ],
    symfony_unsubscribes: () => [
      'unsubscribed',
      A,
      SYMFONY_MSG,
      'Ase7i2zsRYeDXztHGENqRA',
      '2018-03-16T23:35:39.873Z',
      'unsubscribed',
      null,
    ],
    delivered: () => [
      'delivered',
      'recipient@example.com',
      '20180812211713.1.DF5966851B4BAA99@example.org',
      'hTWCTD81RtiDN-...',
      '2018-08-12T21:17:17.153Z',
      null,
      null,
    ],
    // No event-data.id in these two: the digest of the raw body.
    failed_permanent: (b) => [
      'bounced',
      'invalid@example.com',
      '20180812214658.1.0DF563D0B3597700@example.org',
      digest('mailgun', b),
      '2018-08-12T21:47:02.389Z',
      'bounced',
      true,
    ],
    opened: (b) => [
      'opened',
      'recipient@example.com',
      '20180812213139.1.BC6694A917BB7E6A@example.org',
      digest('mailgun', b),
      '2018-08-12T21:33:20.089Z',
      null,
      null,
    ],
    // {"event":"delivered"} only: no recipient, no id, the time from the signed timestamp.
    hand_computed: (b) => [
      'delivered',
      '',
      '',
      digest('mailgun', b),
      '2018-08-12T21:17:17.000Z',
      null,
      null,
    ],
  };

  const valid = vectorsOf('mailgun').filter((v) => v.expect_valid);
  test('every valid vector has its expected event', () => {
    expect(valid.map((v) => v.name).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const v of valid) {
    test(`${v.name}: 200, one event with the payload's fields`, async () => {
      const r = await send('mailgun', mailgun({ signingKey: v.signing_key }), v);
      expect([r.status, r.body]).toEqual([200, { ok: true, events: 1 }]);
      const [event] = r.events as [EmailTrackingContext];
      expect(row(event)).toEqual(expected[v.name]?.(r.text));
      expect(event.espName).toBe('mailgun');
      expect(event.rawEvent).toEqual(JSON.parse(new TextDecoder().decode(r.text))['event-data']);
    });
  }
});

describe('mailersend vectors (hex HMAC of the raw body, slashes escaped as sent)', () => {
  const expected: Record<string, Row & { length: 7 }> = {
    symfony_mailersend_activity_sent: [
      'sent',
      'test@example.com',
      '62fb66bef54a112e920b5493',
      '62f114f8165fe0d8db0288e5',
      '2024-01-01T12:00:00.000Z',
      null,
      null,
    ],
    delivered_event: [
      'delivered',
      'recipient@example.com',
      '63fd1c1d5f010335ed07066b',
      '63fd1c1fcfbe46145d003a7b',
      '2023-02-27T21:09:51.865Z',
      null,
      null,
    ],
    hard_bounced_event: [
      'bounced',
      'invalid@example.com',
      '63fd25194d5edba3da09e044',
      '63fd251d5c00f8e52001fce6',
      '2023-02-27T21:48:13.593Z',
      'bounced',
      true,
    ],
    clicked_event: [
      'clicked',
      'recipient@example.com',
      '63fd1c1d5f010335ed07066b',
      '63fd1d23afa3c770b00da7d3',
      '2023-02-27T21:14:11.691Z',
      null,
      null,
    ],
  };
  const valid = vectorsOf('mailersend').filter((v) => v.expect_valid);
  test('every valid vector has its expected event', () => {
    expect(valid.map((v) => v.name).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const v of valid) {
    test(`${v.name}: 200, one event`, async () => {
      const r = await send('mailersend', mailersend({ secret: v.signing_secret }), v);
      expect([r.status, r.body]).toEqual([200, { ok: true, events: 1 }]);
      const [event] = r.events as [EmailTrackingContext];
      expect(row(event)).toEqual(expected[v.name]);
      expect(event.rawEvent).toEqual(JSON.parse(new TextDecoder().decode(r.text)));
    });
  }

  test('the escaped click URL is the URL, and the bounce reason is kept', async () => {
    const byName = (name: string) => valid.find((v) => v.name === name) as Vector;
    const click = await send(
      'mailersend',
      mailersend({ secret: byName('clicked_event').signing_secret }),
      byName('clicked_event'),
    );
    expect(click.events[0]?.clickUrl).toBe('https://example.com/test');
    const bounce = byName('hard_bounced_event');
    const bounced = await send('mailersend', mailersend({ secret: bounce.signing_secret }), bounce);
    expect(bounced.events[0]?.description).toBe('Host or domain name not found');
  });
});

describe('mailtrap vectors ({events:[...]} and JSON Lines)', () => {
  const ID = '1df37d17-0286-4d8b-8edf-bc4ec5be86e6';
  const EVT = 'bede7236-2284-43d6-a953-1fdcafd0fdbc';
  const expected: Record<string, Row[]> = {
    delivery: [
      ['delivered', 'receiver@example.com', ID, EVT, '2024-10-11T18:01:40.000Z', null, null],
    ],
    click: [['clicked', 'receiver@example.com', ID, EVT, '2024-10-11T18:01:40.000Z', null, null]],
    jsonlines_mixed: [
      [
        'delivered',
        'user1@example.com',
        'abc-123',
        'evt-1',
        '2024-10-11T18:05:27.000Z',
        null,
        null,
      ],
      ['opened', 'user1@example.com', 'abc-123', 'evt-2', '2024-10-11T18:05:30.000Z', null, null],
      ['clicked', 'user1@example.com', 'abc-123', 'evt-3', '2024-10-11T18:05:35.000Z', null, null],
    ],
  };
  const valid = vectorsOf('mailtrap').filter((v) => v.expect_valid);
  test('every valid vector has its expected events', () => {
    expect(valid.map((v) => v.name).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const v of valid) {
    test(`${v.name}: 200, its events in order`, async () => {
      const r = await send('mailtrap', mailtrap({ secret: v.signing_secret }), v);
      const rows = expected[v.name] ?? [];
      expect([r.status, r.body]).toEqual([200, { ok: true, events: rows.length }]);
      expect(r.events.map(row)).toEqual(rows);
    });
  }
  test('the Delivery vector: category as tag, custom_variables as metadata', async () => {
    const v = valid.find((x) => x.name === 'delivery') as Vector;
    const r = await send('mailtrap', mailtrap({ secret: v.signing_secret }), v);
    expect(r.events[0]).toMatchObject({ tags: ['Password reset'], metadata: { user_id: '123' } });
  });
});

describe('mandrill vectors (form-encoded mandrill_events, signed over the configured URL)', () => {
  const MSG = 'abcdef012345789abcdef012345789';
  const T = '2016-04-19T19:47:26.000Z';
  const elements = (body: Uint8Array): unknown[] =>
    JSON.parse(new URLSearchParams(new TextDecoder().decode(body)).get('mandrill_events') ?? '[]');
  // A batch element's digest id is over JSON.stringify of the parsed element (DESIGN).
  const expected: Record<string, (b: Uint8Array) => Row[]> = {
    send_event: (b) => [
      [
        'sent',
        'recipient@example.com',
        MSG,
        digest('mandrill', JSON.stringify(elements(b)[0])),
        T,
        null,
        null,
      ],
    ],
    hard_bounce_event: (b) => [
      [
        'bounced',
        'bounce@example.com',
        MSG,
        digest('mandrill', JSON.stringify(elements(b)[0])),
        T,
        'bounced',
        true,
      ],
    ],
    click_event: (b) => [
      [
        'clicked',
        'recipient@example.com',
        MSG,
        digest('mandrill', JSON.stringify(elements(b)[0])),
        T,
        null,
        null,
      ],
    ],
    // Mandrill's test post when the URL is added: signed, an empty batch, no events.
    empty_batch_test_ping: () => [],
  };
  const valid = vectorsOf('mandrill').filter((v) => v.expect_valid);
  test('every valid vector has its expected events', () => {
    expect(valid.map((v) => v.name).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const v of valid) {
    test(`${v.name}: 200 with its events`, async () => {
      const r = await send('mandrill', mandrill({ webhookKey: v.webhook_key, url: v.url }), v);
      const rows = expected[v.name]?.(r.text) ?? [];
      expect([r.status, r.body]).toEqual([200, { ok: true, events: rows.length }]);
      expect(r.events.map(row)).toEqual(rows);
      expect(r.events.map((e) => e.rawEvent)).toEqual(elements(r.text));
    });
  }
  test('send_event carries msg.tags and msg.metadata; hard_bounce msg.diag as the MTA answer', async () => {
    const [send_, bounce] = ['send_event', 'hard_bounce_event'].map(
      (name) => valid.find((v) => v.name === name) as Vector,
    );
    const s = await send(
      'mandrill',
      mandrill({ webhookKey: send_?.webhook_key, url: send_?.url }),
      send_ as Vector,
    );
    expect(s.events[0]).toMatchObject({
      tags: ['tag1', 'tag2'],
      metadata: { custom1: 'value1', custom2: 'value2' },
    });
    const h = await send(
      'mandrill',
      mandrill({ webhookKey: bounce?.webhook_key, url: bounce?.url }),
      bounce as Vector,
    );
    expect(h.events[0]?.mtaResponse).toBe(
      'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    );
  });
});

describe('mailpace vectors (Ed25519, RFC 8032 TEST 1 key)', () => {
  const T = '2021-11-16T14:50:15.445Z';
  const R = 'queued@example.com';
  const expected: Record<string, (b: Uint8Array) => Row[]> = {
    queued_event: (b) => [['queued', R, 'string', digest('mailpace', b), T, null, null]],
    delivered_event_no_tags: (b) => [
      ['delivered', R, 'string', digest('mailpace', b), T, null, null],
    ],
    // email.spam is rejected (anymail PR #355): the message, not the address.
    rejected_event_reason: (b) => [
      ['rejected', R, 'string', digest('mailpace', b), T, 'spam', false],
    ],
  };
  const valid = vectorsOf('mailpace').filter((v) => v.expect_valid && v.body !== '');
  test('every valid vector with a body has its expected event', () => {
    expect(valid.map((v) => v.name).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const v of valid) {
    test(`${v.name}: 200, one event`, async () => {
      const r = await send('mailpace', mailpace({ publicKey: v.public_key_base64 }), v);
      const rows = expected[v.name]?.(r.text) ?? [];
      expect([r.status, r.body]).toEqual([200, { ok: true, events: rows.length }]);
      expect(r.events.map(row)).toEqual(rows);
    });
  }
});

describe('postal: the CI key vector, and fixtures signed with that key as Postal signs', () => {
  const [vector] = vectorsOf('postal').filter((v) => v.expect_valid) as [Vector];
  const pem = readFileSync(new URL('postal/vectors/postal_ci_signing.key.pem', ROOT), 'utf8');
  const sign = (body: string, hash: 'sha1' | 'sha256') =>
    createSign(hash).update(body).sign(pem, 'base64');
  const provider = () => postal({ publicKey: vector.public_key_spki_base64 });

  test('MessageSent vector: delivered, message id, uuid as eventId, tag, details and output', async () => {
    const r = await send('postal', provider(), vector);
    expect([r.status, r.body]).toEqual([200, { ok: true, events: 1 }]);
    const [event] = r.events as [EmailTrackingContext];
    expect(row(event)).toEqual([
      'delivered',
      'test@example.com',
      '12345',
      '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
      '2016-10-31T20:19:37.000Z',
      null,
      null,
    ]);
    expect(event).toMatchObject({
      tags: ['welcome'],
      mtaResponse: '250 2.0.0 OK 1477944899 ly2si31746747wjb.95 - gsmtp',
    });
  });

  test.each([
    ['docs_MessageLinkClicked', 'clicked', 1],
    ['docs_MessageLoaded', 'opened', 1],
    ['docs_MessageBounced', 'bounced', 1],
    ['docs_DomainDNSError', null, 0],
    ['docs_SendLimitApproaching', null, 0],
  ] as const)(
    '%s signed with the CI key (SHA-1 only, as older Postal): %s',
    async (name, type, count) => {
      const body = readFileSync(new URL(`postal/${name}.json`, ROOT), 'utf8');
      const headers = {
        'content-type': 'application/json',
        'x-postal-signature': sign(body, 'sha1'),
      };
      const r = await send('postal', provider(), { headers }, new TextEncoder().encode(body));
      expect([r.status, r.body]).toEqual([200, { ok: true, events: count }]);
      expect(r.events.map((e) => e.eventType)).toEqual(type ? [type] : []);
    },
  );

  test('a SHA-256 header by the CI key over another body is refused even with a good SHA-1 one', async () => {
    const body = readFileSync(new URL('postal/docs_MessageLoaded.json', ROOT), 'utf8');
    const headers = {
      'x-postal-signature': sign(body, 'sha1'),
      'x-postal-signature-256': sign(`${body} `, 'sha256'),
    };
    const r = await send('postal', provider(), { headers }, new TextEncoder().encode(body));
    expect([r.status, (r.body as { error: string }).error]).toEqual([403, 'signature-invalid']);
  });
});
