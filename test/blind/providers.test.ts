// First-wave providers (DESIGN "Providers"): resend, sendgrid, mailgun, postmark, signed as each
// ESP signs, with the vectors in fixtures/esps/<esp>/vectors.
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  mailgun,
  type Provider,
  postmark,
  resend,
  sendgrid,
} from '../../src/index.js';
import {
  basic,
  bodyText,
  collector,
  fixtureJson,
  fixtureText,
  json,
  mailgunBody,
  must,
  newWhsec,
  post,
  recordingLogger,
  refusal,
  sendgridKeys,
  sendgridRequest,
  sha256Hex,
  standardRequest,
} from './helpers.js';

function mount(provider: Provider | any, now?: Date) {
  const sink = collector();
  const handler = createMailWebhookHandler({
    providers: [provider],
    sinks: [sink],
    logger: recordingLogger(),
    ...(now ? { now: () => now } : {}),
  });
  return { handler, sink };
}

async function run(
  provider: Provider | any,
  request: Request,
  now?: Date,
): Promise<{ res: Response; events: EmailTrackingContext[] }> {
  const { handler, sink } = mount(provider, now);
  const res = await handler(request);
  return { res, events: sink.events };
}

// ---------------------------------------------------------------- resend ----
describe('resend', () => {
  const URL_ = 'https://h.example/webhooks/mail/resend';
  const SECRET = newWhsec();
  const vectors = fixtureJson('esps/resend/vectors/vectors.json').vectors as any[];
  const symfony = vectors.find((v) => v.name === 'symfony_resend_email_sent');
  const symfonyBody = fixtureText('esps/resend/vectors/symfony_sent.body');

  function symfonyRequest(headers: Record<string, string>) {
    return new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: symfonyBody,
    });
  }

  test('the Symfony Resend vector verifies: sent, data.to, data.email_id, svix-id, created_at', async () => {
    const now = new Date(Number(symfony.headers['svix-timestamp']) * 1000 + 10_000);
    const { res, events } = await run(
      resend({ secret: symfony.secret }),
      symfonyRequest(symfony.headers),
      now,
    );
    expect(res.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'sent',
      recipient: 'test@example.com',
      messageId: '172c41ce-ba6d-4281-8a7a-541faa725748',
      eventId: symfony.headers['svix-id'],
      espName: 'resend',
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2024-04-08T09:43:09.500Z');
  });

  test('any one of several v1 signatures verifies; other versions are ignored', async () => {
    const now = new Date(Number(symfony.headers['svix-timestamp']) * 1000);
    const good = symfony.headers['svix-signature'];
    const headers = {
      ...symfony.headers,
      'svix-signature': `v1,AAAAbogusAAAA= v2,${good.slice(3)} ${good}`,
    };
    expect(
      (await run(resend({ secret: symfony.secret }), symfonyRequest(headers), now)).res.status,
    ).toBe(200);
    const onlyV2 = { ...symfony.headers, 'svix-signature': `v2,${good.slice(3)}` };
    expect(
      await refusal(
        (await run(resend({ secret: symfony.secret }), symfonyRequest(onlyV2), now)).res,
      ),
    ).toEqual({ status: 403, error: 'signature-invalid' });
  });

  test('a tampered body is refused 403; a missing signature is 403 signature-missing', async () => {
    const now = new Date(Number(symfony.headers['svix-timestamp']) * 1000);
    const tampered = new Request(URL_, {
      method: 'POST',
      headers: symfony.headers,
      body: symfonyBody.replace('test@example.com', 'evil@example.com'),
    });
    const refused = await run(resend({ secret: symfony.secret }), tampered, now);
    expect(await refusal(refused.res)).toEqual({ status: 403, error: 'signature-invalid' });
    expect(refused.events).toHaveLength(0);
    const { 'svix-signature': _drop, ...unsigned } = symfony.headers;
    const missing = await run(resend({ secret: symfony.secret }), symfonyRequest(unsigned), now);
    expect(missing.res.status).toBe(403);
    expect((await json(missing.res)).error).toBe('signature-missing');
  });

  test('a rotated secret list: either verifies', async () => {
    const now = new Date(Number(symfony.headers['svix-timestamp']) * 1000);
    const provider = resend({ secret: [newWhsec(), symfony.secret] });
    expect((await run(provider, symfonyRequest(symfony.headers), now)).res.status).toBe(200);
  });

  test('webhook-* headers are accepted like svix-*', async () => {
    const body = JSON.stringify({
      type: 'email.delivered',
      created_at: new Date().toISOString(),
      data: { email_id: 'e1', to: ['a@example.com'] },
    });
    const { res, events } = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, body, { prefix: 'webhook', id: 'msg_abc' }),
    );
    expect(res.status).toBe(200);
    expect(events[0]?.eventId).toBe('msg_abc');
  });

  test('old timestamps (over maxAgeSeconds 300) and timestamps > 5 minutes ahead are refused', async () => {
    const body = JSON.stringify({
      type: 'email.sent',
      created_at: new Date().toISOString(),
      data: { email_id: 'e1', to: ['a@example.com'] },
    });
    const now = Math.floor(Date.now() / 1000);
    const old = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, body, { timestamp: now - 400 }),
    );
    expect(await refusal(old.res)).toEqual({ status: 403, error: 'message-too-old' });
    const ahead = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, body, { timestamp: now + 400 }),
    );
    expect(await refusal(ahead.res)).toEqual({ status: 403, error: 'timestamp-in-future' });
    const fine = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, body, { timestamp: now - 200 }),
    );
    expect(fine.res.status).toBe(200);
  });

  const TYPES: [string, string][] = [
    ['email.sent', 'sent'],
    ['email.delivered', 'delivered'],
    ['email.delivery_delayed', 'deferred'],
    ['email.bounced', 'bounced'],
    ['email.complained', 'complained'],
    ['email.opened', 'opened'],
    ['email.clicked', 'clicked'],
    ['email.failed', 'failed'],
    ['email.suppressed', 'rejected'],
    ['email.scheduled', 'queued'],
    ['email.something_new', 'unknown'],
  ];
  test('every Resend type maps as DESIGN says; timestamp is the top-level created_at', async () => {
    for (const [type, expected] of TYPES) {
      const body = JSON.stringify({
        type,
        created_at: '2024-05-01T10:00:00.000Z',
        data: { email_id: 'e1', to: ['a@example.com'], created_at: '2024-05-01T09:59:00.000Z' },
      });
      const { res, events } = await run(
        resend({ secret: SECRET }),
        standardRequest(URL_, SECRET, body),
      );
      expect(res.status, type).toBe(200);
      expect(
        events.map((e) => e.eventType),
        type,
      ).toEqual([expected]);
      expect(events[0]?.timestamp.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    }
  });

  test('an impossible created_at is a 400 naming the field', async () => {
    const body = JSON.stringify({
      type: 'email.sent',
      created_at: '2024-13-01T00:00:00.000Z',
      data: { email_id: 'e1', to: ['a@example.com'] },
    });
    const { res } = await run(resend({ secret: SECRET }), standardRequest(URL_, SECRET, body));
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toContain('created_at');
  });

  test('non-email types (contact.*, domain.*, email.received): 200, no events', async () => {
    for (const type of ['contact.created', 'domain.updated', 'email.received']) {
      const body = JSON.stringify({
        type,
        created_at: new Date().toISOString(),
        data: { id: 'x', to: ['a@example.com'], email_id: 'e' },
      });
      const { res, events } = await run(
        resend({ secret: SECRET }),
        standardRequest(URL_, SECRET, body),
      );
      expect(res.status, type).toBe(200);
      expect(await json(res)).toMatchObject({ events: 0 });
      expect(events).toHaveLength(0);
    }
  });

  test('bounce fields; one context per data.to entry; tags object and array', async () => {
    const body = JSON.stringify({
      type: 'email.bounced',
      created_at: '2024-05-01T10:00:00.000Z',
      data: {
        email_id: 'e1',
        to: ['a@example.com', 'b@example.com'],
        tags: { campaign: 'spring', flagged: 'true' },
        bounce: { type: 'Permanent', subType: 'General', message: 'mailbox does not exist' },
      },
    });
    const { events } = await run(resend({ secret: SECRET }), standardRequest(URL_, SECRET, body));
    expect(events.map((e) => e.recipient)).toEqual(['a@example.com', 'b@example.com']);
    expect(events[0]).toMatchObject({
      rejectReason: 'Permanent/General',
      description: 'mailbox does not exist',
      permanent: true,
      rejectCategory: 'bounced',
    });
    expect([...must(events[0]).tags].sort()).toEqual(['campaign:spring', 'flagged']);

    const transient = JSON.stringify({
      type: 'email.bounced',
      created_at: '2024-05-01T10:00:00.000Z',
      data: {
        email_id: 'e1',
        to: ['a@example.com'],
        tags: [
          { name: 'metadata:user', value: '7' },
          { name: 'x', value: 'y' },
        ],
        bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' },
      },
    });
    const t = await run(resend({ secret: SECRET }), standardRequest(URL_, SECRET, transient));
    expect(t.events[0]).toMatchObject({
      permanent: false,
      rejectCategory: 'bounced',
      metadata: { user: '7' },
      tags: ['x:y'],
    });
  });

  test('suppressed: rejected, blocked, permanent; failed: not permanent; click: link and userAgent', async () => {
    const mk = (type: string, extra: object) =>
      JSON.stringify({
        type,
        created_at: '2024-05-01T10:00:00.000Z',
        data: { email_id: 'e1', to: ['a@example.com'], ...extra },
      });
    const s = await run(
      resend({ secret: SECRET }),
      standardRequest(
        URL_,
        SECRET,
        mk('email.suppressed', {
          suppressed: { type: 'OnAccountSuppressionList', message: 'suppressed' },
        }),
      ),
    );
    expect(s.events[0]).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'blocked',
      permanent: true,
    });
    const f = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, mk('email.failed', { failed: { reason: 'quota' } })),
    );
    expect(f.events[0]).toMatchObject({
      eventType: 'failed',
      permanent: false,
      rejectCategory: 'other',
    });
    const c = await run(
      resend({ secret: SECRET }),
      standardRequest(
        URL_,
        SECRET,
        mk('email.clicked', { click: { link: 'https://x.example/a', userAgent: 'UA/1' } }),
      ),
    );
    expect(c.events[0]).toMatchObject({ clickUrl: 'https://x.example/a', userAgent: 'UA/1' });
    const o = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, mk('email.opened', { open: { userAgent: 'UA/2' } })),
    );
    expect(o.events[0]).toMatchObject({ eventType: 'opened', userAgent: 'UA/2' });
    const comp = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, mk('email.complained', {})),
    );
    expect(comp.events[0]).toMatchObject({ rejectCategory: 'spam', permanent: null });
    const d = await run(
      resend({ secret: SECRET }),
      standardRequest(URL_, SECRET, mk('email.delivery_delayed', {})),
    );
    expect(d.events[0]).toMatchObject({ rejectCategory: null, permanent: null });
  });
});

