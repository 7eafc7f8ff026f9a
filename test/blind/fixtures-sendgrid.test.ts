// Blind fixture tests: SendGrid (ECDSA P-256 signed event webhook; JSON array batches).
import { beforeAll, describe, expect, it } from 'vitest';
import { sendgrid } from '../../src/index';
import {
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  makeHandler,
  sendgridKeys,
  sha256hex,
  unb64,
} from './fixtures-harness';

const TS_HDR = 'X-Twilio-Email-Event-Webhook-Timestamp';
const SIG_HDR = 'X-Twilio-Email-Event-Webhook-Signature';
const vectors = fixtureJson('sendgrid', 'vectors/vectors.json').vectors as any[];

/** `sendgrid:` + 32 hex of SHA-256 over sg_message_id, event, email, timestamp, url. */
async function sgId(e: any): Promise<string> {
  const parts = [
    e.sg_message_id ?? '',
    e.event ?? '',
    e.email ?? '',
    String(e.timestamp ?? ''),
    e.url ?? '',
  ];
  return `sendgrid:${(await sha256hex(parts.join('\n'))).slice(0, 32)}`;
}

describe('SendGrid: the sendgrid-nodejs signed vectors', () => {
  for (const v of vectors) {
    it(`${v.name}`, async () => {
      const key = v.public_key_spki_base64 ?? vectors[0].public_key_spki_base64;
      const body = unb64(
        v.body_base64 ??
          vectors.find((x) => x.body_file === v.body_file && x.body_base64).body_base64,
      );
      const ts = Number(v.headers[TS_HDR]);
      const now = new Date((Number.isFinite(ts) ? ts : 1600112502) * 1000 + 2000);
      const h = makeHandler(sendgrid({ publicKey: key }), now);
      const r = await h.post('sendgrid', body, v.headers);
      if (!v.expect_valid) {
        expectRefused(r, 403);
        return;
      }
      const events = JSON.parse(new TextDecoder().decode(body));
      expectOk(r, events.length);
      if (v.name === 'single_event') {
        expectEvents(r.events, [
          {
            eventType: 'rejected',
            recipient: 'hello@world.com',
            messageId: 'LRzXl_NHStOGhQ4kofSm_A',
            eventId: await sgId(events[0]),
            timestamp: '2020-09-14T19:41:32.000Z',
            espName: 'sendgrid',
            rejectCategory: 'bounced',
            permanent: true,
            tags: [],
          },
        ]);
      } else {
        expectEvents(r.events, [
          {
            eventType: 'queued',
            recipient: 'invalid@gmail.com',
            messageId: 'qNwBLgPQQjW6DJvKQwSAbw',
            eventId: await sgId(events[0]),
            timestamp: '2021-04-28T23:05:46.000Z',
            rejectCategory: null,
            permanent: null,
          },
          {
            eventType: 'bounced',
            recipient: 'invalid@gmail.com',
            messageId: 'qNwBLgPQQjW6DJvKQwSAbw',
            eventId: await sgId(events[1]),
            timestamp: '2021-04-28T23:05:47.000Z',
            rejectCategory: 'blocked',
            permanent: false,
          },
        ]);
        expect(r.events[1]?.rawEvent).toEqual(events[1]);
      }
    });
  }

  it('the single vector replayed 11 minutes later is refused; a changed byte is refused', async () => {
    const v = vectors[0];
    const body = unb64(v.body_base64);
    const late = makeHandler(
      sendgrid({ publicKey: v.public_key_spki_base64 }),
      new Date((1600112502 + 660) * 1000),
    );
    expectRefused(await late.post('sendgrid', body, v.headers), 403);
    const h = makeHandler(
      sendgrid({ publicKey: v.public_key_spki_base64 }),
      new Date(1600112502 * 1000),
    );
    const tampered = body.slice();
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expectRefused(await h.post('sendgrid', tampered, v.headers), 403);
    const { [SIG_HDR]: _, ...noSig } = v.headers;
    expectRefused(await h.post('sendgrid', body, noSig), 403, 'signature-missing');
    // key rotation: the right key second in a list
    const rot = makeHandler(
      sendgrid({ publicKey: [vectors[2].public_key_spki_base64, v.public_key_spki_base64] }),
      new Date(1600112502 * 1000),
    );
    expectOk(await rot.post('sendgrid', body, v.headers), 1);
  });
});

