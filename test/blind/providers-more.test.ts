// Second-wave providers (DESIGN's second table) with the published/constructed vectors, and
// defineProvider.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  defineProvider,
  type EmailTrackingContext,
  loops,
  mailersend,
  mailjet,
  mailpace,
  mailtrap,
  mandrill,
  postal,
  refuse,
  sesEventBridge,
  sparkpost,
  unisenderGo,
} from '../../src/index.js';
import {
  basic,
  collector,
  fixtureJson,
  fixtureText,
  json,
  post,
  recordingLogger,
  refusal,
  standardRequest,
} from './helpers.js';

async function run(provider: any, request: Request, now?: Date) {
  const sink = collector();
  const handler = createMailWebhookHandler({
    providers: [provider],
    sinks: [sink],
    logger: recordingLogger(),
    ...(now ? { now: () => now } : {}),
  });
  const res = await handler(request);
  return { res, events: sink.events as EmailTrackingContext[] };
}

/** The ESP's vectors; a loop over them must meet valid and invalid ones, or it checks nothing. */
function vectorsOf(esp: string, keep: (v: any) => boolean = () => true): any[] {
  const vectors = (fixtureJson(`esps/${esp}/vectors/vectors.json`).vectors as any[]).filter(keep);
  expect(vectors.some((v) => v.expect_valid)).toBe(true);
  expect(vectors.some((v) => !v.expect_valid)).toBe(true);
  return vectors;
}

/** A valid vector's answer, or an invalid one's refusal. */
async function verdict(v: any, res: Response) {
  return v.expect_valid ? res.status : refusal(res);
}
const REFUSED = { status: 403, error: 'signature-invalid' };
const bodyOf = (esp: string, v: any) =>
  v.body_file ? fixtureText(`esps/${esp}/vectors/${v.body_file}`) : v.body;