// -------------------------------------------------------------- sendgrid ----
describe('sendgrid', () => {
  const URL_ = 'https://h.example/webhooks/mail/sendgrid';
  const vectors = fixtureJson('esps/sendgrid/vectors/vectors.json').vectors as any[];
  const bodyOf = (v: any) => fixtureText(`esps/sendgrid/vectors/${v.body_file}`);
  const reqOf = (v: any) =>
    new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...v.headers },
      body: bodyOf(v),
    });
  const nowOf = (v: any) =>
    new Date(Number(v.headers['X-Twilio-Email-Event-Webhook-Timestamp']) * 1000 + 5000);
  const digest = (e: any) =>
    `sendgrid:${sha256Hex([e.sg_message_id, e.event, e.email, String(e.timestamp), e.url ?? ''].join('\n')).slice(0, 32)}`;

  test('single_event (ESP-signed): dropped Bounced Address → rejected, bounced, permanent', async () => {
    const v = vectors.find((x) => x.name === 'single_event');
    const { res, events } = await run(
      sendgrid({ publicKey: v.public_key_spki_base64 }),
      reqOf(v),
      nowOf(v),
    );
    expect(res.status).toBe(200);
    const raw = JSON.parse(bodyOf(v))[0];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'rejected',
      recipient: 'hello@world.com',
      messageId: 'LRzXl_NHStOGhQ4kofSm_A',
      rejectCategory: 'bounced',
      permanent: true,
      eventId: digest(raw),
      espName: 'sendgrid',
    });
    expect(events[0]?.timestamp.getTime()).toBe(1600112492 * 1000);
    expect(events[0]?.rawEvent).toEqual(raw);
  });

  test('multi_event (ESP-signed, CRLF batch): processed → queued, bounce type blocked → not permanent, blocked', async () => {
    const v = vectors.find((x) => x.name === 'multi_event');
    const { res, events } = await run(
      sendgrid({ publicKey: v.public_key_spki_base64 }),
      reqOf(v),
      nowOf(v),
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, events: 2 });
    expect(events.map((e) => e.eventType)).toEqual(['queued', 'bounced']);
    expect(events[1]).toMatchObject({
      permanent: false,
      rejectCategory: 'blocked',
      recipient: 'invalid@gmail.com',
    });
    expect(events[0]).toMatchObject({ rejectCategory: null, permanent: null });
  });

  test('the negative vectors (wrong key, bad signature, bad timestamp) are refused 403', async () => {
    for (const [name, reason] of [
      ['single_event_wrong_key', 'signature-invalid'],
      ['single_event_bad_signature', 'signature-invalid'],
      // Its timestamp header is the word "timestamp".
      ['single_event_bad_timestamp', 'timestamp-invalid'],
    ]) {
      const v = vectors.find((x) => x.name === name);
      const { res, events } = await run(
        sendgrid({ publicKey: v.public_key_spki_base64 }),
        reqOf(v),
        new Date(1600112502_000),
      );
      expect(await refusal(res), name).toEqual({ status: 403, error: reason });
      expect(events).toHaveLength(0);
    }
  });

  test('a signature older than maxAgeSeconds (600) is refused', async () => {
    const v = vectors.find((x) => x.name === 'single_event');
    const late = new Date(
      Number(v.headers['X-Twilio-Email-Event-Webhook-Timestamp']) * 1000 + 601_000,
    );
    expect(
      await refusal(
        (await run(sendgrid({ publicKey: v.public_key_spki_base64 }), reqOf(v), late)).res,
      ),
    ).toEqual({ status: 403, error: 'message-too-old' });
  });

  test('missing signature: 403 signature-missing', async () => {
    const { publicKey } = sendgridKeys();
    const { res } = await run(sendgrid({ publicKey }), post(URL_, '[]'));
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('signature-missing');
  });

  test('mapping, tags, custom args as metadata, click fields, batch with a bad element', async () => {
    const keys = sendgridKeys();
    const ts = Math.floor(Date.now() / 1000);
    const base = { sg_message_id: 'abc123.filter-1.2', timestamp: ts, 'smtp-id': '<x@y>' };
    const batch = [
      {
        ...base,
        email: 'd@example.com',
        event: 'delivered',
        response: '250 OK',
        category: 'welcome',
        user_id: '42',
        plan_id: 7,
      },
      {
        ...base,
        email: 'c@example.com',
        event: 'click',
        url: 'https://l.example/x',
        useragent: 'UA/9',
        category: ['a', 'b'],
      },
      { ...base, email: 'o@example.com', event: 'open', useragent: 'UA/8' },
      { ...base, email: 'df@example.com', event: 'deferred', response: '421 try later' },
      {
        ...base,
        email: 'b@example.com',
        event: 'bounce',
        type: 'bounce',
        reason: '550 no such user',
      },
      { ...base, email: 's@example.com', event: 'spamreport' },
      { ...base, email: 'u@example.com', event: 'unsubscribe' },
      { ...base, email: 'g@example.com', event: 'group_unsubscribe' },
      { ...base, email: 'i@example.com', event: 'dropped', reason: 'Invalid' },
      { ...base, email: 'uu@example.com', event: 'dropped', reason: 'Unsubscribed Address' },
      { ...base, email: 'n@example.com', event: 'group_resubscribe' },
      42,
    ];
    const { res, events } = await run(
      sendgrid({ publicKey: keys.publicKey }),
      sendgridRequest(URL_, keys.privateKeyPem, JSON.stringify(batch)),
    );
    expect(res.status).toBe(200);
    const by = Object.fromEntries(events.map((e) => [e.recipient, e]));
    expect(by['d@example.com']).toMatchObject({
      eventType: 'delivered',
      messageId: 'abc123',
      tags: ['welcome'],
      metadata: { user_id: '42', plan_id: '7' },
      mtaResponse: '250 OK',
    });
    expect(by['c@example.com']).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://l.example/x',
      userAgent: 'UA/9',
      tags: ['a', 'b'],
    });
    expect(by['c@example.com']?.eventId).toBe(digest(batch[1]));
    expect(by['o@example.com']).toMatchObject({ eventType: 'opened', userAgent: 'UA/8' });
    expect(by['df@example.com']).toMatchObject({
      eventType: 'deferred',
      mtaResponse: '421 try later',
      rejectCategory: null,
    });
    expect(by['b@example.com']).toMatchObject({
      eventType: 'bounced',
      permanent: true,
      rejectCategory: 'bounced',
    });
    expect(by['s@example.com']).toMatchObject({ eventType: 'complained', rejectCategory: 'spam' });
    expect(by['u@example.com']).toMatchObject({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
    });
    expect(by['g@example.com']).toMatchObject({ eventType: 'unsubscribed' });
    expect(by['i@example.com']).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'invalid',
      permanent: true,
    });
    expect(by['uu@example.com']).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'unsubscribed',
      permanent: true,
    });
    expect(by['n@example.com']).toMatchObject({ eventType: 'unknown' });
    expect(events).toHaveLength(11);
  });
});