describe('SendGrid: anymail and Symfony payloads, signed here', () => {
  let keys: Awaited<ReturnType<typeof sendgridKeys>>;
  beforeAll(async () => {
    keys = await sendgridKeys();
  });
  const NOW = new Date('2026-05-01T00:00:00Z');
  async function post(text: string) {
    const ts = String(NOW.getTime() / 1000);
    const h = makeHandler(sendgrid({ publicKey: keys.spki }), NOW);
    return h.post('sendgrid', text, { [TS_HDR]: ts, [SIG_HDR]: await keys.sign(ts, text) });
  }

  const cases: Array<[string, Expected[]]> = [
    [
      'anymail_bounce_event.json',
      [
        {
          eventType: 'bounced',
          recipient: 'noreply@example.com',
          messageId: 'Lli-03HcQ5-JLybO9fXsJg',
          timestamp: '2016-04-19T19:47:30.000Z',
          rejectCategory: 'bounced',
          permanent: true,
          tags: [],
        },
      ],
    ],
    [
      'anymail_click_event.json',
      [
        {
          eventType: 'clicked',
          recipient: 'recipient@example.com',
          messageId: '_fjPjuJfRW-IPs5SuvYotg',
          clickUrl: 'http://www.example.com',
          userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_4) AppleWebKit/537.36',
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'anymail_compatibility_message_id_from_smtp_id.json',
      [
        {
          eventType: 'delivered',
          messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
          mtaResponse: '250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp ',
          metadata: {},
        },
      ],
    ],
    [
      'anymail_deferred_event.json',
      [
        {
          eventType: 'deferred',
          messageId: 'u9Gvi3mzT6iC2poAb58_qQ',
          timestamp: '2016-04-21T01:09:50.000Z',
          mtaResponse:
            'Email was deferred due to the following reason(s): [IPs were throttled by recipient server]',
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'anymail_delivered_event.json',
      [
        {
          eventType: 'delivered',
          recipient: 'recipient@example.com',
          messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
          timestamp: '2016-04-19T19:47:30.000Z',
          mtaResponse: '250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp ',
        },
      ],
    ],
    [
      'anymail_dropped_bounced.json',
      [
        {
          eventType: 'rejected',
          recipient: 'example@example.com',
          messageId: '14c5d75ce93',
          tags: ['cat facts'],
          rejectCategory: 'bounced',
          permanent: true,
        },
      ],
    ],
    [
      'anymail_dropped_invalid_event.json',
      [
        {
          eventType: 'rejected',
          recipient: 'invalid@invalid',
          rejectCategory: 'invalid',
          permanent: true,
        },
      ],
    ],
    [
      'anymail_dropped_unsubscribed_event.json',
      [
        {
          eventType: 'rejected',
          recipient: 'unsubscribe@example.com',
          rejectCategory: 'unsubscribed',
          permanent: true,
        },
      ],
    ],
    [
      'anymail_open_event.json',
      [
        {
          eventType: 'opened',
          userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
          clickUrl: null,
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'anymail_setUpClass.json',
      [
        {
          eventType: 'queued',
          timestamp: '2016-04-19T19:47:26.000Z',
          tags: ['tag1', 'tag2'],
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'symfony_batch.json',
      [
        {
          eventType: 'rejected',
          recipient: 'hello@world.com',
          messageId: 'LRzXl_NHStOGhQ4kofSm_A',
        },
        {
          eventType: 'clicked',
          recipient: 'hello@world.com',
          messageId: 'LRzXl_NHStOGhQ4kofSm_A',
          clickUrl: null,
        },
      ],
    ],
    [
      'symfony_webhook.json',
      [
        {
          eventType: 'rejected',
          recipient: 'hello@world.com',
          rejectCategory: 'bounced',
          permanent: true,
        },
      ],
    ],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const text = fixtureText('sendgrid', file);
      const elements = JSON.parse(text) as any[];
      const r = await post(text);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        await Promise.all(
          want.map(async (w, i) => ({
            espName: 'sendgrid',
            eventId: await sgId(elements[i]),
            ...w,
          })),
        ),
      );
      r.events.forEach((e, i) => {
        expect(e.rawEvent).toEqual(elements[i]);
      });
    });
  }

  it('metadata: the custom args, none of SendGrid own fields', async () => {
    const r = await post(fixtureText('sendgrid', 'anymail_setUpClass.json'));
    const md = r.events[0]?.metadata ?? {};
    expect(md).toMatchObject({ custom1: 'value1', custom2: 'value2' });
    for (const own of [
      'email',
      'timestamp',
      'smtp-id',
      'sg_event_id',
      'sg_message_id',
      'event',
      'category',
    ]) {
      expect(md).not.toHaveProperty(own);
    }
    const d = await post(fixtureText('sendgrid', 'anymail_delivered_event.json'));
    for (const own of ['ip', 'response', 'tls', 'sg_event_id'])
      expect(d.events[0]?.metadata).not.toHaveProperty(own);
  });

  it('the same event with a changed sg_event_id keeps its eventId (redelivery)', async () => {
    const doc = fixtureJson('sendgrid', 'anymail_delivered_event.json');
    const a = await post(JSON.stringify(doc));
    doc[0].sg_event_id = 'changed-on-redelivery';
    const b = await post(JSON.stringify(doc));
    expect(a.events[0]?.eventId).toBe(b.events[0]?.eventId);
  });

  it('in a batch, an element that is not an event is skipped and the rest delivered', async () => {
    const doc = fixtureJson('sendgrid', 'symfony_batch.json');
    const r = await post(JSON.stringify([doc[0], 42, { nothing: true }, doc[1]]));
    expectOk(r, 2);
    expect(r.events.map((e) => e.eventType)).toEqual(['rejected', 'clicked']);
  });

  it('other SendGrid events: spamreport, unsubscribe, group_unsubscribe, group_resubscribe, dropped expired', async () => {
    const base = fixtureJson('sendgrid', 'anymail_open_event.json')[0];
    const r = await post(
      JSON.stringify([
        { ...base, event: 'spamreport' },
        { ...base, event: 'unsubscribe' },
        { ...base, event: 'group_unsubscribe', asm_group_id: 1 },
        { ...base, event: 'group_resubscribe', asm_group_id: 1 },
        { ...base, event: 'dropped', reason: 'Expired' },
      ]),
    );
    expectPosted(r, [
      { eventType: 'complained', rejectCategory: 'spam', permanent: null },
      { eventType: 'unsubscribed', rejectCategory: 'unsubscribed', permanent: null },
      { eventType: 'unsubscribed', rejectCategory: 'unsubscribed', permanent: null },
      { eventType: 'unknown', rejectCategory: null, permanent: null },
      { eventType: 'rejected', rejectCategory: 'timed_out', permanent: false },
    ]);
  });
});