describe('mailersend', () => {
  const URL_ = 'https://h.example/webhooks/mail/mailersend';
  test('the vectors: valid ones 200, the wrong secret 403', async () => {
    for (const v of vectorsOf('mailersend')) {
      const { res } = await run(
        mailersend({ secret: v.signing_secret }),
        post(URL_, bodyOf('mailersend', v), v.headers),
      );
      expect(await verdict(v, res), v.name).toEqual(v.expect_valid ? 200 : REFUSED);
    }
  });

  test('soft_bounced is bounced, not permanent', async () => {
    const secret = 'ms-secret';
    const body = fixtureText('esps/mailersend/symfony_soft_bounced.json');
    const sig = createHmac('sha256', secret).update(body).digest('hex');
    const { events } = await run(mailersend({ secret }), post(URL_, body, { Signature: sig }));
    expect(events[0]).toMatchObject({
      eventType: 'bounced',
      permanent: false,
      recipient: 'test@example.com',
    });
  });

  test('webhook.test is accepted with the published test secret, and gives no events', async () => {
    const body = JSON.stringify({ type: 'webhook.test', data: {} });
    const sig = createHmac('sha256', 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G')
      .update(body)
      .digest('hex');
    const { res, events } = await run(
      mailersend({ secret: 'mine' }),
      post(URL_, body, { Signature: sig }),
    );
    expect(res.status).toBe(200);
    expect(events).toHaveLength(0);
    // the test secret signs nothing else
    const real = fixtureText('esps/mailersend/symfony_soft_bounced.json');
    const forged = createHmac('sha256', 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G')
      .update(real)
      .digest('hex');
    const refused = await run(
      mailersend({ secret: 'mine' }),
      post(URL_, real, { Signature: forged }),
    );
    expect(await refusal(refused.res)).toEqual(REFUSED);
    expect(refused.events).toHaveLength(0);
  });
});

describe('mailtrap', () => {
  const URL_ = 'https://h.example/webhooks/mail/mailtrap';
  test('the vectors (JSON and JSON Lines): valid ones give events, the wrong secret 403', async () => {
    for (const v of vectorsOf('mailtrap')) {
      const { res, events } = await run(
        mailtrap({ secret: v.signing_secret }),
        post(URL_, bodyOf('mailtrap', v), v.headers),
      );
      expect(await verdict(v, res), v.name).toEqual(v.expect_valid ? 200 : REFUSED);
      if (v.expect_valid) expect(events.length, v.name).toBeGreaterThan(0);
      else expect(events, v.name).toEqual([]);
    }
  });
});

describe('postal', () => {
  const URL_ = 'https://h.example/webhooks/mail/postal';
  const vs = () => vectorsOf('postal');
  test('the vectors: MessageSent is delivered with uuid as eventId; a tampered body 403', async () => {
    for (const v of vs()) {
      const { res, events } = await run(
        postal({ publicKey: v.public_key_spki_base64 }),
        post(URL_, bodyOf('postal', v), v.headers),
      );
      expect(await verdict(v, res), v.name).toEqual(v.expect_valid ? 200 : REFUSED);
      if (v.expect_valid) {
        expect(events[0]).toMatchObject({
          eventType: 'delivered',
          recipient: 'test@example.com',
          eventId: '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
        });
      }
    }
  });

  test('a request with a SHA-256 header is judged by it alone; SHA-1 alone is accepted', async () => {
    const v = vs().find((x) => x.expect_valid);
    const body = bodyOf('postal', v);
    const bad256 = { ...v.headers, 'X-Postal-Signature-256': v.headers['X-Postal-Signature'] };
    expect(
      await refusal(
        (await run(postal({ publicKey: v.public_key_spki_base64 }), post(URL_, body, bad256))).res,
      ),
    ).toEqual(REFUSED);
    const { 'X-Postal-Signature-256': _x, ...sha1Only } = v.headers;
    expect(
      (await run(postal({ publicKey: v.public_key_spki_base64 }), post(URL_, body, sha1Only))).res
        .status,
    ).toBe(200);
  });

  test('MessageLoaded is opened', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const body = fixtureText('esps/postal/docs_MessageLoaded.json');
    const sig = sign('sha256', Buffer.from(body), privateKey).toString('base64');
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const { events } = await run(
      postal({ publicKey: spki }),
      post(URL_, body, { 'X-Postal-Signature-256': sig }),
    );
    expect(events[0]).toMatchObject({
      eventType: 'opened',
      userAgent: expect.stringContaining('Chrome/54'),
    });
  });
});

describe('mailpace', () => {
  const URL_ = 'https://h.example/webhooks/mail/mailpace';
  test('the vectors: valid ones 200, the wrong key 403', async () => {
    for (const v of vectorsOf('mailpace', (x) => x.body_file)) {
      const { res } = await run(
        mailpace({ publicKey: v.public_key_base64 }),
        post(URL_, bodyOf('mailpace', v), v.headers),
      );
      expect(await verdict(v, res), v.name).toEqual(v.expect_valid ? 200 : REFUSED);
    }
  });
});

describe('unisender-go', () => {
  const URL_ = 'https://h.example/webhooks/mail/unisender-go';
  test('the vectors (one real Unisender Go delivery): valid ones 200, the wrong key 403', async () => {
    for (const v of vectorsOf('unisender_go')) {
      const { res, events } = await run(
        unisenderGo({ apiKey: v.api_key }),
        post(URL_, bodyOf('unisender_go', v)),
      );
      expect(await verdict(v, res), v.name).toEqual(v.expect_valid ? 200 : REFUSED);
      // Each valid vector is one event.
      expect(events.map((e) => e.espName)).toEqual(v.expect_valid ? ['unisender-go'] : []);
    }
  });

  test('the GET set-up probe is answered 200', async () => {
    const { res } = await run(unisenderGo({ apiKey: 'k' }), new Request(URL_, { method: 'GET' }));
    expect(res.status).toBe(200);
  });
});

describe('mandrill', () => {
  const URL_ = 'https://h.example/webhooks/mail/mandrill';
  test('the valid vectors verify against their configured URL (test ping included)', async () => {
    const valid = vectorsOf('mandrill').filter((x) => x.expect_valid);
    expect(valid.map((v) => v.name)).toContain('empty_batch_test_ping');
    for (const v of valid) {
      const { res } = await run(
        mandrill({ webhookKey: v.webhook_key, url: v.url }),
        post(URL_, bodyOf('mandrill', v), v.headers),
      );
      expect(res.status, v.name).toBe(200);
    }
  });

  test('a signature made for another URL is refused', async () => {
    const v = vectorsOf('mandrill').find((x) => x.name === 'send_event_wrong_url');
    const { res } = await run(
      mandrill({ webhookKey: v.webhook_key, url: v.url }),
      post(URL_, bodyOf('mandrill', v), v.headers),
    );
    expect(await refusal(res)).toEqual(REFUSED);
  });

  test('the HEAD probe is answered 200', async () => {
    const { res } = await run(
      mandrill({ webhookKey: 'k', url: 'https://x.example/' }),
      new Request(URL_, { method: 'HEAD' }),
    );
    expect(res.status).toBe(200);
  });
});

describe('loops', () => {
  test('Standard Webhooks like resend; recipient from contactIdentity.email', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({
      eventName: 'email.delivered',
      eventTime: Math.floor(Date.now() / 1000),
      webhookSchemaVersion: '1.0.0',
      contactIdentity: { id: 'c1', email: 'loop@example.com' },
      email: { id: 'e1' },
    });
    const { res, events } = await run(
      loops({ secret }),
      standardRequest('https://h.example/webhooks/mail/loops', secret, body, { prefix: 'webhook' }),
    );
    expect(res.status).toBe(200);
    expect(events[0]).toMatchObject({ recipient: 'loop@example.com', espName: 'loops' });
  });
});