// --------------------------------------------------------------- mailgun ----
describe('mailgun', () => {
  const URL_ = 'https://h.example/webhooks/mail/mailgun';
  const vectors = fixtureJson('esps/mailgun/vectors/vectors.json').vectors as any[];
  const KEY = 'key-0p6mqbf74lb20gzq9f4dhpn9rg3zyk26';
  const symfony = (name: string) => fixtureText(`esps/mailgun/symfony_${name}.json`);

  test('every valid vector verifies (maxAgeSeconds 0: no age check)', async () => {
    const valid = vectors.filter((x) => x.expect_valid);
    // The fixture's 14 valid vectors: a loop over none would pass.
    expect(valid).toHaveLength(14);
    for (const v of valid) {
      const body = v.body_file ? fixtureText(`esps/mailgun/vectors/${v.body_file}`) : v.body;
      const { res } = await run(mailgun({ signingKey: v.signing_key }), post(URL_, body));
      expect(res.status, v.name).toBe(200);
    }
  });

  test('the wrong key is refused 403; no signature block is 403 signature-missing', async () => {
    const body = symfony('delivered_messages');
    expect(
      await refusal((await run(mailgun({ signingKey: 'WRONG' }), post(URL_, body))).res),
    ).toEqual({ status: 403, error: 'signature-invalid' });
    const stripped = JSON.stringify({ 'event-data': JSON.parse(body)['event-data'] });
    const missing = await run(mailgun({ signingKey: KEY }), post(URL_, stripped));
    expect(missing.res.status).toBe(403);
    expect((await json(missing.res)).error).toBe('signature-missing');
  });

  test('a set maxAgeSeconds refuses the old vectors', async () => {
    const { res } = await run(
      mailgun({ signingKey: KEY, maxAgeSeconds: 300 }),
      post(URL_, symfony('delivered_messages')),
    );
    expect(await refusal(res)).toEqual({ status: 403, error: 'message-too-old' });
  });

  test('permanent failure: bounced, permanent, category bounced, every field source', async () => {
    const body = symfony('permanent_failure');
    const { events } = await run(mailgun({ signingKey: KEY }), post(URL_, body));
    expect(events).toHaveLength(1);
    const e = must(events[0]);
    expect(e).toMatchObject({
      eventType: 'bounced',
      permanent: true,
      rejectCategory: 'bounced',
      recipient: 'alice@example.com',
      messageId: '20130503192659.13651.20287@app.symfony.com',
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
      mtaResponse: 'No Such User Here',
      espName: 'mailgun',
      metadata: { my_var_1: 'Mailgun Variable #1', 'my-var-2': 'awesome' },
    });
    expect([...e.tags]).toEqual(['my_tag_1', 'my_tag_2']);
    expect(Math.abs(e.timestamp.getTime() - 1521233195375.624)).toBeLessThan(1);
  });

  test('event mapping over the Symfony fixtures', async () => {
    const cases: [string, string][] = [
      ['accepted', 'queued'],
      ['delivered_messages', 'delivered'],
      ['opens', 'opened'],
      ['clicks', 'clicked'],
      ['unsubscribes', 'unsubscribed'],
      ['spam_complaints', 'complained'],
      ['temporary_failure', 'deferred'],
      ['suppression_failure', 'bounced'],
    ];
    for (const [name, type] of cases) {
      const { events } = await run(mailgun({ signingKey: KEY }), post(URL_, symfony(name)));
      expect(
        events.map((e) => e.eventType),
        name,
      ).toEqual([type]);
      if (type === 'deferred')
        expect(events[0]).toMatchObject({ rejectCategory: null, permanent: null });
      if (type === 'complained') expect(events[0]?.rejectCategory).toBe('spam');
      if (type === 'unsubscribed') expect(events[0]?.rejectCategory).toBe('unsubscribed');
      if (type === 'opened') expect(events[0]?.userAgent).toContain('Chrome/26');
      if (name === 'suppression_failure')
        expect(events[0]).toMatchObject({ permanent: true, rejectCategory: 'bounced' });
    }
  });

  test('rejected, clicked url, unknown event, own signature', async () => {
    const key = 'my-signing-key';
    const clicked = mailgunBody(key, {
      id: 'ev1',
      event: 'clicked',
      timestamp: 1700000000.5,
      recipient: 'r@example.com',
      url: 'https://l.example/',
      message: { headers: { 'message-id': '<m1@example.com>' } },
    });
    const c = await run(mailgun({ signingKey: key }), post(URL_, clicked));
    expect(c.events[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://l.example/',
      messageId: '<m1@example.com>',
    });
    const rejected = mailgunBody(key, {
      id: 'ev2',
      event: 'rejected',
      timestamp: 1700000000,
      recipient: 'r@example.com',
      message: { headers: { 'message-id': 'm2' } },
    });
    const r = await run(mailgun({ signingKey: key }), post(URL_, rejected));
    expect(r.events[0]).toMatchObject({ eventType: 'rejected', messageId: 'm2' });
    const other = mailgunBody(key, {
      id: 'ev3',
      event: 'list_member_uploaded',
      timestamp: 1700000000,
      recipient: 'r@example.com',
      message: { headers: { 'message-id': 'm3' } },
    });
    expect((await run(mailgun({ signingKey: key }), post(URL_, other))).events[0]?.eventType).toBe(
      'unknown',
    );
  });
});

