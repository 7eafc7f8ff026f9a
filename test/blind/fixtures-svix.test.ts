// Blind fixture tests: Resend (Svix) and Loops (Standard Webhooks), with real signatures.
import { describe, expect, it } from 'vitest';
import { loops, resend } from '../../src/index';
import {
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  makeHandler,
  svixHeaders,
} from './fixtures-harness';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const vectors = fixtureJson('resend', 'vectors/vectors.json').vectors as Array<{
  name: string;
  secret: string;
  body?: string;
  body_file?: string;
  headers: Record<string, string>;
  expect_valid: boolean;
}>;

function symfonyVector() {
  const v = vectors.find((x) => x.name === 'symfony_resend_email_sent');
  if (!v) throw new Error('the Symfony Resend vector is missing');
  return v;
}

async function signedPost(file: string, id: string, now = new Date('2023-10-03T00:00:00Z')) {
  const text = fixtureText('resend', file);
  const ts = String(Math.floor(now.getTime() / 1000));
  const h = makeHandler(resend({ secret: SECRET }), now);
  return h.post('resend', text, await svixHeaders(SECRET, id, ts, text));
}

const base = { espName: 'resend', messageId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' };

describe('Resend: signature vectors', () => {
  for (const v of vectors) {
    it(`${v.name} (${v.expect_valid ? 'valid' : 'refused'})`, async () => {
      const body = v.body ?? fixtureText('resend', `vectors/${v.body_file}`);
      const now = new Date(Number(v.headers['svix-timestamp']) * 1000 + 1000);
      const h = makeHandler(resend({ secret: v.secret }), now);
      const r = await h.post('resend', body, v.headers);
      if (!v.expect_valid) {
        expectRefused(r, 403, 'signature');
        return;
      }
      expect(r.status).not.toBe(403);
      expect(r.status).toBeLessThan(500);
      if (v.name === 'symfony_resend_email_sent') {
        expectPosted(r, [
          {
            eventType: 'sent',
            recipient: 'test@example.com',
            messageId: '172c41ce-ba6d-4281-8a7a-541faa725748',
            eventId: '172c41ce-ba6d-4281-8a7a-541faa725748',
            timestamp: '2024-04-08T09:43:09.500Z',
            espName: 'resend',
            rejectCategory: null,
            permanent: null,
          },
        ]);
      }
    });
  }

  it('the Symfony vector: a replay 6 minutes later is refused, webhook-* names accepted', async () => {
    const v = symfonyVector();
    const body = fixtureText('resend', `vectors/${v.body_file}`);
    const late = makeHandler(resend({ secret: v.secret }), new Date((1712569389 + 360) * 1000));
    expectRefused(await late.post('resend', body, v.headers), 403);
    const early = makeHandler(resend({ secret: v.secret }), new Date((1712569389 - 360) * 1000));
    expectRefused(await early.post('resend', body, v.headers), 403);
    const h = makeHandler(resend({ secret: v.secret }), new Date(1712569389 * 1000));
    const r = await h.post('resend', body, {
      'webhook-id': v.headers['svix-id'] as string,
      'webhook-timestamp': v.headers['svix-timestamp'] as string,
      'webhook-signature': v.headers['svix-signature'] as string,
    });
    expectOk(r, 1);
  });

  it('wrong secret, tampered byte, missing signature', async () => {
    const v = symfonyVector();
    const body = fixtureText('resend', `vectors/${v.body_file}`);
    const now = new Date(1712569389 * 1000);
    const wrong = makeHandler(resend({ secret: SECRET }), now);
    expectRefused(await wrong.post('resend', body, v.headers), 403);
    const h = makeHandler(resend({ secret: v.secret }), now);
    expectRefused(
      await h.post('resend', body.replace('test@example.com', 'tesT@example.com'), v.headers),
      403,
    );
    const { 'svix-signature': _, ...noSig } = v.headers;
    expectRefused(await h.post('resend', body, noSig), 403, 'signature-missing');
    // rotation: the right secret second in a list verifies
    const rot = makeHandler(resend({ secret: [SECRET, v.secret] }), now);
    expectOk(await rot.post('resend', body, v.headers), 1);
  });
});

describe('Resend: anymail payloads, signed here', () => {
  const cases: Array<[string, Expected[]]> = [
    [
      'anymail_clicked_event.json',
      [
        {
          ...base,
          eventType: 'clicked',
          recipient: 'to@example.org',
          timestamp: '2023-09-28T17:21:35.257Z',
          clickUrl: 'https://example.com/test',
          userAgent: 'Mozilla/5.0 ...',
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'anymail_complained_event.json',
      [
        {
          ...base,
          eventType: 'complained',
          recipient: 'complained@resend.dev',
          timestamp: '2023-10-02T18:10:03.690Z',
          rejectCategory: 'spam',
          permanent: null,
        },
      ],
    ],
    [
      'anymail_delivered_event.json',
      [
        {
          ...base,
          eventType: 'delivered',
          recipient: 'to@example.org',
          timestamp: '2023-09-28T17:19:44.823Z',
        },
      ],
    ],
    [
      'anymail_delivery_delayed_event.json',
      [
        {
          espName: 'resend',
          messageId: '56761188-7520-42d8-8898-ff6fc54ce618',
          eventType: 'deferred',
          recipient: 'delivered@resend.dev',
          timestamp: '2023-02-22T23:41:12.126Z',
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'anymail_hard_bounced_event.json',
      [
        {
          ...base,
          eventType: 'bounced',
          recipient: 'bounced@resend.dev',
          timestamp: '2023-10-02T18:11:26.101Z',
          description:
            "The recipient's email provider sent a hard bounce message, but didn't specify the reason for the hard bounce. We recommend removing the recipient's email address from your mailing list. Sending messages to addresses that produce hard bounces can have a negative impact on your reputation as a sender.",
          rejectCategory: 'bounced',
        },
      ],
    ],
    [
      'anymail_opened_event.json',
      [
        {
          ...base,
          eventType: 'opened',
          recipient: 'to@example.org',
          timestamp: '2023-09-28T17:20:38.990Z',
        },
      ],
    ],
    [
      'anymail_sent_event.json',
      [
        {
          ...base,
          eventType: 'sent',
          recipient: 'to@example.org',
          timestamp: '2023-09-28T17:19:43.736Z',
          tags: ['tag1:Tag_1_value', 'tag2:Tag_2_value'],
        },
        {
          ...base,
          eventType: 'sent',
          recipient: 'to2@example.org',
          timestamp: '2023-09-28T17:19:43.736Z',
          tags: ['tag1:Tag_1_value', 'tag2:Tag_2_value'],
        },
      ],
    ],
    [
      'anymail_suppressed_event.json',
      [
        {
          ...base,
          eventType: 'bounced',
          recipient: 'blocked@example.org',
          timestamp: '2023-10-01T20:01:01.598Z',
          description:
            'Resend has suppressed sending to this address because it is on the account-level suppression list. This does not count toward your bounce rate metric',
        },
      ],
    ],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const id = `msg_${file.replace(/\W/g, '_')}`;
      const r = await signedPost(file, id);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ eventId: id, ...w })),
      );
      expect(r.events[0]?.rawEvent).toEqual(fixtureJson('resend', file));
    });
  }

  it('bounce without a type is not permanent, and has no type/subType reason', async () => {
    const r = await signedPost('anymail_hard_bounced_event.json', 'msg_hb');
    expect(r.events[0]?.permanent).toBe(false);
    expect(r.events[0]?.rejectReason).toBeNull();
  });

  it('a Permanent bounce with type/subType: reason and permanent', async () => {
    const doc = fixtureJson('resend', 'anymail_hard_bounced_event.json');
    doc.data.bounce = { ...doc.data.bounce, type: 'Permanent', subType: 'Suppressed' };
    const text = JSON.stringify(doc);
    const now = new Date('2023-10-03T00:00:00Z');
    const ts = String(now.getTime() / 1000);
    const h = makeHandler(resend({ secret: SECRET }), now);
    const r = await h.post('resend', text, await svixHeaders(SECRET, 'msg_perm', ts, text));
    expectPosted(r, [
      {
        eventType: 'bounced',
        rejectReason: 'Permanent/Suppressed',
        permanent: true,
        rejectCategory: 'bounced',
      },
    ]);
  });

  it('email.suppressed, email.failed, email.scheduled, contact.created', async () => {
    const now = new Date('2023-10-03T00:00:00Z');
    const ts = String(now.getTime() / 1000);
    const h = makeHandler(resend({ secret: SECRET }), now);
    const send = async (type: string, extra: object = {}) => {
      const doc = fixtureJson('resend', 'anymail_delivered_event.json');
      doc.type = type;
      Object.assign(doc.data, extra);
      const text = JSON.stringify(doc);
      return h.post('resend', text, await svixHeaders(SECRET, `msg_${type}`, ts, text));
    };
    const sup = await send('email.suppressed', {
      suppressed: { type: 'OnAccountSuppressionList', message: 'x' },
    });
    expectPosted(sup, [{ eventType: 'rejected', rejectCategory: 'blocked', permanent: true }]);
    const failed = await send('email.failed', { failed: { reason: 'reached_daily_quota' } });
    expectPosted(failed, [{ eventType: 'failed', rejectCategory: 'other', permanent: false }]);
    const sched = await send('email.scheduled');
    expectPosted(sched, [{ eventType: 'queued', rejectCategory: null, permanent: null }]);
    const other = await send('email.somethingnew');
    expectPosted(other, [{ eventType: 'unknown' }]);
    expectOk(await send('contact.created'), 0);
    expectOk(await send('email.received'), 0);
  });
});

