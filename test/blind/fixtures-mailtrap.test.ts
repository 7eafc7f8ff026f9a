// Blind fixture tests: Mailtrap (hex HMAC-SHA256 in Mailtrap-Signature; {events:[...]} or JSON Lines).
import { describe, expect, it } from 'vitest';
import { mailtrap } from '../../src/index';
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

const SECRET = 'whsec_mailtrap_constructed_test_secret_0001';
const NOW = new Date('2026-06-01T00:00:00Z');
const s = (n: number) => new Date(n * 1000).toISOString();

async function post(body: string, contentType = 'application/json') {
  const h = makeHandler(mailtrap({ secret: SECRET }), NOW);
  return h.post('mailtrap', body, {
    'content-type': contentType,
    'Mailtrap-Signature': await hmacHex(SECRET, body),
  });
}

const AM = {
  messageId: '1df37d17-0286-4d8b-8edf-bc4ec5be86e6',
  eventId: 'bede7236-2284-43d6-a953-1fdcafd0fdbc',
  timestamp: s(1498093527),
};
const OA = {
  messageId: AM.messageId,
  eventId: AM.eventId,
  timestamp: s(1728669700),
  recipient: 'receiver@example.com',
};
const SY = {
  messageId: '00000000-0000-0000-0000-000000000000',
  eventId: AM.eventId,
  timestamp: s(1726358034),
  recipient: 'receiver@example.com',
  tags: ['Password reset'],
  metadata: { variable_a: 'value', variable_b: 'value2' },
};

const cases: Array<[string, Expected[]]> = [
  [
    'anymail_bounce_event.json',
    [
      {
        ...AM,
        eventType: 'bounced',
        recipient: 'invalid@example.com',
        tags: ['custom-value'],
        metadata: { testing: 'true' },
        mtaResponse:
          'bounced (550 5.1.1 The email account that you tried to reach does not exist. a67bc12345def.22 - gsmtp)',
        rejectCategory: 'bounced',
        permanent: true,
      },
    ],
  ],
  [
    'anymail_click_event.json',
    [
      {
        ...AM,
        eventType: 'clicked',
        recipient: 'receiver@example.com',
        clickUrl: 'http://example.com/anymail',
        userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) Chrome/58.0.3029.110)',
      },
    ],
  ],
  [
    'anymail_open_event.json',
    [
      {
        ...AM,
        eventType: 'opened',
        userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)',
        tags: [],
      },
    ],
  ],
  ['anymail_reject_event.json', [{ ...AM, eventType: 'rejected', permanent: false }]],
  [
    'anymail_sent_event.json',
    [
      {
        ...AM,
        eventType: 'delivered',
        tags: ['password-reset'],
        metadata: { variable_a: 'value', variable_b: 'value2' },
      },
    ],
  ],
  [
    'anymail_soft_bounce_event.json',
    [{ ...AM, eventType: 'deferred', rejectCategory: null, permanent: null }],
  ],
  [
    'anymail_spam_event.json',
    [{ ...AM, eventType: 'complained', rejectCategory: 'spam', permanent: null }],
  ],
  [
    'anymail_suspension_event.json',
    [{ ...AM, eventType: 'deferred', rejectCategory: null, permanent: null }],
  ],
  [
    'anymail_unsubscribe_event.json',
    [{ ...AM, eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ],
  ['openapi_Activity_Log_Profile_Update.json', []],
  ['openapi_Activity_Log_User_Login.json', []],
  [
    'openapi_Bounce.json',
    [{ ...OA, eventType: 'bounced', mtaResponse: '[CS01] Message rejected due to local policy' }],
  ],
  [
    'openapi_Click.json',
    [{ ...OA, eventType: 'clicked', clickUrl: 'https://mailtrap.io/email-api' }],
  ],
  [
    'openapi_Delivery.json',
    [{ ...OA, eventType: 'delivered', tags: ['Password reset'], metadata: { user_id: '123' } }],
  ],
  [
    'openapi_Open.json',
    [{ ...OA, eventType: 'opened', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)' }],
  ],
  ['openapi_Reject.json', [{ ...OA, eventType: 'rejected', permanent: true }]],
  [
    'openapi_Soft_Bounce.json',
    [{ ...OA, eventType: 'deferred', mtaResponse: '4.7.1 Temporary error, please retry' }],
  ],
  ['openapi_Spam.json', [{ ...OA, eventType: 'complained' }]],
  ['openapi_Suspension.json', [{ ...OA, eventType: 'deferred' }]],
  ['openapi_Unsubscribe.json', [{ ...OA, eventType: 'unsubscribed' }]],
  [
    'symfony_batch.json',
    [
      { ...SY, eventType: 'bounced', messageId: '00000000-0000-0000-0000-000000000001' },
      {
        ...SY,
        eventType: 'clicked',
        messageId: '00000000-0000-0000-0000-000000000002',
        clickUrl: 'https://mailtrap.io/email-api',
      },
    ],
  ],
  ['symfony_bounce.json', [{ ...SY, eventType: 'bounced', rejectCategory: 'bounced' }]],
  ['symfony_click.json', [{ ...SY, eventType: 'clicked' }]],
  ['symfony_delivery.json', [{ ...SY, eventType: 'delivered' }]],
  ['symfony_open.json', [{ ...SY, eventType: 'opened' }]],
  ['symfony_reject.json', [{ ...SY, eventType: 'rejected', permanent: true }]],
  ['symfony_soft_bounce.json', [{ ...SY, eventType: 'deferred' }]],
  ['symfony_spam.json', [{ ...SY, eventType: 'complained' }]],
  ['symfony_suspension.json', [{ ...SY, eventType: 'deferred' }]],
  ['symfony_unsubscribe.json', [{ ...SY, eventType: 'unsubscribed' }]],
];

describe('Mailtrap: every JSON fixture, signed here', () => {
  for (const [file, want] of cases) {
    it(file, async () => {
      const text = fixtureText('mailtrap', file);
      const r = await post(text);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ espName: 'mailtrap', ...w })),
      );
      const elements = JSON.parse(text).events;
      r.events.forEach((e, i) => {
        expect(e.rawEvent).toEqual(elements[i]);
      });
    });
  }
});