// -------------------------------------------------------------- postmark ----
describe('postmark', () => {
  const URL_ = 'https://h.example/webhooks/mail/postmark';
  const pm = (name: string) => fixtureText(`esps/postmark/anymail_${name}.json`);

  test('no credentials: 401 with WWW-Authenticate Basic; wrong: 403; any user name with the password', async () => {
    const provider = postmark({ password: 'pw' });
    const none = await run(provider, post(URL_, pm('delivered_event')));
    expect(await refusal(none.res)).toEqual({ status: 401, error: 'credentials-required' });
    expect(none.res.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expect(
      await refusal(
        (
          await run(
            provider,
            post(URL_, pm('delivered_event'), { authorization: basic('u', 'bad') }),
          )
        ).res,
      ),
    ).toEqual({ status: 403, error: 'secret-mismatch' });
    expect(
      (
        await run(
          provider,
          post(URL_, pm('delivered_event'), { authorization: basic('anyone', 'pw') }),
        )
      ).res.status,
    ).toBe(200);
  });

  test('username, when set, must match', async () => {
    const provider = postmark({ username: 'hook', password: 'pw' });
    expect(
      await refusal(
        (
          await run(
            provider,
            post(URL_, pm('delivered_event'), { authorization: basic('other', 'pw') }),
          )
        ).res,
      ),
    ).toEqual({ status: 403, error: 'secret-mismatch' });
    expect(
      (
        await run(
          provider,
          post(URL_, pm('delivered_event'), { authorization: basic('hook', 'pw') }),
        )
      ).res.status,
    ).toBe(200);
  });

  test('header + value; with several kinds configured, one match is enough', async () => {
    const provider = postmark({ header: 'X-Hook-Secret', value: 'v1', password: 'pw' });
    expect(
      (await run(provider, post(URL_, pm('delivered_event'), { 'x-hook-secret': 'v1' }))).res
        .status,
    ).toBe(200);
    expect(
      (await run(provider, post(URL_, pm('delivered_event'), { authorization: basic('x', 'pw') })))
        .res.status,
    ).toBe(200);
    expect(
      await refusal(
        (await run(provider, post(URL_, pm('delivered_event'), { 'x-hook-secret': 'nope' }))).res,
      ),
    ).toEqual({ status: 403, error: 'secret-mismatch' });
  });

  test('postmark without any credential setting is a ConfigError', () => {
    expect(() => createMailWebhookHandler({ providers: [postmark({} as any)] })).toThrow(
      ConfigError,
    );
  });

  const auth = { authorization: basic('u', 'pw') };
  const go = (name: string) => run(postmark({ password: 'pw' }), post(URL_, pm(name), auth));

  test('Delivery: delivered, Recipient, MessageID, DeliveredAt, Tag, Metadata, Details, digest eventId', async () => {
    const body = pm('delivered_event');
    const { events } = await go('delivered_event');
    expect(events[0]).toMatchObject({
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      tags: ['welcome-email'],
      metadata: { cohort: '2014-08-A', userid: '12345' },
      mtaResponse: 'Test delivery webhook details',
      espName: 'postmark',
      eventId: `postmark:${sha256Hex(body).slice(0, 32)}`,
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2014-08-01T17:28:10.273Z');
  });

  test('HardBounce: bounced permanent bounced, Email, ID as eventId, Description', async () => {
    const { events } = await go('bounce_event');
    expect(events[0]).toMatchObject({
      eventType: 'bounced',
      permanent: true,
      rejectCategory: 'bounced',
      recipient: 'bounce@example.com',
      eventId: '901542550',
      description: expect.stringContaining('unable to deliver'),
      mtaResponse: expect.stringContaining('550 5.1.1'),
    });
  });

  test('Bounce Type variants as anymail', async () => {
    const bounce = JSON.parse(pm('bounce_event'));
    const cases: [string, object][] = [
      ['SoftBounce', { eventType: 'bounced', permanent: false }],
      ['Transient', { eventType: 'deferred', permanent: null, rejectCategory: null }],
      ['DnsError', { eventType: 'deferred' }],
      ['BadEmailAddress', { eventType: 'rejected', rejectCategory: 'invalid', permanent: true }],
      ['AutoResponder', { eventType: 'unknown' }],
    ];
    for (const [type, expected] of cases) {
      const { events } = await run(
        postmark({ password: 'pw' }),
        post(URL_, JSON.stringify({ ...bounce, Type: type }), auth),
      );
      expect(events[0], type).toMatchObject(expected);
    }
  });

  test('an impossible DeliveredAt is a 400 naming the field', async () => {
    const body = JSON.stringify({
      ...JSON.parse(pm('delivered_event')),
      DeliveredAt: '2014-02-30T13:28:10Z',
    });
    const { res, events } = await run(postmark({ password: 'pw' }), post(URL_, body, auth));
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toContain('DeliveredAt');
    expect(events).toHaveLength(0);
  });

  test('Open, Click, SpamComplaint', async () => {
    const open = must((await go('open_event')).events[0]);
    expect(open).toMatchObject({
      eventType: 'opened',
      userAgent: expect.stringContaining('Firefox'),
    });
    const click = must((await go('click_event')).events[0]);
    expect(click).toMatchObject({ eventType: 'clicked', clickUrl: 'https://example.com/click/me' });
    const spam = must((await go('spam_event')).events[0]);
    expect(spam).toMatchObject({
      eventType: 'complained',
      rejectCategory: 'spam',
      recipient: 'spam@example.com',
      eventId: '901542550',
    });
  });

  test('SubscriptionChange as anymail: ManualSuppression unsubscribed, HardBounce bounced, resubscribe unknown', async () => {
    expect((await go('unsubscribe')).events[0]).toMatchObject({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      recipient: 'john@example.com',
    });
    expect((await go('subscription_change_bounce')).events[0]).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'bounced',
    });
    const resub = must((await go('resubscribe')).events[0]);
    expect(resub.eventType).toBe('unknown');
    expect(resub.timestamp.toISOString()).toBe('2022-06-05T17:17:32.000Z');
  });
});