describe('shared-secret ESPs', () => {
  test('sparkpost: Basic password; the [{msys:{}}] ping is 200 with no events; rawEvent is the inner event', async () => {
    const URL_ = 'https://h.example/webhooks/mail/sparkpost';
    const auth = { authorization: basic('u', 'pw') };
    const ping = await run(sparkpost({ password: 'pw' }), post(URL_, '[{"msys":{}}]', auth));
    expect(ping.res.status).toBe(200);
    expect(ping.events).toHaveLength(0);
    const body = fixtureText('esps/sparkpost/anymail_delivery_event.json');
    const none = await run(sparkpost({ password: 'pw' }), post(URL_, body));
    expect(await refusal(none.res)).toEqual({ status: 401, error: 'credentials-required' });
    const { events } = await run(sparkpost({ password: 'pw' }), post(URL_, body, auth));
    expect(events[0]?.eventType).toBe('delivered');
    expect(events[0]?.rawEvent).toEqual(JSON.parse(body)[0].msys.message_event);
  });

  test('mailjet: MessageID beyond 2^53 read exactly', async () => {
    const body = fixtureText('esps/mailjet/anymail_sent_event.json');
    const { events } = await run(
      mailjet({ password: 'pw' }),
      post('https://h.example/webhooks/mail/mailjet', body, { authorization: basic('u', 'pw') }),
    );
    expect(events[0]).toMatchObject({ eventType: 'delivered', messageId: '12345678901234567' });
  });

  test('a bearer token: 401 with WWW-Authenticate without, 403 wrong', async () => {
    const URL_ = 'https://h.example/webhooks/mail/sparkpost';
    const body = fixtureText('esps/sparkpost/anymail_delivery_event.json');
    const none = await run(sparkpost({ token: 't0k' }), post(URL_, body));
    expect(await refusal(none.res)).toEqual({ status: 401, error: 'credentials-required' });
    expect(none.res.headers.get('www-authenticate') ?? '').toMatch(/Bearer/i);
    expect(
      await refusal(
        (await run(sparkpost({ token: 't0k' }), post(URL_, body, { authorization: 'Bearer nope' })))
          .res,
      ),
    ).toEqual({ status: 403, error: 'secret-mismatch' });
    expect(
      (await run(sparkpost({ token: 't0k' }), post(URL_, body, { authorization: 'Bearer t0k' })))
        .res.status,
    ).toBe(200);
  });

  test('ses-eventbridge: the path, the EventBridge id as eventId; another source or account is 403', async () => {
    const URL_ = 'https://h.example/webhooks/mail/ses-eventbridge';
    const event = fixtureJson('esps/amazon_ses_eventbridge/constructed_Bounce.json');
    const auth = { authorization: 'Bearer eb' };
    const provider = () => sesEventBridge({ token: 'eb', accounts: ['123456789012'] });
    const ok = await run(provider(), post(URL_, JSON.stringify(event), auth));
    expect(ok.res.status).toBe(200);
    expect(ok.events[0]).toMatchObject({
      eventType: 'bounced',
      eventId: event.id,
      espName: 'ses-eventbridge',
      permanent: true,
    });
    expect(
      await refusal(
        (await run(provider(), post(URL_, JSON.stringify({ ...event, source: 'aws.other' }), auth)))
          .res,
      ),
    ).toEqual({ status: 403, error: 'source-not-allowed' });
    expect(
      await refusal(
        (
          await run(
            provider(),
            post(URL_, JSON.stringify({ ...event, account: '999999999999' }), auth),
          )
        ).res,
      ),
    ).toEqual({ status: 403, error: 'account-not-allowed' });
  });
});

describe('defineProvider', () => {
  test('a custom provider is mounted at its name and its events reach the sinks', async () => {
    const acme = defineProvider({
      name: 'acme-mail',
      methods: ['POST'],
      async handle(_request: Request, body: Uint8Array) {
        const { to } = JSON.parse(new TextDecoder().decode(body));
        return {
          events: [
            {
              eventType: 'delivered',
              messageId: 'm1',
              recipient: to,
              timestamp: new Date('2024-01-01T00:00:00Z'),
              espName: 'acme-mail',
              tags: [],
              metadata: {},
              rejectReason: null,
              description: null,
              clickUrl: null,
              userAgent: null,
              rawEvent: {},
              eventId: 'e1',
              mtaResponse: null,
              rejectCategory: null,
              permanent: null,
            },
          ],
        };
      },
    } as any);
    const { res, events } = await run(
      acme,
      post('https://h.example/webhooks/mail/acme-mail', '{"to":"z@example.com"}'),
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, events: 1 });
    expect(events[0]?.recipient).toBe('z@example.com');
    expect(
      (await run(acme, new Request('https://h.example/webhooks/mail/acme-mail'))).res.status,
    ).toBe(405);
  });

  test('a refusal made with the exported helper answers like a built-in one', async () => {
    const picky = defineProvider({
      name: 'picky',
      methods: ['POST'],
      authenticate(request: Request) {
        return request.headers.get('x-key') === 'k'
          ? undefined
          : refuse(403, 'bad-key', 'x-key is wrong');
      },
      async handle() {
        return { events: [] };
      },
    } as any);
    const { res } = await run(
      picky,
      post('https://h.example/webhooks/mail/picky', '{}', { 'x-key': 'nope' }),
    );
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('bad-key');
    expect(
      (await run(picky, post('https://h.example/webhooks/mail/picky', '{}', { 'x-key': 'k' }))).res
        .status,
    ).toBe(200);
  });
});