describe('Mailtrap: JSON Lines and vectors', () => {
  it('openapi_Bounce_events.jsonl', async () => {
    const r = await post(
      fixtureText('mailtrap', 'openapi_Bounce_events.jsonl'),
      'application/jsonl',
    );
    expectPosted(r, [
      { eventType: 'bounced', timestamp: s(1728669927), mtaResponse: '[CS01] Message rejected' },
    ]);
  });
  it('openapi_Delivery_events.jsonl: two lines, two events', async () => {
    const r = await post(
      fixtureText('mailtrap', 'openapi_Delivery_events.jsonl'),
      'application/jsonl',
    );
    expectPosted(r, [
      {
        eventType: 'delivered',
        recipient: 'receiver@example.com',
        tags: ['Password reset'],
        eventId: 'bede7236-2284-43d6-a953-1fdcafd0fdbc',
      },
      {
        eventType: 'delivered',
        recipient: 'another@example.com',
        messageId: 'ca7974af-7212-42aa-99fb-cc4742d0658b',
        tags: ['Email confirmation'],
        eventId: '657b8544-6a95-4c47-997f-6e47922a5052',
      },
    ]);
  });
  it('openapi_Mixed_events.jsonl: delivery, open, click', async () => {
    const r = await post(
      fixtureText('mailtrap', 'openapi_Mixed_events.jsonl'),
      'application/jsonl',
    );
    expectPosted(r, [
      { eventType: 'delivered', eventId: 'evt-1', timestamp: s(1728669927) },
      { eventType: 'opened', eventId: 'evt-2', timestamp: s(1728669930) },
      {
        eventType: 'clicked',
        eventId: 'evt-3',
        clickUrl: 'https://example.com',
        timestamp: s(1728669935),
      },
    ]);
  });

  const vectors = fixtureJson('mailtrap', 'vectors/vectors.json').vectors as any[];
  for (const v of vectors) {
    it(`vector ${v.name}`, async () => {
      const body = fixtureText('mailtrap', `vectors/${v.body_file}`);
      const h = makeHandler(mailtrap({ secret: v.signing_secret }), NOW);
      const r = await h.post('mailtrap', body, v.headers);
      if (v.expect_valid) expect(r.status).toBe(200);
      else expectRefused(r, 403);
    });
  }

  it('tampered, unsigned', async () => {
    const text = fixtureText('mailtrap', 'symfony_batch.json');
    const h = makeHandler(mailtrap({ secret: SECRET }), NOW);
    const sig = await hmacHex(SECRET, text);
    expectRefused(
      await h.post('mailtrap', text.replace('receiver', 'Receiver'), { 'Mailtrap-Signature': sig }),
      403,
    );
    expectRefused(await h.post('mailtrap', text, {}), 403, 'signature-missing');
  });

  it('{} is 200 with no events', async () => {
    expectOk(await post('{}'), 0);
  });
});