describe('Loops: the Standard Webhooks reference vector and a delivered event', () => {
  const lv = fixtureJson('loops', 'vectors/vectors.json').vectors[0];
  it('the reference vector verifies (webhook-* headers), a tampered one is refused', async () => {
    const now = new Date(Number(lv.headers['webhook-timestamp']) * 1000);
    const h = makeHandler(loops({ secret: lv.secret }), now);
    const ok = await h.post('loops', lv.body, lv.headers);
    expect(ok.status).not.toBe(403);
    expect(ok.status).toBeLessThan(500);
    expectRefused(await h.post('loops', lv.body.replace('4}', '5}'), lv.headers), 403);
    const wrong = makeHandler(loops({ secret: SECRET.replace('M', 'N') }), now);
    expectRefused(await wrong.post('loops', lv.body, lv.headers), 403);
  });

  it('email.delivered: recipient from contactIdentity.email, eventId the webhook-id', async () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const ts = String(now.getTime() / 1000);
    const body = JSON.stringify({
      eventName: 'email.delivered',
      eventTime: 1767323040,
      webhookSchemaVersion: '1.0.0',
      contactIdentity: { email: 'someone@example.com', id: 'cnt_1', userId: null },
      email: { id: 'em_1', emailMessageId: 'emm_1', subject: 'Hi' },
      sourceType: 'transactional',
      transactionalId: 'tx_1',
    });
    const h = makeHandler(loops({ secret: SECRET }), now);
    const r = await h.post(
      'loops',
      body,
      await svixHeaders(SECRET, 'msg_loops_1', ts, body, 'webhook'),
    );
    expectPosted(r, [
      {
        eventType: 'delivered',
        recipient: 'someone@example.com',
        eventId: 'msg_loops_1',
        espName: 'loops',
        timestamp: '2026-01-02T03:04:00.000Z',
      },
    ]);
  });
});
