/**
 * Blind round 25: the first-wave ESPs (Resend, SendGrid, Mailgun, Postmark) against DESIGN's
 * "Providers (ESPs)" tables and fine print, with requests signed here through WebCrypto.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { providersFromEnv } from '../../src/env/index.js';
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

const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => Buffer.from(b).toString('hex');
const b64 = (b: ArrayBuffer | Uint8Array) => Buffer.from(b as Uint8Array).toString('base64');
const fixture = (p: string) =>
  readFileSync(new URL(`../fixtures/esps/${p}`, import.meta.url), 'utf8');
const json = (p: string) => JSON.parse(fixture(p));
const sha256hex = async (s: string) => hex(await crypto.subtle.digest('SHA-256', enc.encode(s)));
const hmac = async (key: Uint8Array<ArrayBuffer>, msg: string) => {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return crypto.subtle.sign('HMAC', k, enc.encode(msg));
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(providers: Provider[], extra: Record<string, unknown> = {}) {
  const got: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers,
    sinks: [{ name: 'capture', send: async (events) => void got.push(...events) }],
    logger: silent,
    ...extra,
  });
  return { handle, got };
}
const post = (
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) =>
  new Request(`https://hooks.example.com/webhooks/mail/${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
async function answer(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------- Resend
const NOW = 1_800_000_000; // seconds
const clock = { now: () => new Date(NOW * 1000) };
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = `whsec_${b64(enc.encode('another-32-byte-secret-for-tests'))}`;
async function svix(secret: string, id: string, ts: number | string, body: string) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${b64(await hmac(key, `${id}.${ts}.${body}`))}`;
}
async function resendReq(
  body: string,
  o: { secret?: string; id?: string; ts?: number; prefix?: string; path?: string } = {},
) {
  const { secret = SECRET, id = 'msg_2abc', ts = NOW, prefix = 'svix', path = 'resend' } = o;
  return post(path, body, {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(ts),
    [`${prefix}-signature`]: await svix(secret, id, ts, body),
  });
}
const resendEvent = (type: string, data: Record<string, unknown> = {}) =>
  JSON.stringify({
    type,
    created_at: '2026-01-02T03:04:05.678Z',
    data: {
      email_id: 'em_1',
      from: 'a@example.com',
      to: ['to@example.org'],
      subject: 's',
      created_at: '2026-01-02T03:04:00.000Z',
      ...data,
    },
  });

describe('resend', () => {
  it('verifies the Symfony Resend vector and maps its fields', async () => {
    const v = json('resend/vectors/vectors.json').vectors[0];
    const body = fixture('resend/vectors/symfony_sent.body');
    const { handle, got } = setup([resend({ secret: v.secret })], {
      now: () => new Date(1712569389 * 1000),
    });
    const r = await answer(await handle(post('resend', body, v.headers)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(got[0]).toMatchObject({
      eventType: 'sent',
      espName: 'resend',
      recipient: 'test@example.com',
      messageId: '172c41ce-ba6d-4281-8a7a-541faa725748',
      eventId: '172c41ce-ba6d-4281-8a7a-541faa725748',
      rejectCategory: null,
      permanent: null,
    });
    expect(got[0]?.timestamp.toISOString()).toBe('2024-04-08T09:43:09.500Z');
    expect(got[0]?.rawEvent).toMatchObject({ type: 'email.sent' });
  });

  it.each([
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
  ])('maps %s to %s', async (type, expected) => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const res = await handle(await resendReq(resendEvent(type)));
    expect(res.status).toBe(200);
    expect(got.map((e) => e.eventType)).toEqual([expected]);
  });

  it.each([['contact.created'], ['domain.updated']])(
    'answers a non-email type %s 200 with no events',
    async (type) => {
      const { handle, got } = setup([resend({ secret: SECRET })], clock);
      const r = await answer(await handle(await resendReq(resendEvent(type))));
      expect(r.status).toBe(200);
      expect(r.body.events).toBe(0);
      expect(got).toEqual([]);
    },
  );

  it('answers inbound email.received 200 with no events', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = fixture('resend/docs_email_received.json');
    const r = await answer(await handle(await resendReq(body)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(got).toEqual([]);
  });

  it('gives one context per data.to address, with the svix-id as every eventId', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = fixture('resend/anymail_sent_event.json');
    const r = await answer(await handle(await resendReq(body, { id: 'msg_multi' })));
    expect(r.body.events).toBe(2);
    expect(got.map((e) => e.recipient)).toEqual(['to@example.org', 'to2@example.org']);
    for (const e of got) {
      expect(e.eventId).toBe('msg_multi');
      expect(e.messageId).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
      expect(e.tags).toEqual(['tag1:Tag_1_value', 'tag2:Tag_2_value']);
      expect(e.timestamp.toISOString()).toBe('2023-09-28T17:19:43.736Z');
    }
  });

  it('maps a documented bounce: reason type/subType, description, permanent, category', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(fixture('resend/docs_email_bounced.json')));
    expect(got[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'bounced@resend.dev',
      rejectReason: 'Permanent/General',
      description:
        "The recipient's email address is on the suppression list because it has a history of producing hard bounces.",
      permanent: true,
      rejectCategory: 'bounced',
      tags: ['category:confirm_email'],
    });
  });

  it('marks a Transient bounce not permanent', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.bounced', {
      bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' },
    });
    await handle(await resendReq(body));
    expect(got[0]).toMatchObject({
      rejectReason: 'Transient/MailboxFull',
      description: 'full',
      permanent: false,
      rejectCategory: 'bounced',
    });
  });

  it('takes clickUrl and userAgent from data.click', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(fixture('resend/docs_email_clicked.json')));
    expect(got[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://resend.com',
      userAgent: expect.stringContaining('Safari/605.1.15'),
      tags: ['category:confirm_email'],
      rejectCategory: null,
      permanent: null,
    });
  });

  it('takes userAgent from data.open', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.opened', {
      open: { userAgent: 'UA/1.0', ipAddress: '1.2.3.4' },
    });
    await handle(await resendReq(body));
    expect(got[0]).toMatchObject({ eventType: 'opened', userAgent: 'UA/1.0', clickUrl: null });
  });

  it('makes failed permanent false with category other', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(fixture('resend/docs_email_failed.json')));
    expect(got[0]).toMatchObject({
      eventType: 'failed',
      permanent: false,
      rejectCategory: 'other',
    });
  });

  it('makes suppressed a rejected, blocked, permanent event', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.suppressed', {
      suppressed: { type: 'OnAccountSuppressionList', message: 'on the list' },
    });
    await handle(await resendReq(body));
    expect(got[0]).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'blocked',
      permanent: true,
    });
  });

  it.each([
    ['email.complained', 'spam', null],
    ['email.delivery_delayed', null, null],
    ['email.delivered', null, null],
    ['email.sent', null, null],
  ])('gives %s category %s and permanent %s', async (type, category, permanent) => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(resendEvent(type)));
    expect(got[0]).toMatchObject({ rejectCategory: category, permanent });
  });

  it('applies the SES tag rules to object tags: true-valued names, metadata:<key>', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent', {
      tags: { 'metadata:user': '42', flag: 'true', plan: 'pro' },
    });
    await handle(await resendReq(body));
    expect(got[0]?.tags).toEqual(['flag', 'plan:pro']);
    expect(got[0]?.metadata).toEqual({ user: '42' });
  });

  it('applies the same rules to [{name,value}] tags', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent', {
      tags: [
        { name: 'metadata:cohort', value: 'B' },
        { name: 'campaign', value: 'spring' },
      ],
    });
    await handle(await resendReq(body));
    expect(got[0]?.tags).toEqual(['campaign:spring']);
    expect(got[0]?.metadata).toEqual({ cohort: 'B' });
  });

  it('refuses a request with no signature header 403 signature-missing', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    const r = await answer(
      await handle(post('resend', body, { 'svix-id': 'msg_1', 'svix-timestamp': String(NOW) })),
    );
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('signature-missing');
    const bare = await answer(await handle(post('resend', body)));
    expect(bare.status).toBe(403);
    expect(bare.body.error).toBe('signature-missing');
    expect(got).toEqual([]);
  });

  it('refuses a signature made with another secret, or over another body, 403', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const wrong = await answer(
      await handle(await resendReq(resendEvent('email.sent'), { secret: OTHER })),
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).not.toBe('signature-missing');
    const req = await resendReq(resendEvent('email.sent'));
    const tampered = post('resend', resendEvent('email.bounced'), Object.fromEntries(req.headers));
    expect((await handle(tampered)).status).toBe(403);
    expect(got).toEqual([]);
  });

  it('accepts any one valid v1 signature among several and ignores other versions', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    const good = await svix(SECRET, 'msg_1', NOW, body);
    const headers = { 'svix-id': 'msg_1', 'svix-timestamp': String(NOW) };
    const bogus = `v1,${b64(new Uint8Array(32))}`;
    const multi = `${bogus} v2,${good.slice(3)} ${good}`;
    expect(
      (await handle(post('resend', body, { ...headers, 'svix-signature': multi }))).status,
    ).toBe(200);
    const v2only = `v2,${good.slice(3)}`;
    expect(
      (await handle(post('resend', body, { ...headers, 'svix-signature': v2only }))).status,
    ).toBe(403);
  });

  it('refuses timestamps more than 5 minutes in the future, accepts just under', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    expect((await handle(await resendReq(body, { ts: NOW + 301 }))).status).toBe(403);
    expect((await handle(await resendReq(body, { ts: NOW + 299 }))).status).toBe(200);
  });

  it('refuses timestamps older than maxAgeSeconds (300 by default, settable)', async () => {
    const body = resendEvent('email.sent');
    const def = setup([resend({ secret: SECRET })], clock);
    expect((await def.handle(await resendReq(body, { ts: NOW - 301 }))).status).toBe(403);
    expect((await def.handle(await resendReq(body, { ts: NOW - 299 }))).status).toBe(200);
    const longer = setup([resend({ secret: SECRET, maxAgeSeconds: 600 })], clock);
    expect((await longer.handle(await resendReq(body, { ts: NOW - 400 }))).status).toBe(200);
  });

  it('accepts webhook-* headers and takes the eventId from webhook-id', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    const res = await handle(
      await resendReq(resendEvent('email.delivered'), { prefix: 'webhook', id: 'msg_wh' }),
    );
    expect(res.status).toBe(200);
    expect(got[0]?.eventId).toBe('msg_wh');
  });

  it('accepts a list of secrets (rotation): any one verifies', async () => {
    const { handle } = setup([resend({ secret: [OTHER, SECRET] })], clock);
    const body = resendEvent('email.sent');
    expect((await handle(await resendReq(body, { secret: SECRET }))).status).toBe(200);
    expect((await handle(await resendReq(body, { secret: OTHER }))).status).toBe(200);
    const third = `whsec_${b64(enc.encode('a-third-secret-nobody-configured'))}`;
    expect((await handle(await resendReq(body, { secret: third }))).status).toBe(403);
  });

  it('reads MAIL_WEBHOOK_RESEND_SECRET and its _PREVIOUS for rotation', async () => {
    const providers = providersFromEnv({
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: SECRET,
      MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: OTHER,
    });
    const { handle } = setup(providers, clock);
    const body = resendEvent('email.sent');
    expect((await handle(await resendReq(body, { secret: SECRET }))).status).toBe(200);
    expect((await handle(await resendReq(body, { secret: OTHER }))).status).toBe(200);
  });

  it('stops start-up naming MAIL_WEBHOOK_RESEND_SECRET when it is missing', () => {
    expect(() => providersFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'resend' })).toThrow(
      /MAIL_WEBHOOK_RESEND_SECRET/,
    );
  });

  it('refuses resend() without a secret with a ConfigError naming it', () => {
    const make = () =>
      createMailWebhookHandler({ providers: [resend({} as never)], logger: silent });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/secret/);
  });

  it('mounts one ESP twice with different secrets through path', async () => {
    const { handle, got } = setup(
      [resend({ secret: SECRET, path: 'resend-a' }), resend({ secret: OTHER, path: 'resend-b' })],
      clock,
    );
    const body = resendEvent('email.sent');
    expect((await handle(await resendReq(body, { path: 'resend-a' }))).status).toBe(200);
    expect((await handle(await resendReq(body, { path: 'resend-b', secret: OTHER }))).status).toBe(
      200,
    );
    expect((await handle(await resendReq(body, { path: 'resend-b' }))).status).toBe(403);
    expect(got.map((e) => e.espName)).toEqual(['resend', 'resend']);
    const missing = await handle(await resendReq(body, { path: 'resend' }));
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).toContain('/webhooks/mail');
    expect(text).toContain('resend-a');
    expect(text).toContain('resend-b');
  });

  it('accepts unsigned requests with verifySignature: false', async () => {
    const { handle, got } = setup([resend({ secret: SECRET, verifySignature: false })], clock);
    const r = await answer(
      await handle(post('resend', resendEvent('email.delivered'), { 'svix-id': 'msg_x' })),
    );
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(got[0]?.eventType).toBe('delivered');
  });

  it('answers a signed body that is not JSON 400', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const r = await answer(await handle(await resendReq('not json{')));
    expect(r.status).toBe(400);
  });

  it('answers another method 405', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const res = await handle(new Request('https://hooks.example.com/webhooks/mail/resend'));
    expect(res.status).toBe(405);
  });
});

// -------------------------------------------------------------------------------- SendGrid
const sgVectors = json('sendgrid/vectors/vectors.json').vectors as {
  name: string;
  body_base64?: string;
  body_file: string;
  public_key_spki_base64: string;
  headers: Record<string, string>;
}[];
const sgBody = (file: string) =>
  readFileSync(new URL(`../fixtures/esps/sendgrid/vectors/${file}`, import.meta.url));
const sgId = async (e: Record<string, unknown>) =>
  `sendgrid:${(
    await sha256hex(
      [e.sg_message_id, e.event, e.email, e.timestamp, e.url ?? ''].map(String).join('\n'),
    )
  ).slice(0, 32)}`;

function derInt(b: Uint8Array) {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.slice(i);
  if ((v[0] ?? 0) & 0x80) v = Uint8Array.of(0, ...v);
  return Uint8Array.of(0x02, v.length, ...v);
}
let sgKeys: CryptoKeyPair;
let SG_PUBLIC = '';
let SG_OTHER_PUBLIC = '';
beforeAll(async () => {
  sgKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  SG_PUBLIC = b64(await crypto.subtle.exportKey('spki', sgKeys.publicKey));
  const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  SG_OTHER_PUBLIC = b64(await crypto.subtle.exportKey('spki', other.publicKey));
});
async function sgReq(events: unknown[] | string, ts = NOW, key = sgKeys.privateKey) {
  const body =
    typeof events === 'string' ? events : `${events.map((e) => JSON.stringify(e)).join(',\r\n')}`;
  const raw = typeof events === 'string' ? body : `[${body}]\r\n`;
  const p1363 = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, enc.encode(`${ts}${raw}`)),
  );
  const r = derInt(p1363.slice(0, 32));
  const s = derInt(p1363.slice(32));
  const der = Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
  return post('sendgrid', raw, {
    'X-Twilio-Email-Event-Webhook-Signature': b64(der),
    'X-Twilio-Email-Event-Webhook-Timestamp': String(ts),
  });
}
const sgEvent = (event: string, extra: Record<string, unknown> = {}) => ({
  email: 'rcpt@example.com',
  timestamp: NOW - 10,
  'smtp-id': '<abc@ismtpd.sendgrid.net>',
  sg_event_id: `ev-${event}`,
  sg_message_id: 'Msg14c5d75ce93.filter0001.16648.5515E0B88.0',
  event,
  ...extra,
});

describe('sendgrid', () => {
  it('verifies SendGrid’s own single-event vector and maps the dropped event', async () => {
    const v = sgVectors.find((x) => x.name === 'single_event');
    if (!v) throw new Error('vector');
    const { handle, got } = setup([sendgrid({ publicKey: v.public_key_spki_base64 })], {
      now: () => new Date(Number(v.headers['X-Twilio-Email-Event-Webhook-Timestamp']) * 1000),
    });
    const r = await answer(await handle(post('sendgrid', sgBody(v.body_file), v.headers)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    const raw = JSON.parse(sgBody(v.body_file).toString())[0];
    expect(got[0]).toMatchObject({
      eventType: 'rejected',
      espName: 'sendgrid',
      recipient: 'hello@world.com',
      messageId: 'LRzXl_NHStOGhQ4kofSm_A',
      eventId: await sgId(raw),
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(got[0]?.timestamp.toISOString()).toBe(new Date(1600112492000).toISOString());
    expect(got[0]?.rawEvent).toMatchObject({ sg_event_id: raw.sg_event_id });
  });

  it('verifies the multi-event vector: processed is queued, a blocked bounce not permanent', async () => {
    const v = sgVectors.find((x) => x.name === 'multi_event');
    if (!v) throw new Error('vector');
    const { handle, got } = setup([sendgrid({ publicKey: v.public_key_spki_base64 })], {
      now: () => new Date(Number(v.headers['X-Twilio-Email-Event-Webhook-Timestamp']) * 1000),
    });
    const r = await answer(await handle(post('sendgrid', sgBody(v.body_file), v.headers)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(got.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['queued', null, null],
      ['bounced', 'blocked', false],
    ]);
  });

  it.each(['single_event_wrong_key', 'single_event_bad_signature', 'single_event_bad_timestamp'])(
    'refuses the %s vector 403',
    async (name) => {
      const v = sgVectors.find((x) => x.name === name);
      if (!v) throw new Error('vector');
      const { handle, got } = setup([sendgrid({ publicKey: v.public_key_spki_base64 })], {
        now: () => new Date(1600112502 * 1000),
      });
      const res = await handle(post('sendgrid', sgBody(v.body_file), v.headers));
      expect(res.status).toBe(403);
      expect(got).toEqual([]);
    },
  );

  it('refuses a request with no signature header 403 signature-missing', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const r = await answer(
      await handle(
        post('sendgrid', '[]', { 'X-Twilio-Email-Event-Webhook-Timestamp': String(NOW) }),
      ),
    );
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('signature-missing');
  });

  it('refuses a delivery signed more than maxAgeSeconds (600) ago', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    expect((await handle(await sgReq([sgEvent('delivered')], NOW - 601))).status).toBe(403);
    expect((await handle(await sgReq([sgEvent('delivered')], NOW - 590))).status).toBe(200);
  });

  it('accepts a list of public keys (rotation)', async () => {
    const { handle } = setup([sendgrid({ publicKey: [SG_OTHER_PUBLIC, SG_PUBLIC] })], clock);
    expect((await handle(await sgReq([sgEvent('delivered')]))).status).toBe(200);
    const only = setup([sendgrid({ publicKey: SG_OTHER_PUBLIC })], clock);
    expect((await only.handle(await sgReq([sgEvent('delivered')]))).status).toBe(403);
  });

  it.each([
    ['processed', 'queued'],
    ['deferred', 'deferred'],
    ['delivered', 'delivered'],
    ['bounce', 'bounced'],
    ['dropped', 'rejected'],
    ['open', 'opened'],
    ['click', 'clicked'],
    ['spamreport', 'complained'],
    ['unsubscribe', 'unsubscribed'],
    ['group_unsubscribe', 'unsubscribed'],
    ['group_resubscribe', 'unknown'],
    ['brand_new_event', 'unknown'],
  ])('maps %s to %s', async (event, expected) => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const res = await handle(await sgReq([sgEvent(event)]));
    expect(res.status).toBe(200);
    expect(got.map((e) => e.eventType)).toEqual([expected]);
  });

  it.each([
    ['spamreport', 'spam'],
    ['unsubscribe', 'unsubscribed'],
    ['group_unsubscribe', 'unsubscribed'],
  ])('gives %s category %s and permanent null', async (event, category) => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    await handle(await sgReq([sgEvent(event)]));
    expect(got[0]).toMatchObject({ rejectCategory: category, permanent: null });
  });

  it.each([
    ['bounce', 'bounced', true],
    ['blocked', 'blocked', false],
  ])('gives a bounce of type %s category %s, permanent %s', async (type, category, permanent) => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    await handle(await sgReq([sgEvent('bounce', { type, reason: '550 no', status: '5.1.1' })]));
    expect(got[0]).toMatchObject({ eventType: 'bounced', rejectCategory: category, permanent });
  });

  it.each([
    ['Bounced Address', 'bounced', true],
    ['Invalid', 'invalid', true],
    ['Unsubscribed Address', 'unsubscribed', true],
    ['Expired', 'timed_out', false],
    ['Something SendGrid never said', 'other', false],
  ])('gives a drop for %s category %s, permanent %s', async (reason, category, permanent) => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    await handle(await sgReq([sgEvent('dropped', { reason })]));
    expect(got[0]).toMatchObject({ eventType: 'rejected', rejectCategory: category, permanent });
  });

  it('makes a drop for a previous spam report permanent', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    await handle(await sgReq([sgEvent('dropped', { reason: 'Spam Reporting Address' })]));
    expect(got[0]).toMatchObject({ eventType: 'rejected', permanent: true });
  });

  it('takes tags from an array category and metadata from the custom args only', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const e = json('sendgrid/anymail_setUpClass.json')[0];
    await handle(await sgReq([{ ...e, timestamp: NOW, n: 5 }]));
    expect(got[0]?.tags).toEqual(['tag1', 'tag2']);
    expect(got[0]?.metadata).toMatchObject({ custom1: 'value1', custom2: 'value2', n: '5' });
    for (const own of [
      'email',
      'event',
      'timestamp',
      'sg_event_id',
      'sg_message_id',
      'smtp-id',
      'category',
    ])
      expect(got[0]?.metadata).not.toHaveProperty(own);
    expect(got[0]?.messageId).toBe('wrfRRvF7Q0GgwUo2CvDmEA');
  });

  it('takes a string category as one tag', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const e = json('sendgrid/anymail_dropped_bounced.json')[0];
    await handle(await sgReq([{ ...e, timestamp: NOW }]));
    expect(got[0]?.tags).toEqual(['cat facts']);
    expect(got[0]?.metadata).toEqual({});
  });

  it('takes mtaResponse from response, clickUrl from url, userAgent from useragent', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const deferred = json('sendgrid/anymail_deferred_event.json')[0];
    const click = json('sendgrid/anymail_click_event.json')[0];
    const open = json('sendgrid/anymail_open_event.json')[0];
    await handle(await sgReq([deferred, click, open].map((e) => ({ ...e, timestamp: NOW }))));
    expect(got[0]).toMatchObject({
      eventType: 'deferred',
      mtaResponse: deferred.response,
      rejectCategory: null,
      permanent: null,
    });
    expect(got[0]?.metadata).not.toHaveProperty('attempt');
    expect(got[1]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'http://www.example.com',
      userAgent: click.useragent,
    });
    expect(got[1]?.metadata).not.toHaveProperty('url_offset');
    expect(got[2]).toMatchObject({
      eventType: 'opened',
      userAgent: open.useragent,
      clickUrl: null,
    });
  });

  it('digests sg_message_id, event, email, timestamp and url into the eventId', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const click = { ...json('sendgrid/anymail_click_event.json')[0], timestamp: NOW };
    const again = { ...click, sg_event_id: 'a-new-id-on-redelivery' };
    const other = { ...click, url: 'http://www.example.com/other' };
    await handle(await sgReq([click, again, other]));
    expect(got[0]?.eventId).toBe(await sgId(click));
    expect(got[0]?.eventId).toMatch(/^sendgrid:[0-9a-f]{32}$/);
    expect(got[1]?.eventId).toBe(got[0]?.eventId);
    expect(got[2]?.eventId).not.toBe(got[0]?.eventId);
    const delivered = { ...json('sendgrid/anymail_delivered_event.json')[0], timestamp: NOW };
    await handle(await sgReq([delivered]));
    expect(got[3]?.eventId).toBe(await sgId(delivered));
  });

  it('skips an element that is not an event and delivers the rest', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const r = await answer(await handle(await sgReq([42, sgEvent('delivered'), { hello: 'x' }])));
    expect(r.status).toBe(200);
    expect(got.map((e) => e.eventType)).toEqual(['delivered']);
  });

  it('answers a signed body that is not JSON 400', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    expect((await handle(await sgReq('[{"email":'))).status).toBe(400);
  });

  it('stops start-up naming MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY when it is missing', () => {
    expect(() => providersFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'sendgrid' })).toThrow(
      /MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY/,
    );
  });
});

// --------------------------------------------------------------------------------- Mailgun
const MG_KEY = 'key-0p6mqbf74lb20gzq9f4dhpn9rg3zyk26';
const MG_MINE = 'key-mine-3ax6xnjp29jd6fds4gc373sgvj';
async function mgSign(payload: Record<string, unknown>, key = MG_MINE, timestamp = String(NOW)) {
  const token = 'a'.repeat(50);
  const signature = hex(await hmac(enc.encode(key), `${timestamp}${token}`));
  return JSON.stringify({ ...payload, signature: { timestamp, token, signature } });
}
const mgFixture = (name: string) =>
  json(`mailgun/${name}.json`) as Record<string, unknown> & {
    'event-data': Record<string, unknown>;
  };
const mgWith = (data: Record<string, unknown>) => ({
  'event-data': {
    id: 'ev-1',
    timestamp: 1700000000.25,
    recipient: 'r@example.com',
    message: { headers: { 'message-id': 'abc@mg.example.com' } },
    ...data,
  },
});

describe('mailgun', () => {
  it.each([
    ['symfony_accepted', 'queued'],
    ['symfony_clicks', 'clicked'],
    ['symfony_delivered_messages', 'delivered'],
    ['symfony_opens', 'opened'],
    ['symfony_permanent_failure', 'bounced'],
    ['symfony_permanent_failure_no_description', 'bounced'],
    ['symfony_spam_complaints', 'complained'],
    ['symfony_suppression_failure', 'bounced'],
    ['symfony_temporary_failure', 'deferred'],
    ['symfony_unsubscribes', 'unsubscribed'],
  ])('verifies %s (signed by Mailgun) as %s', async (name, expected) => {
    const { handle, got } = setup([mailgun({ signingKey: MG_KEY })]);
    const r = await answer(await handle(post('mailgun', fixture(`mailgun/${name}.json`))));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(got.map((e) => e.eventType)).toEqual([expected]);
  });

  it('maps a permanent failure field by field', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_KEY })]);
    await handle(post('mailgun', fixture('mailgun/symfony_permanent_failure.json')));
    expect(got[0]).toMatchObject({
      espName: 'mailgun',
      recipient: 'alice@example.com',
      messageId: '20130503192659.13651.20287@app.symfony.com',
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
      tags: ['my_tag_1', 'my_tag_2'],
      metadata: { my_var_1: 'Mailgun Variable #1', 'my-var-2': 'awesome' },
      permanent: true,
      rejectCategory: 'bounced',
      mtaResponse: 'No Such User Here',
    });
    expect(got[0]?.timestamp.getTime()).toBe(1521233195375);
  });

  it('gives a suppress-bounce failure category bounced, permanent', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_KEY })]);
    await handle(post('mailgun', fixture('mailgun/symfony_suppression_failure.json')));
    expect(got[0]).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'bounced',
      permanent: true,
    });
  });

  it.each(['anymail_failed_temporary_event', 'anymail_failed_greylisted_event'])(
    'makes a temporary failure (%s) deferred with null category and permanent',
    async (name) => {
      const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
      expect((await handle(post('mailgun', fixture(`mailgun/${name}.json`)))).status).toBe(200);
      expect(got[0]).toMatchObject({
        eventType: 'deferred',
        rejectCategory: null,
        permanent: null,
      });
    },
  );

  it('maps an anymail permanent failure: mtaResponse from delivery-status.message', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    await handle(post('mailgun', fixture('mailgun/anymail_failed_permanent_event.json')));
    expect(got[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      permanent: true,
      rejectCategory: 'bounced',
      mtaResponse: expect.stringContaining('5.1.1 The email account'),
    });
  });

  it('takes userAgent from client-info, tags and string user-variables', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    await handle(post('mailgun', fixture('mailgun/anymail_opened_event.json')));
    expect(got[0]).toMatchObject({
      eventType: 'opened',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6)...',
      tags: ['welcome', 'variation-A'],
      metadata: { cohort: '2018-08-B', user_id: '123456' },
      messageId: '20180812213139.1.BC6694A917BB7E6A@example.org',
    });
    expect(got[0]?.timestamp.getTime()).toBe(1534109600089);
  });

  it('takes clickUrl from url, and digests the raw body when event-data has no id', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    const body = fixture('mailgun/anymail_clicked_event.json');
    await handle(post('mailgun', body));
    expect(got[0]).toMatchObject({ eventType: 'clicked', clickUrl: 'https://example.com/test' });
    expect(got[0]?.eventId).toBe(`mailgun:${(await sha256hex(body)).slice(0, 32)}`);
  });

  it.each([
    ['anymail_complained_event', 'complained', 'spam'],
    ['anymail_unsubscribed_event', 'unsubscribed', 'unsubscribed'],
  ])('gives %s category %s with permanent null', async (name, type, category) => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    await handle(post('mailgun', fixture(`mailgun/${name}.json`)));
    expect(got[0]).toMatchObject({ eventType: type, rejectCategory: category, permanent: null });
  });

  it('makes a sandbox rejection rejected, not permanent', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    const res = await handle(post('mailgun', fixture('mailgun/anymail_rejected_event.json')));
    expect(res.status).toBe(200);
    expect(got[0]).toMatchObject({
      eventType: 'rejected',
      permanent: false,
      rejectCategory: 'other',
    });
  });

  it('maps an event type it does not know to unknown', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_MINE })], clock);
    const res = await handle(post('mailgun', await mgSign(mgWith({ event: 'stored' }))));
    expect(res.status).toBe(200);
    expect(got[0]).toMatchObject({ eventType: 'unknown', rejectCategory: null, permanent: null });
  });

  it('keeps the message-id as sent, brackets or none', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_MINE })], clock);
    await handle(post('mailgun', await mgSign(mgWith({ event: 'delivered' }))));
    await handle(
      post(
        'mailgun',
        await mgSign(
          mgWith({ event: 'delivered', message: { headers: { 'message-id': '<x@y.example>' } } }),
        ),
      ),
    );
    expect(got.map((e) => e.messageId)).toEqual(['abc@mg.example.com', '<x@y.example>']);
    expect(got[0]?.timestamp.getTime()).toBe(1700000000250);
  });

  it('turns numeric user-variables into strings', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_MINE })], clock);
    await handle(
      post(
        'mailgun',
        await mgSign(mgWith({ event: 'delivered', 'user-variables': { n: 7, ok: true } })),
      ),
    );
    expect(got[0]?.metadata).toEqual({ n: '7', ok: 'true' });
  });

  it('refuses a signature made with another key 403', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'another-key' })]);
    const r = await answer(await handle(post('mailgun', fixture('mailgun/symfony_opens.json'))));
    expect(r.status).toBe(403);
    expect(r.body.error).not.toBe('signature-missing');
    expect(got).toEqual([]);
  });

  it('refuses a body without a signature block, or without its signature, 403 signature-missing', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_KEY })]);
    const payload = mgFixture('symfony_opens');
    const { signature: _sig, ...rest } = payload;
    const none = await answer(await handle(post('mailgun', JSON.stringify(rest))));
    expect(none).toMatchObject({ status: 403, body: { error: 'signature-missing' } });
    const sig = payload.signature as Record<string, string>;
    const partial = { ...payload, signature: { timestamp: sig.timestamp, token: sig.token } };
    const half = await answer(await handle(post('mailgun', JSON.stringify(partial))));
    expect(half).toMatchObject({ status: 403, body: { error: 'signature-missing' } });
  });

  it('refuses a signature block whose timestamp was changed 403', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_KEY })]);
    const payload = mgFixture('symfony_opens');
    const sig = payload.signature as Record<string, string>;
    const changed = {
      ...payload,
      signature: { ...sig, timestamp: String(Number(sig.timestamp) + 1) },
    };
    expect((await handle(post('mailgun', JSON.stringify(changed)))).status).toBe(403);
  });

  it('accepts a list of signing keys (rotation)', async () => {
    const { handle } = setup([mailgun({ signingKey: ['old-key', MG_KEY] })]);
    expect((await handle(post('mailgun', fixture('mailgun/symfony_opens.json')))).status).toBe(200);
  });

  it('checks the signature age only when maxAgeSeconds is set', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_MINE, maxAgeSeconds: 300 })], clock);
    const fresh = await mgSign(mgWith({ event: 'delivered' }), MG_MINE, String(NOW - 10));
    const stale = await mgSign(mgWith({ event: 'delivered' }), MG_MINE, String(NOW - 3600));
    expect((await handle(post('mailgun', fresh))).status).toBe(200);
    expect((await handle(post('mailgun', stale))).status).toBe(403);
    const off = setup([mailgun({ signingKey: MG_MINE })], clock);
    expect((await off.handle(post('mailgun', stale))).status).toBe(200);
  });

  it('reads MAIL_WEBHOOK_MAILGUN_SIGNING_KEY and its _PREVIOUS', async () => {
    const providers = providersFromEnv({
      MAIL_WEBHOOK_PROVIDERS: 'mailgun',
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: MG_MINE,
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY_PREVIOUS: MG_KEY,
    });
    const { handle } = setup(providers, clock);
    expect((await handle(post('mailgun', fixture('mailgun/symfony_opens.json')))).status).toBe(200);
    const mine = await mgSign(mgWith({ event: 'delivered' }));
    expect((await handle(post('mailgun', mine))).status).toBe(200);
  });

  it('stops start-up naming MAIL_WEBHOOK_MAILGUN_SIGNING_KEY when it is missing', () => {
    expect(() => providersFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'mailgun' })).toThrow(
      /MAIL_WEBHOOK_MAILGUN_SIGNING_KEY/,
    );
  });
});

// -------------------------------------------------------------------------------- Postmark
const basic = (user: string, pass: string) => ({
  authorization: `Basic ${b64(enc.encode(`${user}:${pass}`))}`,
});
const pmPost = (body: string, headers: Record<string, string> = basic('any', 'pw')) =>
  post('postmark', body, headers);
const pmBounce = (Type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...json('postmark/anymail_bounce_event.json'), Type, ...extra });
const digest = async (name: string, body: string) =>
  `${name}:${(await sha256hex(body)).slice(0, 32)}`;

describe('postmark', () => {
  it('challenges a request without credentials 401 with WWW-Authenticate: Basic', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const res = await handle(pmPost(fixture('postmark/symfony_delivery.json'), {}));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(got).toEqual([]);
  });

  it('refuses a wrong password 403 and accepts any user name with the right one', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, basic('x', 'nope')))).status).toBe(403);
    expect((await handle(pmPost(body, basic('whoever', 'pw')))).status).toBe(200);
    expect(got).toHaveLength(1);
  });

  it('checks the user name when username is set', async () => {
    const { handle } = setup([postmark({ username: 'hooks', password: 'pw' })]);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, basic('other', 'pw')))).status).toBe(403);
    expect((await handle(pmPost(body, basic('hooks', 'pw')))).status).toBe(200);
  });

  it('accepts a custom header: missing 401, wrong 403, right 200', async () => {
    const { handle } = setup([postmark({ header: 'X-Hook-Secret', value: 's3cret' })]);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, {}))).status).toBe(401);
    expect((await handle(pmPost(body, { 'X-Hook-Secret': 'nope' }))).status).toBe(403);
    expect((await handle(pmPost(body, { 'x-hook-secret': 's3cret' }))).status).toBe(200);
  });

  it('accepts either kind when both are configured, and any of a list of passwords', async () => {
    const { handle } = setup([
      postmark({ password: ['old', 'new'], header: 'X-Hook-Secret', value: 's3cret' }),
    ]);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, { 'X-Hook-Secret': 's3cret' }))).status).toBe(200);
    expect((await handle(pmPost(body, basic('u', 'old')))).status).toBe(200);
    expect((await handle(pmPost(body, basic('u', 'new')))).status).toBe(200);
    expect((await handle(pmPost(body, basic('u', 'neither')))).status).toBe(403);
  });

  it('maps a Delivery: Recipient, MessageID, DeliveredAt, [Tag], Metadata, Details, digest id', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const body = fixture('postmark/anymail_delivered_event.json');
    const r = await answer(await handle(pmPost(body)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(got[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'postmark',
      recipient: 'recipient@example.com',
      messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      tags: ['welcome-email'],
      metadata: { cohort: '2014-08-A', userid: '12345' },
      mtaResponse: 'Test delivery webhook details',
      rejectCategory: null,
      permanent: null,
      eventId: await digest('postmark', body),
    });
    expect(got[0]?.timestamp.toISOString()).toBe('2014-08-01T17:28:10.273Z');
  });

  it('maps an Open (UserAgent, ReceivedAt) and a Click (OriginalLink)', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    await handle(pmPost(fixture('postmark/anymail_open_event.json')));
    await handle(pmPost(fixture('postmark/anymail_click_event.json')));
    expect(got[0]).toMatchObject({
      eventType: 'opened',
      userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
      tags: [],
    });
    expect(got[0]?.timestamp.toISOString()).toBe('2016-04-27T20:21:41.249Z');
    expect(got[1]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://example.com/click/me',
      recipient: 'recipient@example.com',
      tags: ['welcome-email'],
    });
  });

  it('maps a HardBounce: Email, ID as eventId, BouncedAt, Description, Details', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    await handle(pmPost(fixture('postmark/anymail_bounce_event.json')));
    expect(got[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      messageId: '2706ee8a-737c-4285-b032-ccd317af53ed',
      eventId: '901542550',
      description:
        'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
      mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      permanent: true,
      rejectCategory: 'bounced',
    });
    expect(got[0]?.timestamp.toISOString()).toBe('2016-04-27T20:28:50.396Z');
  });

  it.each([
    ['SoftBounce', 'bounced', 'bounced', false],
    ['Transient', 'deferred', null, null],
    ['DnsError', 'deferred', null, null],
    ['OpenRelayTest', 'deferred', null, null],
    ['BadEmailAddress', 'rejected', 'invalid', true],
    ['Blocked', 'rejected', 'blocked', false],
    ['DMARCPolicy', 'rejected', 'blocked', false],
    ['SpamNotification', 'complained', 'spam', null],
    ['VirusNotification', 'bounced', 'other', false],
    ['SMTPApiError', 'failed', 'other', false],
    ['AutoResponder', 'unknown', null, null],
    ['Unsubscribe', 'unsubscribed', 'unsubscribed', null],
  ])(
    'maps bounce Type %s to %s, category %s, permanent %s',
    async (type, event, category, permanent) => {
      const { handle, got } = setup([postmark({ password: 'pw' })]);
      const res = await handle(pmPost(pmBounce(type)));
      expect(res.status).toBe(200);
      expect(got[0]).toMatchObject({ eventType: event, rejectCategory: category, permanent });
    },
  );

  it('maps a SpamComplaint with its ID as eventId', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    await handle(pmPost(fixture('postmark/symfony_spam_complaint.json')));
    expect(got[0]).toMatchObject({
      eventType: 'complained',
      eventId: '42',
      recipient: 'john@example.com',
      rejectCategory: 'spam',
      permanent: null,
      tags: ['Test'],
      metadata: { example: 'value', example_2: 'value' },
    });
  });

  it.each([
    ['anymail_unsubscribe', 'unsubscribed', 'unsubscribed', null],
    ['anymail_subscription_change_bounce', 'bounced', 'bounced', true],
    ['anymail_resubscribe', 'unknown', null, null],
    ['docs_subscription_change_reactivation', 'unknown', null, null],
  ])(
    'maps SubscriptionChange %s to %s (category %s, permanent %s)',
    async (name, event, category, permanent) => {
      const { handle, got } = setup([postmark({ password: 'pw' })]);
      const body = fixture(`postmark/${name}.json`);
      expect((await handle(pmPost(body))).status).toBe(200);
      expect(got[0]).toMatchObject({ eventType: event, rejectCategory: category, permanent });
      expect(got[0]?.eventId).toBe(await digest('postmark', body));
      expect(got[0]?.timestamp.toISOString()).toMatch(/^20(22-06-05T17:17:32|20-02-01T10:53:34)/);
    },
  );

  it('maps a SubscriptionChange for a spam complaint to complained', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const body = JSON.stringify({
      ...json('postmark/anymail_unsubscribe.json'),
      SuppressionReason: 'SpamComplaint',
    });
    await handle(pmPost(body));
    expect(got[0]).toMatchObject({
      eventType: 'complained',
      rejectCategory: 'spam',
      permanent: null,
    });
  });

  it('gives no tags for an empty or null Tag', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    await handle(pmPost(JSON.stringify({ ...json('postmark/symfony_delivery.json'), Tag: '' })));
    await handle(pmPost(fixture('postmark/docs_subscription_change_manual.json')));
    expect(got.map((e) => e.tags)).toEqual([[], []]);
    expect(got[1]).toMatchObject({
      eventType: 'unsubscribed',
      recipient: 'bounced-address@wildbit.com',
    });
  });

  it('maps an unknown RecordType to unknown', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const body = JSON.stringify({
      ...json('postmark/symfony_delivery.json'),
      RecordType: 'NewThing',
    });
    expect((await handle(pmPost(body))).status).toBe(200);
    expect(got[0]?.eventType).toBe('unknown');
  });

  it('answers an authenticated body that is not JSON 400', async () => {
    const { handle } = setup([postmark({ password: 'pw' })]);
    expect((await handle(pmPost('{"RecordType":'))).status).toBe(400);
  });

  it('refuses postmark() with no credential setting, naming the settings', () => {
    const make = () =>
      createMailWebhookHandler({ providers: [postmark({} as never)], logger: silent });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/password/);
  });

  it('stops start-up naming a Postmark variable when none is set', () => {
    expect(() => providersFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'postmark' })).toThrow(
      /MAIL_WEBHOOK_POSTMARK_PASSWORD/,
    );
  });
});

// ------------------------------------------------------------------------ edges, all four
describe('edges', () => {
  it('accepts a Standard Webhooks timestamp exactly 5 minutes ahead or behind', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    expect((await handle(await resendReq(body, { ts: NOW + 300 }))).status).toBe(200);
    expect((await handle(await resendReq(body, { ts: NOW - 300 }))).status).toBe(200);
  });

  it('refuses a Resend request missing svix-timestamp or with a non-numeric one 403', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    const sig = await svix(SECRET, 'msg_1', NOW, body);
    const noTs = await handle(post('resend', body, { 'svix-id': 'msg_1', 'svix-signature': sig }));
    expect(noTs.status).toBe(403);
    const bad = await handle(
      post('resend', body, { 'svix-id': 'msg_1', 'svix-timestamp': 'soon', 'svix-signature': sig }),
    );
    expect(bad.status).toBe(403);
  });

  it('digests the raw body for the eventId when Resend sends no id (verification off)', async () => {
    const { handle, got } = setup([resend({ secret: SECRET, verifySignature: false })], clock);
    const body = resendEvent('email.delivered');
    await handle(post('resend', body));
    expect(got[0]?.eventId).toBe(await digest('resend', body));
  });

  it('gives a Resend bounce without type/subType no "undefined" reason, not permanent', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(fixture('resend/anymail_hard_bounced_event.json')));
    expect(got[0]).toMatchObject({
      eventType: 'bounced',
      permanent: false,
      rejectCategory: 'bounced',
    });
    expect(String(got[0]?.rejectReason)).not.toContain('undefined');
    expect(got[0]?.description).toContain('hard bounce message');
  });

  it('turns non-string Resend tag values into strings, true into the bare name', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(resendEvent('email.sent', { tags: { n: 5, flag: true } })));
    expect(got[0]?.tags).toEqual(['n:5', 'flag']);
  });

  it('refuses a Resend event whose created_at is not a calendar date 400 naming it', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = JSON.stringify({
      ...JSON.parse(resendEvent('email.sent')),
      created_at: '2026-02-30T00:00:00Z',
    });
    const r = await answer(await handle(await resendReq(body)));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('created_at');
  });

  it('refuses a Postmark DeliveredAt at T24:00 400 naming it', async () => {
    const { handle } = setup([postmark({ password: 'pw' })]);
    const body = JSON.stringify({
      ...json('postmark/symfony_delivery.json'),
      DeliveredAt: '2022-09-02T24:00:00Z',
    });
    const r = await answer(await handle(pmPost(body)));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('DeliveredAt');
  });

  it('refuses a Mailgun timestamp that is not a number 400 naming it', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_MINE })], clock);
    const r = await answer(
      await handle(
        post('mailgun', await mgSign(mgWith({ event: 'delivered', timestamp: 'yesterday' }))),
      ),
    );
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('timestamp');
  });

  it('counts only the delivered elements of a SendGrid batch and logs the skipped one', async () => {
    const warned: unknown[] = [];
    const logger = { ...silent, warn: (...a: unknown[]) => void warned.push(a) };
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], { ...clock, logger });
    const r = await answer(await handle(await sgReq([sgEvent('delivered'), 'nonsense'])));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(warned.length).toBeGreaterThan(0);
  });

  it('answers a signed empty SendGrid batch 200 with no events', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    expect(await answer(await handle(await sgReq([])))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
  });

  it('answers a signed SendGrid body that is an object, not an array, 400', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const res = await handle(await sgReq(JSON.stringify(sgEvent('delivered'))));
    expect(res.status).toBe(400);
    expect(got).toEqual([]);
  });

  it('refuses a SendGrid signature without its timestamp header 403', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const req = await sgReq([sgEvent('delivered')]);
    const headers = Object.fromEntries(req.headers);
    delete headers['x-twilio-email-event-webhook-timestamp'];
    expect((await handle(post('sendgrid', await req.text(), headers))).status).toBe(403);
  });

  it('accepts unsigned SendGrid and Mailgun bodies with verifySignature: false', async () => {
    const { handle, got } = setup(
      [
        sendgrid({ publicKey: SG_PUBLIC, verifySignature: false }),
        mailgun({ signingKey: 'k', verifySignature: false }),
      ],
      clock,
    );
    expect((await handle(post('sendgrid', JSON.stringify([sgEvent('open')])))).status).toBe(200);
    expect(
      (await handle(post('mailgun', JSON.stringify(mgWith({ event: 'opened' }))))).status,
    ).toBe(200);
    expect(got.map((e) => e.eventType)).toEqual(['opened', 'opened']);
  });

  it('refuses a Mailgun body whose event-data is missing 400 naming it', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_MINE })], clock);
    const r = await answer(await handle(post('mailgun', await mgSign({}))));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('event-data');
  });

  it('refuses a Mailgun signature block of the wrong types 403, never 500', async () => {
    const { handle } = setup([mailgun({ signingKey: MG_MINE })], clock);
    for (const signature of [{ timestamp: 1, token: 2, signature: 3 }, 'x', null, []]) {
      const body = JSON.stringify({ ...mgWith({ event: 'delivered' }), signature });
      const res = await handle(post('mailgun', body));
      expect(res.status).toBe(403);
    }
  });

  it('turns nested Mailgun user-variables into strings', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_MINE })], clock);
    await handle(
      post(
        'mailgun',
        await mgSign(mgWith({ event: 'delivered', 'user-variables': { o: { a: 1 } } })),
      ),
    );
    expect(typeof got[0]?.metadata.o).toBe('string');
  });

  it('takes a Mailgun rejected event’s recipient from its To header when recipient is absent', async () => {
    const { handle, got } = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    await handle(post('mailgun', fixture('mailgun/anymail_rejected_event.json')));
    expect(got[0]?.recipient).toBe('recipient@example.org');
  });

  it('splits a Basic password at the first colon only', async () => {
    const { handle } = setup([postmark({ password: 'pa:ss' })]);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, basic('u', 'pa:ss')))).status).toBe(200);
    expect((await handle(pmPost(body, { authorization: 'basic dTpwYTpzcw==' }))).status).toBe(200);
  });

  it('refuses malformed Basic credentials 4xx, never 500', async () => {
    const { handle } = setup([postmark({ password: 'pw' })]);
    const body = fixture('postmark/symfony_delivery.json');
    for (const authorization of ['Basic', 'Basic !!!', 'Basic bm9jb2xvbg==', 'Bearer pw']) {
      const res = await handle(pmPost(body, { authorization }));
      expect([401, 403]).toContain(res.status);
    }
  });

  it('challenges with Basic when a password and a header are configured and neither sent', async () => {
    const { handle } = setup([
      postmark({ password: 'pw', header: 'X-Hook-Secret', value: 's3cret' }),
    ]);
    const res = await handle(pmPost(fixture('postmark/symfony_delivery.json'), {}));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('checks Postmark credentials before reading the body', async () => {
    const { handle } = setup([postmark({ password: 'pw' })], { bodyTimeoutMs: 3000 });
    const never = new ReadableStream({ start() {} });
    const req = new Request('https://hooks.example.com/webhooks/mail/postmark', {
      method: 'POST',
      body: never,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect((await handle(req)).status).toBe(401);
  });

  it('never echoes a configured secret in a refusal', async () => {
    const { handle } = setup([
      postmark({ password: 'hunter2-secret' }),
      mailgun({ signingKey: 'mg-secret-key' }),
    ]);
    const pm = await handle(pmPost(fixture('postmark/symfony_delivery.json'), basic('u', 'wrong')));
    const mg = await handle(post('mailgun', fixture('mailgun/symfony_opens.json')));
    expect(await pm.text()).not.toContain('hunter2');
    expect(await mg.text()).not.toContain('mg-secret-key');
  });

  it('gives no event for Postmark inbound mail posted to the tracking URL', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    const inbound = JSON.stringify({
      FromFull: { Email: 'someone@example.com', Name: 'S' },
      To: 'inbox@example.net',
      MessageID: '22c74902-a0c1-4511-804f-341342852c90',
      Subject: 'hi',
      TextBody: 'hello',
    });
    const r = await answer(await handle(pmPost(inbound)));
    expect(r).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(got).toEqual([]);
  });

  it.each([
    ['Unconfirmed', 'rejected', 'other'],
    ['ManuallyDeactivated', 'rejected', 'blocked'],
    ['TemplateRenderingFailed', 'failed', 'other'],
    ['SpamComplaint', 'complained', 'spam'],
    ['ChallengeVerification', 'unknown', null],
    ['AddressChange', 'unknown', null],
    ['Subscribe', 'unknown', null],
    ['Unknown', 'unknown', null],
  ])('maps bounce Type %s to %s, category %s', async (type, event, category) => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    expect((await handle(pmPost(pmBounce(type)))).status).toBe(200);
    expect(got[0]).toMatchObject({ eventType: event, rejectCategory: category });
  });

  it('turns numeric Postmark Metadata values into strings', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    await handle(
      pmPost(JSON.stringify({ ...json('postmark/symfony_delivery.json'), Metadata: { n: 3 } })),
    );
    expect(got[0]?.metadata).toEqual({ n: '3' });
  });

  it('refuses a misspelt provider option with a ConfigError naming the closest one', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [resend({ secret: SECRET, verifySignatures: false } as never)],
        logger: silent,
      }),
    ).toThrow(/verifySignature/);
    expect(() =>
      createMailWebhookHandler({
        providers: [sendgrid({ publicKey: SG_PUBLIC, maxAgeSecond: 5 } as never)],
        logger: silent,
      }),
    ).toThrow(/maxAgeSeconds/);
  });

  it('refuses two providers on the same path with a ConfigError', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [resend({ secret: SECRET }), resend({ secret: OTHER })],
        logger: silent,
      }),
    ).toThrow(ConfigError);
  });

  it('refuses a bad MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS naming it', () => {
    expect(() =>
      providersFromEnv({
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: SECRET,
        MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS: 'soon',
      }),
    ).toThrow(/MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS/);
  });

  it('refuses a SendGrid public key that is not base64 SPKI naming the variable', () => {
    expect(() =>
      providersFromEnv({
        MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: 'not a key!',
      }),
    ).toThrow(/MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY/);
  });

  it('refuses a Resend secret that is not whsec_ base64 naming the variable', () => {
    expect(() =>
      providersFromEnv({
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: 'whsec_!!!',
      }),
    ).toThrow(/MAIL_WEBHOOK_RESEND_SECRET/);
  });
});

describe('edges, second pass', () => {
  it('verifies Resend over the raw bytes: a BOM-prefixed body is not a forgery', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const text = resendEvent('email.sent');
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(text)]);
    const key = Buffer.from(SECRET.slice(6), 'base64');
    const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const msg = new Uint8Array([...enc.encode(`msg_bom.${NOW}.`), ...bytes]);
    const sig = `v1,${b64(await crypto.subtle.sign('HMAC', k, msg))}`;
    const res = await handle(
      post('resend', bytes, {
        'svix-id': 'msg_bom',
        'svix-timestamp': String(NOW),
        'svix-signature': sig,
      }),
    );
    expect(await answer(res)).toEqual({ status: 200, body: { ok: true, events: 1 } });
  });

  it('keeps non-ASCII custom args intact through the SendGrid signature', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const r = await answer(await handle(await sgReq([sgEvent('delivered', { who: 'Zoë 🎉' })])));
    expect(r.status).toBe(200);
    expect(got[0]?.metadata).toEqual({ who: 'Zoë 🎉' });
  });

  it('leaves SendGrid’s newer own fields out of metadata', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    await handle(
      await sgReq([
        sgEvent('open', {
          sg_machine_open: false,
          sg_template_id: 'd-1',
          sg_template_name: 'welcome',
          ip: '1.2.3.4',
          useragent: 'UA',
          tls: 1,
          pool: { name: 'p', id: 1 },
          asm_group_id: 3,
          marketing_campaign_id: 9,
        }),
        sgEvent('bounce', {
          bounce_classification: 'Invalid Address',
          type: 'bounce',
          reason: 'x',
          status: '5.1.1',
        }),
      ]),
    );
    expect(got[0]?.metadata).toEqual({});
    expect(got[1]?.metadata).toEqual({});
  });

  it('keeps a SendGrid element as its rawEvent', async () => {
    const { handle, got } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    const a = sgEvent('delivered');
    const b = sgEvent('open', { email: 'b@example.com' });
    await handle(await sgReq([a, b]));
    expect(got.map((e) => e.rawEvent)).toEqual([a, b]);
  });

  it('gives every non-failure null category and permanent, for each ESP', async () => {
    const { handle, got } = setup(
      [
        mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' }),
        postmark({ password: 'pw' }),
        sendgrid({ publicKey: SG_PUBLIC }),
      ],
      clock,
    );
    await handle(post('mailgun', fixture('mailgun/anymail_delivered_event.json')));
    await handle(post('mailgun', fixture('mailgun/anymail_opened_event.json')));
    await handle(pmPost(fixture('postmark/symfony_open.json')));
    await handle(pmPost(fixture('postmark/symfony_link_click.json')));
    await handle(
      await sgReq([
        sgEvent('processed'),
        sgEvent('delivered', { response: '250 ok' }),
        sgEvent('click', { url: 'https://x.example' }),
      ]),
    );
    expect(got).toHaveLength(7);
    for (const e of got)
      expect([e.eventType, e.rejectCategory, e.permanent]).toEqual([e.eventType, null, null]);
  });

  it('accepts svix signatures separated by several spaces', async () => {
    const { handle } = setup([resend({ secret: SECRET })], clock);
    const body = resendEvent('email.sent');
    const good = await svix(SECRET, 'msg_1', NOW, body);
    const sig = `v1,${b64(new Uint8Array(32))}   ${good}`;
    const res = await handle(
      post('resend', body, {
        'svix-id': 'msg_1',
        'svix-timestamp': String(NOW),
        'svix-signature': sig,
      }),
    );
    expect(res.status).toBe(200);
  });

  it('refuses a SendGrid timestamp an hour in the future 403', async () => {
    const { handle } = setup([sendgrid({ publicKey: SG_PUBLIC })], clock);
    expect((await handle(await sgReq([sgEvent('delivered')], NOW + 3600))).status).toBe(403);
  });

  it('reads the Postmark header settings and rotation from variables', async () => {
    const providers = providersFromEnv({
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Hook-Secret',
      MAIL_WEBHOOK_POSTMARK_VALUE: 'new',
      MAIL_WEBHOOK_POSTMARK_VALUE_PREVIOUS: 'old',
    });
    const { handle } = setup(providers);
    const body = fixture('postmark/symfony_delivery.json');
    expect((await handle(pmPost(body, { 'X-Hook-Secret': 'new' }))).status).toBe(200);
    expect((await handle(pmPost(body, { 'X-Hook-Secret': 'old' }))).status).toBe(200);
    expect((await handle(pmPost(body, { 'X-Hook-Secret': 'other' }))).status).toBe(403);
  });

  it('refuses a Postmark header without its value, naming MAIL_WEBHOOK_POSTMARK_VALUE', () => {
    expect(() =>
      providersFromEnv({
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Hook-Secret',
      }),
    ).toThrow(/MAIL_WEBHOOK_POSTMARK_VALUE/);
  });

  it('refuses postmark({ username }) without a password', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [postmark({ username: 'u' } as never)],
        logger: silent,
      }),
    ).toThrow(ConfigError);
  });

  it('refuses a Resend event with no data.to 400 naming it, and takes a lone string as one', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    for (const to of [[], undefined]) {
      const r = await answer(await handle(await resendReq(resendEvent('email.delivered', { to }))));
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain('data.to');
    }
    const one = await handle(
      await resendReq(resendEvent('email.delivered', { to: 'single@example.com' })),
    );
    expect(one.status).toBe(200);
    expect(got.map((e) => e.recipient)).toEqual(['single@example.com']);
  });
});

describe('vectors and shared handlers', () => {
  it.each([
    ['svix_sign_reference', 200],
    ['svix_multiple_signatures_one_valid', 200],
    ['svix_wrong_version_prefix', 403],
    ['svix_tampered_body', 403],
  ])('judges the %s vector %s', async (name, status) => {
    const v = json('resend/vectors/vectors.json').vectors.find(
      (x: { name: string }) => x.name === name,
    );
    const { handle, got } = setup([resend({ secret: v.secret })], {
      now: () => new Date(Number(v.headers['svix-timestamp']) * 1000),
    });
    const res = await handle(post('resend', v.body, v.headers));
    expect(res.status).toBe(status);
    // {"test": ...} is no Resend event: verified, then nothing to deliver.
    expect(got).toEqual([]);
  });

  it('accepts every Mailgun fixture through one handler, blocks shared between payloads included', async () => {
    const { handle, got } = setup([mailgun({ signingKey: MG_KEY })]);
    const names = [
      'symfony_accepted',
      'symfony_clicks',
      'symfony_permanent_failure',
      'symfony_permanent_failure_no_description',
      'symfony_suppression_failure',
    ];
    for (const name of names) {
      expect((await handle(post('mailgun', fixture(`mailgun/${name}.json`)))).status).toBe(200);
    }
    const anymail = setup([mailgun({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' })]);
    for (const name of [
      'anymail_opened_event',
      'anymail_clicked_event',
      'anymail_failed_temporary_event',
      'anymail_failed_greylisted_event',
    ]) {
      expect((await anymail.handle(post('mailgun', fixture(`mailgun/${name}.json`)))).status).toBe(
        200,
      );
    }
    expect(got).toHaveLength(5);
    expect(anymail.got).toHaveLength(4);
  });

  it('challenges a Postmark bearer token 401 with WWW-Authenticate: Bearer', async () => {
    const { handle } = setup([postmark({ token: 'tok' })]);
    const body = fixture('postmark/symfony_delivery.json');
    const missing = await handle(pmPost(body, {}));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await handle(pmPost(body, { authorization: 'Bearer nope' }))).status).toBe(403);
    expect((await handle(pmPost(body, { authorization: 'Bearer tok' }))).status).toBe(200);
  });

  it('reports Postmark’s unsubscribe-variant bounce (no Email) as unsubscribed with its ID', async () => {
    const { handle, got } = setup([postmark({ password: 'pw' })]);
    expect(
      (await handle(pmPost(fixture('postmark/anymail_bounce_unsubscribe_variant.json')))).status,
    ).toBe(200);
    expect(got[0]).toMatchObject({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      eventId: '555555555',
      tags: [],
    });
  });

  it('reads metadata from Resend’s X-Metadata header as anymail sends it', async () => {
    const { handle, got } = setup([resend({ secret: SECRET })], clock);
    await handle(await resendReq(fixture('resend/anymail_sent_event.json')));
    expect(got[0]?.metadata).toEqual({ cohort: '2018-08-B', user_id: '123456' });
  });
});
