// Blind round 25, area D: DESIGN's second-wave table (and the paragraphs after it) and esps.md's
// sections for those ESPs, asserted as a user sees them: status, reason, the events a sink got.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createSign,
  sign as edSign,
  generateKeyPairSync,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import {
  brevo,
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  loops,
  mailersend,
  mailjet,
  mailpace,
  mailtrap,
  mandrill,
  postal,
  scaleway,
  sesEventBridge,
  sparkpost,
  unisenderGo,
} from '../../src/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const text = (file: string): string => readFileSync(new URL(`esps/${file}`, FIXTURES), 'utf8');
// A certificate PEM, standing in for Scaleway's trust chain (there is no copy of the real one).
const ANCHOR_PEM = readFileSync(
  new URL(
    'sns-real/aws-sdk-js-v3/SimpleNotificationService-b95095beb82e8f6a046b3aafc7f4149a.pem',
    FIXTURES,
  ),
  'utf8',
);
const json = (file: string): unknown => JSON.parse(text(file));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const basic = (user: string, password: string): string => `Basic ${btoa(`${user}:${password}`)}`;
const hmacHex = (key: string, body: string): string =>
  createHmac('sha256', key).update(body).digest('hex');

type Provider = ReturnType<typeof brevo>;
interface Sent {
  status: number;
  body: Record<string, unknown> | null;
  headers: Headers;
  events: EmailTrackingContext[];
  logs: string[];
}

/** One request through a fresh handler with `provider`, a sink that keeps what it receives. */
async function send(
  provider: Provider,
  body: string | null,
  headers: Record<string, string> = {},
  init: { path?: string; method?: string; now?: Date; fetch?: typeof fetch } = {},
): Promise<Sent> {
  const events: EmailTrackingContext[] = [];
  const logs: string[] = [];
  const log = (level: string) => (message: unknown, fields?: unknown) =>
    logs.push(`${level} ${String(message)} ${JSON.stringify(fields ?? {})}`);
  const handle = createMailWebhookHandler({
    providers: [provider],
    sinks: [{ name: 'keep', send: async (batch) => void events.push(...batch) }],
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    ...(init.now ? { now: () => init.now as Date } : {}),
    ...(init.fetch ? { fetch: init.fetch } : {}),
  });
  const method = init.method ?? 'POST';
  const response = await handle(
    new Request(`https://hooks.example.com/webhooks/mail/${init.path ?? ''}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? null : body,
    }),
  );
  const raw = method === 'HEAD' ? '' : await response.text();
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = raw ? JSON.parse(raw) : null;
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers, events, logs };
}

const reason = (sent: Sent): string => JSON.stringify(sent.body);
const digestId = (name: string) => new RegExp(`^${name}:[0-9a-f]{32}$`);

// ---------------------------------------------------------------------------------------------
describe('sesEventBridge (ses-eventbridge)', () => {
  const bounce = text('amazon_ses_eventbridge/constructed_Bounce.json');
  const path = 'ses-eventbridge';
  const bearer = { authorization: 'Bearer eb-token' };

  it('needs a shared secret: none configured is a ConfigError', () => {
    expect(() => createMailWebhookHandler({ providers: [sesEventBridge({})] })).toThrow(
      ConfigError,
    );
  });

  it('answers 401 with a Bearer challenge when the token is missing', async () => {
    const r = await send(sesEventBridge({ token: 'eb-token' }), bounce, {}, { path });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/i);
    expect(r.events).toEqual([]);
  });

  it('answers 401 with a Basic challenge when the password is missing', async () => {
    const r = await send(sesEventBridge({ password: 'pw' }), bounce, {}, { path });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic/i);
  });

  it('answers 403 for a wrong token', async () => {
    const r = await send(
      sesEventBridge({ token: 'eb-token' }),
      bounce,
      { authorization: 'Bearer nope' },
      { path },
    );
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('turns a bounce into one normalized context with the EventBridge id as eventId', async () => {
    const r = await send(sesEventBridge({ token: 'eb-token' }), bounce, bearer, { path });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, events: 1 });
    expect(r.events).toHaveLength(1);
    const [e] = r.events;
    expect(e).toMatchObject({
      eventType: 'bounced',
      espName: 'ses-eventbridge',
      recipient: 'recipient@example.com',
      messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      eventId: '00000000-0000-4000-8000-000000000000',
      rejectReason: 'Permanent/General',
      rejectCategory: 'bounced',
      permanent: true,
      description: 'smtp; 550 5.1.1 user unknown',
    });
    expect(e?.timestamp.toISOString()).toBe('2017-08-05T00:41:02.669Z');
  });

  it('refuses another source with 403 and delivers nothing', async () => {
    const forged = JSON.parse(bounce);
    forged.source = 'aws.sns';
    const r = await send(sesEventBridge({ token: 'eb-token' }), JSON.stringify(forged), bearer, {
      path,
    });
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('refuses an account outside `accounts` with 403, accepts one inside', async () => {
    const outside = await send(
      sesEventBridge({ token: 'eb-token', accounts: ['111111111111'] }),
      bounce,
      bearer,
      { path },
    );
    expect(outside.status).toBe(403);
    expect(outside.events).toEqual([]);
    const inside = await send(
      sesEventBridge({ token: 'eb-token', accounts: ['111111111111', '123456789012'] }),
      bounce,
      bearer,
      { path },
    );
    expect(inside.status).toBe(200);
  });

  it('accepts any one of several configured kinds (Basic matches, no bearer sent)', async () => {
    const r = await send(
      sesEventBridge({ token: 'eb-token', password: 'pw' }),
      bounce,
      { authorization: basic('anyone', 'pw') },
      { path },
    );
    expect(r.status).toBe(200);
  });

  it('accepts the second of two rotated tokens', async () => {
    const r = await send(sesEventBridge({ token: ['old', 'eb-token'] }), bounce, bearer, { path });
    expect(r.status).toBe(200);
  });

  it('checks the user name only when `username` is set', async () => {
    const wrongUser = await send(
      sesEventBridge({ password: 'pw', username: 'aws' }),
      bounce,
      { authorization: basic('other', 'pw') },
      { path },
    );
    expect(wrongUser.status).toBe(403);
    const right = await send(
      sesEventBridge({ password: 'pw', username: 'aws' }),
      bounce,
      { authorization: basic('aws', 'pw') },
      { path },
    );
    expect(right.status).toBe(200);
  });

  it('takes a custom header + value: missing 401, wrong 403, right 200', async () => {
    const p = () => sesEventBridge({ header: 'X-Api-Key', value: 'k1' });
    expect((await send(p(), bounce, {}, { path })).status).toBe(401);
    expect((await send(p(), bounce, { 'x-api-key': 'k2' }, { path })).status).toBe(403);
    expect((await send(p(), bounce, { 'x-api-key': 'k1' }, { path })).status).toBe(200);
  });

  it('maps Subscription with unsubscribeAll to unsubscribed, Open/Click with their fields', async () => {
    const p = () => sesEventBridge({ token: 'eb-token' });
    const sub = await send(
      p(),
      text('amazon_ses_eventbridge/constructed_Subscription.json'),
      bearer,
      {
        path,
      },
    );
    expect(sub.events[0]).toMatchObject({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
    });
    const click = await send(p(), text('amazon_ses_eventbridge/constructed_Click.json'), bearer, {
      path,
    });
    expect(click.events[0]?.eventType).toBe('clicked');
    expect(click.events[0]?.clickUrl).toMatch(/^https?:\/\//);
    const delay = await send(
      p(),
      text('amazon_ses_eventbridge/constructed_DeliveryDelay.json'),
      bearer,
      { path },
    );
    expect(delay.events[0]).toMatchObject({ eventType: 'deferred', rejectCategory: null });
  });

  it('answers 400 naming `mail` for a detail that claims a type but has no mail', async () => {
    const broken = JSON.parse(bounce);
    delete broken.detail.mail;
    const r = await send(sesEventBridge({ token: 'eb-token' }), JSON.stringify(broken), bearer, {
      path,
    });
    expect(r.status).toBe(400);
    expect(reason(r)).toMatch(/mail/);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const r = await send(sesEventBridge({ token: 'eb-token' }), '{nope', bearer, { path });
    expect(r.status).toBe(400);
  });

  it('answers 405 to GET on its route', async () => {
    const r = await send(sesEventBridge({ token: 'eb-token' }), null, bearer, {
      path,
      method: 'GET',
    });
    expect(r.status).toBe(405);
  });
});

// ---------------------------------------------------------------------------------------------
describe('brevo', () => {
  const auth = { authorization: 'Bearer brevo-token' };
  const p = () => brevo({ token: 'brevo-token' });
  const path = 'brevo';

  it('needs a shared secret: none is a ConfigError', () => {
    expect(() => createMailWebhookHandler({ providers: [brevo({})] })).toThrow(ConfigError);
  });

  it('missing bearer 401 with challenge; wrong 403', async () => {
    const body = text('brevo/anymail_hard_bounce.json');
    const missing = await send(p(), body, {}, { path });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/i);
    expect((await send(p(), body, { authorization: 'Bearer x' }, { path })).status).toBe(403);
  });

  it('hard bounce: bounced, permanent, timestamp from ts_epoch, message id with brackets', async () => {
    const r = await send(p(), text('brevo/anymail_hard_bounce.json'), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      espName: 'brevo',
      recipient: 'not-a-user@example.com',
      messageId: '<201803011158.9876543210@smtp-relay.mailin.fr>',
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(1520363423000);
    expect(r.events[0]?.eventId).toMatch(digestId('brevo'));
  });

  it('reads ts_epoch (ms, UTC), not the account-timezone `date`', async () => {
    const r = await send(p(), text('brevo/symfony_hard_bounce.json'), auth, { path });
    expect(r.events[0]?.timestamp.getTime()).toBe(1685543827372);
  });

  it('a batched array gives one context per element, each with its own digest id', async () => {
    const a = json('brevo/anymail_delivered_event.json');
    const b = json('brevo/anymail_clicked_event.json');
    const r = await send(p(), JSON.stringify([a, b]), auth, { path });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, events: 2 });
    expect(r.events.map((e) => e.eventType)).toEqual(['delivered', 'clicked']);
    expect(r.events[1]?.clickUrl).toBe('https://example.com/click/me');
    expect(r.events[0]?.eventId).not.toBe(r.events[1]?.eventId);
  });

  it('request is queued with tags and X-Mailin-custom metadata', async () => {
    const r = await send(p(), text('brevo/anymail_sent_event.json'), auth, { path });
    expect(r.events[0]).toMatchObject({
      eventType: 'queued',
      tags: ['tag1', 'tag2'],
      metadata: { meta: 'data' },
      rejectCategory: null,
      permanent: null,
    });
  });

  it.each([
    ['anymail_soft_bounce_event.json', 'bounced'],
    ['anymail_blocked.json', 'rejected'],
    ['anymail_spam.json', 'complained'],
    ['anymail_complaint.json', 'complained'],
    ['anymail_deferred_event.json', 'deferred'],
    ['anymail_opened_event.json', 'opened'],
    ['anymail_unique_opened_event.json', 'opened'],
    ['anymail_proxy_open_event.json', 'opened'],
    ['anymail_unique_proxy_open_event.json', 'opened'],
    ['anymail_unsubscribe.json', 'unsubscribed'],
    ['symfony_unsubscribed.json', 'unsubscribed'],
    ['anymail_error_email.json', 'failed'],
    ['anymail_invalid_email.json', 'bounced'],
  ])('%s is %s', async (file, type) => {
    const r = await send(p(), text(`brevo/${file}`), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('fine print: complaint spam, invalid_email invalid + permanent, soft bounce not permanent', async () => {
    const spam = await send(p(), text('brevo/anymail_spam.json'), auth, { path });
    expect(spam.events[0]?.rejectCategory).toBe('spam');
    const invalid = await send(p(), text('brevo/anymail_invalid_email.json'), auth, { path });
    expect(invalid.events[0]).toMatchObject({ rejectCategory: 'invalid', permanent: true });
    const soft = await send(p(), text('brevo/anymail_soft_bounce_event.json'), auth, { path });
    expect(soft.events[0]?.permanent).toBe(false);
    const deferred = await send(p(), text('brevo/anymail_deferred_event.json'), auth, { path });
    expect(deferred.events[0]).toMatchObject({ rejectCategory: null, permanent: null });
  });

  it('an unrecognisable batch element is skipped, the rest delivered', async () => {
    const good = json('brevo/anymail_delivered_event.json');
    const r = await send(p(), JSON.stringify([42, good]), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.eventType)).toEqual(['delivered']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('mailjet', () => {
  const auth = { authorization: basic('mj', 'mj-pass') };
  const p = () => mailjet({ password: 'mj-pass' });
  const path = 'mailjet';

  it('missing Basic credentials 401 with a Basic challenge, wrong 403', async () => {
    const body = text('mailjet/anymail_sent_event.json');
    const missing = await send(p(), body, {}, { path });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/i);
    const wrong = await send(p(), body, { authorization: basic('mj', 'other') }, { path });
    expect(wrong.status).toBe(403);
  });

  it('reads MessageID past 2^53 exactly from the raw text when no mj_message_id', async () => {
    const r = await send(p(), text('mailjet/anymail_bounce_event.json'), auth, { path });
    expect(r.events[0]?.messageId).toBe('12345678901234567');
  });

  it('reads each element of a group its own exact MessageID', async () => {
    const body =
      '[{"event":"open","time":1498093527,"MessageID":12345678901234567,"email":"a@example.com"},' +
      '{"event":"open","time":1498093528,"MessageID":98765432109876543,"email":"b@example.com"}]';
    const r = await send(p(), body, auth, { path });
    expect(r.events.map((e) => [e.recipient, e.messageId])).toEqual([
      ['a@example.com', '12345678901234567'],
      ['b@example.com', '98765432109876543'],
    ]);
  });

  it('prefers mj_message_id', async () => {
    const body =
      '{"event":"sent","time":1498093527,"MessageID":12345678901234567,' +
      '"mj_message_id":"12345678901234999","email":"a@example.com"}';
    const r = await send(p(), body, auth, { path });
    expect(r.events[0]?.messageId).toBe('12345678901234999');
  });

  it('a bare object (not grouped) is one event: sent → delivered, time in Unix s', async () => {
    const r = await send(p(), text('mailjet/anymail_non_grouped_event.json'), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'mailjet',
      recipient: 'recipient@example.com',
      messageId: '12345678901234567',
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(1498093527000);
    expect(r.events[0]?.eventId).toMatch(digestId('mailjet'));
  });

  it('sent: tag from customcampaign, metadata from Payload as strings', async () => {
    const r = await send(p(), text('mailjet/anymail_sent_event.json'), auth, { path });
    expect(r.events[0]).toMatchObject({
      tags: ['tag1'],
      metadata: { meta1: 'simple string', meta2: '2' },
    });
  });

  it.each([
    ['anymail_open_event.json', 'opened'],
    ['symfony_click.json', 'clicked'],
    ['anymail_blocked_event.json', 'rejected'],
    ['anymail_spam_event.json', 'complained'],
    ['anymail_unsub_event.json', 'unsubscribed'],
    ['anymail_bounced_greylist_event.json', 'deferred'],
  ])('%s is %s', async (file, type) => {
    const r = await send(p(), text(`mailjet/${file}`), auth, { path });
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('hard bounce is bounced and permanent; greylisting is deferred without a category', async () => {
    const hard = await send(p(), text('mailjet/anymail_bounce_event.json'), auth, { path });
    expect(hard.events[0]).toMatchObject({ eventType: 'bounced', permanent: true });
    const grey = await send(p(), text('mailjet/anymail_bounced_greylist_event.json'), auth, {
      path,
    });
    expect(grey.events[0]).toMatchObject({ rejectCategory: null, permanent: null });
  });

  it('click carries url and user agent', async () => {
    const r = await send(p(), text('mailjet/symfony_click.json'), auth, { path });
    expect(r.events[0]?.clickUrl).toBeTruthy();
    expect(r.events[0]?.userAgent).toBeTruthy();
  });
});

// ---------------------------------------------------------------------------------------------
describe('mandrill', () => {
  const vectors = json('mandrill/vectors/vectors.json') as {
    vectors: { name: string; body_file: string; url: string; headers: Record<string, string> }[];
  };
  const vector = (name: string) => {
    const v = vectors.vectors.find((x) => x.name === name);
    if (!v) throw new Error(name);
    return { ...v, body: text(`mandrill/vectors/${v.body_file}`) };
  };
  const anymailUrl = 'http://username:password@testserver/anymail/mandrill/';
  const p = (url = anymailUrl, webhookKey: string | string[] = 'TEST_WEBHOOK_KEY') =>
    mandrill({ webhookKey, url });
  const path = 'mandrill';

  it('needs webhookKey and url: each missing is a ConfigError naming it', () => {
    expect(() => createMailWebhookHandler({ providers: [mandrill({ url: anymailUrl })] })).toThrow(
      /webhookKey/,
    );
    expect(() => createMailWebhookHandler({ providers: [mandrill({ webhookKey: 'k' })] })).toThrow(
      /url/,
    );
  });

  it('answers the HEAD probe 200', async () => {
    const r = await send(p(), null, {}, { path, method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('accepts a signed send event and maps its fields', async () => {
    const v = vector('send_event');
    const r = await send(p(), v.body, v.headers, { path });
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      eventType: 'sent',
      espName: 'mandrill',
      recipient: 'recipient@example.com',
      messageId: 'abcdef012345789abcdef012345789',
      tags: ['tag1', 'tag2'],
      metadata: { custom1: 'value1', custom2: 'value2' },
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(1461095246000);
  });

  it('a signature over another URL is 403', async () => {
    const v = vector('send_event_wrong_url');
    const r = await send(p(v.url), v.body, v.headers, { path });
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('a missing signature is 403 signature-missing', async () => {
    const v = vector('send_event');
    const r = await send(
      p(),
      v.body,
      { 'content-type': v.headers['Content-Type'] ?? '' },
      { path },
    );
    expect(r.status).toBe(403);
    expect(reason(r)).toContain('signature-missing');
  });

  it('the empty test batch is 200 with no events', async () => {
    const v = vector('empty_batch_test_ping');
    const r = await send(p(v.url), v.body, v.headers, { path });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('any one of several keys verifies', async () => {
    const v = vector('hard_bounce_event');
    const r = await send(p(anymailUrl, ['other-key', 'TEST_WEBHOOK_KEY']), v.body, v.headers, {
      path,
    });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      permanent: true,
      rejectCategory: 'bounced',
    });
  });

  it('click carries its url', async () => {
    const v = vector('click_event');
    const r = await send(p(), v.body, v.headers, { path });
    expect(r.events[0]?.eventType).toBe('clicked');
    expect(r.events[0]?.clickUrl).toMatch(/^https?:/);
  });

  it('a signature it computes itself: soft_bounce is bounced and not permanent', async () => {
    const events = [
      {
        event: 'soft_bounce',
        ts: 1365109999,
        _id: 'x1',
        msg: { email: 'f@example.com', _id: 'm1', ts: 1365109999 },
      },
    ];
    const form = `mandrill_events=${encodeURIComponent(JSON.stringify(events))}`;
    const sig = createHmac('sha1', 'k')
      .update(
        `https://hooks.example.com/webhooks/mail/mandrill` +
          'mandrill_events' +
          JSON.stringify(events),
      )
      .digest('base64');
    const r = await send(
      mandrill({ webhookKey: 'k', url: 'https://hooks.example.com/webhooks/mail/mandrill' }),
      form,
      { 'content-type': 'application/x-www-form-urlencoded', 'x-mandrill-signature': sig },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({ eventType: 'bounced', permanent: false });
  });

  it('answers 405 to GET', async () => {
    expect((await send(p(), null, {}, { path, method: 'GET' })).status).toBe(405);
  });
});

// ---------------------------------------------------------------------------------------------
describe('mailersend', () => {
  const TEST_SECRET = 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G';
  const path = 'mailersend';
  const signed = (body: string, secret: string) => ({
    'content-type': 'application/json',
    signature: hmacHex(secret, body),
  });

  it('needs a secret', () => {
    expect(() => createMailWebhookHandler({ providers: [mailersend({})] })).toThrow(ConfigError);
  });

  it('verifies the Symfony vector', async () => {
    const body = text('mailersend/vectors/symfony_sent.body');
    const r = await send(
      mailersend({ secret: 'GvLY88Uyj70jQm3fUwYyWmAaiz98wWim' }),
      body,
      { signature: 'e60f87b019f0aaae29042b14762991765ebb0cd6f6d42884af9fccca4cbd16e7' },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.events[0]?.eventType).toBe('sent');
  });

  it('delivered: recipient, message id, data.id as eventId, created_at', async () => {
    const body = text('mailersend/vectors/delivered_event.body');
    const r = await send(
      mailersend({ secret: 'TEST_WEBHOOK_SIGNING_SECRET' }),
      body,
      { signature: '2ae3e7430786b7dbd4dc3cec2d6e2458919934f39ff8474b7837974adf0720c6' },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'mailersend',
      recipient: 'recipient@example.com',
      messageId: '63fd1c1d5f010335ed07066b',
      eventId: '63fd1c1fcfbe46145d003a7b',
    });
    expect(r.events[0]?.timestamp.toISOString()).toBe('2023-02-27T21:09:51.865Z');
  });

  it('wrong secret 403, missing signature 403 signature-missing', async () => {
    const body = text('mailersend/vectors/delivered_event.body');
    const wrong = await send(
      mailersend({ secret: 'OTHER_SECRET' }),
      body,
      { signature: '2ae3e7430786b7dbd4dc3cec2d6e2458919934f39ff8474b7837974adf0720c6' },
      { path },
    );
    expect(wrong.status).toBe(403);
    const missing = await send(mailersend({ secret: 'OTHER_SECRET' }), body, {}, { path });
    expect(missing.status).toBe(403);
    expect(reason(missing)).toContain('signature-missing');
  });

  it('webhook.test signed with the published test secret is 200 with no events', async () => {
    const body = JSON.stringify({ type: 'webhook.test', data: {} });
    const r = await send(mailersend({ secret: 'mine' }), body, signed(body, TEST_SECRET), {
      path,
    });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('a real event signed with the published test secret is 403', async () => {
    const body = text('mailersend/vectors/delivered_event.body');
    const r = await send(mailersend({ secret: 'mine' }), body, signed(body, TEST_SECRET), {
      path,
    });
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('webhook.test signed with some other secret is 403', async () => {
    const body = JSON.stringify({ type: 'webhook.test', data: {} });
    const r = await send(mailersend({ secret: 'mine' }), body, signed(body, 'guess'), { path });
    expect(r.status).toBe(403);
  });

  it('soft_bounced is bounced with permanent false; hard_bounced permanent true', async () => {
    const soft = text('mailersend/anymail_soft_bounced_event.json');
    const s = await send(mailersend({ secret: 's' }), soft, signed(soft, 's'), { path });
    expect(s.events[0]).toMatchObject({
      eventType: 'bounced',
      permanent: false,
      recipient: 'notauser@example.com',
    });
    const hard = text('mailersend/anymail_hard_bounced_event.json');
    const h = await send(mailersend({ secret: 's' }), hard, signed(hard, 's'), { path });
    expect(h.events[0]).toMatchObject({ eventType: 'bounced', permanent: true });
  });

  it('reads the v2 shape: recipient and message_id at data level', async () => {
    const body = text('mailersend/symfony_v2_hard_bounced.json');
    const r = await send(mailersend({ secret: 's' }), body, signed(body, 's'), { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'test@example.com',
      messageId: '67f91abd69f79df391e9d78d',
      eventId: '62f114f8165fe0d8db0288e5',
      tags: ['test-tag'],
    });
  });

  it('any one of two rotated secrets verifies', async () => {
    const body = text('mailersend/anymail_opened_event.json');
    const r = await send(mailersend({ secret: ['a', 'b'] }), body, signed(body, 'b'), { path });
    expect(r.status).toBe(200);
    expect(r.events[0]?.eventType).toBe('opened');
  });

  it.each([
    ['anymail_spam_complaint_event.json', 'complained'],
    ['anymail_unsubscribed_event.json', 'unsubscribed'],
    ['anymail_clicked_event.json', 'clicked'],
  ])('%s is %s', async (file, type) => {
    const body = text(`mailersend/${file}`);
    const r = await send(mailersend({ secret: 's' }), body, signed(body, 's'), { path });
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('mailtrap', () => {
  const SECRET = 'whsec_mailtrap_constructed_test_secret_0001';
  const path = 'mailtrap';
  const signed = (body: string, secret = SECRET) => ({
    'content-type': 'application/json',
    'mailtrap-signature': hmacHex(secret, body),
  });

  it('needs a secret', () => {
    expect(() => createMailWebhookHandler({ providers: [mailtrap({})] })).toThrow(ConfigError);
  });

  it('verifies the Delivery vector and maps its fields', async () => {
    const r = await send(
      mailtrap({ secret: SECRET }),
      text('mailtrap/vectors/Delivery.body'),
      { 'mailtrap-signature': '070f3a8e86965a12b559e0a53a6aaefd4db9af6b161852ec51545a92f8d95612' },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'mailtrap',
      recipient: 'receiver@example.com',
      messageId: '1df37d17-0286-4d8b-8edf-bc4ec5be86e6',
      eventId: 'bede7236-2284-43d6-a953-1fdcafd0fdbc',
      tags: ['Password reset'],
      metadata: { user_id: '123' },
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(1728669700000);
  });

  it('reads JSON Lines: three events in order', async () => {
    const r = await send(
      mailtrap({ secret: SECRET }),
      text('mailtrap/vectors/mixed.jsonl.body'),
      {
        'content-type': 'application/jsonl',
        'mailtrap-signature': '5d7d49d7da875d86d1df797275be1a4e590f28cc3c594f94dbccf9aba8a99820',
      },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, events: 3 });
    expect(r.events.map((e) => [e.eventType, e.eventId])).toEqual([
      ['delivered', 'evt-1'],
      ['opened', 'evt-2'],
      ['clicked', 'evt-3'],
    ]);
    expect(r.events[2]?.clickUrl).toBe('https://example.com');
  });

  it('JSON Lines with a trailing newline still parse', async () => {
    const body = `${text('mailtrap/vectors/mixed.jsonl.body').trimEnd()}\n`;
    const r = await send(mailtrap({ secret: SECRET }), body, signed(body), { path });
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(3);
  });

  it('wrong secret 403; missing signature 403 signature-missing', async () => {
    const body = text('mailtrap/vectors/Delivery.body');
    const wrong = await send(mailtrap({ secret: 'other' }), body, signed(body), { path });
    expect(wrong.status).toBe(403);
    const missing = await send(mailtrap({ secret: SECRET }), body, {}, { path });
    expect(missing.status).toBe(403);
    expect(reason(missing)).toContain('signature-missing');
  });

  it.each([
    ['anymail_bounce_event.json', 'bounced'],
    ['anymail_soft_bounce_event.json', 'deferred'],
    ['anymail_reject_event.json', 'rejected'],
    ['anymail_spam_event.json', 'complained'],
    ['anymail_unsubscribe_event.json', 'unsubscribed'],
    ['anymail_suspension_event.json', 'deferred'],
    ['anymail_open_event.json', 'opened'],
    ['anymail_click_event.json', 'clicked'],
    ['anymail_sent_event.json', 'delivered'],
  ])('%s is %s', async (file, type) => {
    const body = text(`mailtrap/${file}`);
    const r = await send(mailtrap({ secret: SECRET }), body, signed(body), { path });
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('metadata values are strings; a hard bounce is permanent with its MTA response', async () => {
    const body = text('mailtrap/anymail_bounce_event.json');
    const r = await send(mailtrap({ secret: SECRET }), body, signed(body), { path });
    expect(r.events[0]?.metadata).toEqual({ testing: 'true' });
    expect(r.events[0]?.permanent).toBe(true);
    expect(r.events[0]?.mtaResponse).toContain('550 5.1.1');
  });
});

// ---------------------------------------------------------------------------------------------
describe('sparkpost', () => {
  const auth = { authorization: basic('sp', 'sp-pass') };
  const p = () => sparkpost({ password: 'sp-pass' });
  const path = 'sparkpost';

  it('needs a shared secret', () => {
    expect(() => createMailWebhookHandler({ providers: [sparkpost({})] })).toThrow(ConfigError);
  });

  it('answers the [{msys:{}}] ping 200 with no events', async () => {
    const r = await send(p(), text('sparkpost/anymail_ping_event.json'), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('missing credentials 401 Basic challenge; wrong 403', async () => {
    const body = text('sparkpost/anymail_bounce_event.json');
    const missing = await send(p(), body, {}, { path });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/i);
    expect((await send(p(), body, { authorization: basic('sp', 'x') }, { path })).status).toBe(403);
  });

  it('bounce class 10: bounced, invalid, permanent; rawEvent is the inner message_event', async () => {
    const raw = json('sparkpost/anymail_bounce_event.json') as {
      msys: { message_event: object };
    }[];
    const r = await send(p(), text('sparkpost/anymail_bounce_event.json'), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      espName: 'sparkpost',
      recipient: 'bounce@example.com',
      eventId: '84345317653491230',
      rejectCategory: 'invalid',
      permanent: true,
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(1464824548000);
    expect(r.events[0]?.rawEvent).toEqual(raw[0]?.msys.message_event);
  });

  it('injection: queued, tag from campaign_id (as anymail), metadata from rcpt_meta', async () => {
    const r = await send(p(), text('sparkpost/anymail_injection_event.json'), auth, { path });
    expect(r.events[0]?.eventType).toBe('queued');
    expect(r.events[0]?.tags).toEqual(['Example Campaign Name']);
    expect(r.events[0]?.metadata).toMatchObject({ customKey: 'customValue' });
  });

  it('amp_click: clicked with target_link_url and user agent; rawEvent the track_event', async () => {
    const r = await send(p(), text('sparkpost/anymail_click_event.json'), auth, { path });
    expect(r.events[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'http://example.com',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_3) AppleWebKit/537.36',
    });
    expect(r.events[0]?.rawEvent).toMatchObject({ type: 'amp_click' });
  });

  it.each([
    ['anymail_delay_event.json', 'deferred'],
    ['anymail_delivery_event.json', 'delivered'],
    ['anymail_generation_failure_event.json', 'failed'],
    ['anymail_generation_rejection_event.json', 'rejected'],
    ['anymail_open_event.json', 'opened'],
    ['anymail_unsubscribe_event.json', 'unsubscribed'],
  ])('%s is %s', async (file, type) => {
    const r = await send(p(), text(`sparkpost/${file}`), auth, { path });
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('a ping element in a batch is skipped, the real one delivered', async () => {
    const bounce = json('sparkpost/anymail_bounce_event.json') as unknown[];
    const r = await send(p(), JSON.stringify([{ msys: {} }, ...bounce]), auth, { path });
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.eventType)).toEqual(['bounced']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('postal', () => {
  const vectors = json('postal/vectors/vectors.json') as {
    public_key_spki_base64: string;
    vectors: { headers: Record<string, string> }[];
  };
  const KEY = vectors.public_key_spki_base64;
  const good = vectors.vectors[0]?.headers ?? {};
  const body = text('postal/vectors/MessageSent.body');
  const PEM = text('postal/vectors/postal_ci_signing.key.pem');
  const rsa = (hash: string, data: string) => createSign(hash).update(data).sign(PEM, 'base64');
  const path = 'postal';

  it('needs publicKey', () => {
    expect(() => createMailWebhookHandler({ providers: [postal({})] })).toThrow(/publicKey/);
  });

  it('verifies both headers of the vector and maps MessageSent', async () => {
    const r = await send(postal({ publicKey: KEY }), body, good, { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'postal',
      recipient: 'test@example.com',
      messageId: '12345',
      eventId: '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
    });
    // Whole seconds, as django-anymail's int(timestamp) (docs/providers/postal.md); esps.md lists
    // Postal among the fractional-second ESPs, so a reader may expect .129 here.
    expect(r.events[0]?.timestamp.toISOString()).toBe('2016-10-31T20:19:37.000Z');
  });

  it('a tampered body is 403', async () => {
    const r = await send(
      postal({ publicKey: KEY }),
      text('postal/vectors/MessageSent_tampered.body'),
      good,
      { path },
    );
    expect(r.status).toBe(403);
  });

  it('the SHA-1 header alone verifies', async () => {
    const r = await send(
      postal({ publicKey: KEY }),
      body,
      { 'x-postal-signature': good['X-Postal-Signature'] ?? '' },
      { path },
    );
    expect(r.status).toBe(200);
  });

  it('the SHA-256 header alone verifies', async () => {
    const r = await send(
      postal({ publicKey: KEY }),
      body,
      { 'x-postal-signature-256': good['X-Postal-Signature-256'] ?? '' },
      { path },
    );
    expect(r.status).toBe(200);
  });

  it('a bad SHA-256 header is 403 even beside a good SHA-1 one', async () => {
    const r = await send(
      postal({ publicKey: KEY }),
      body,
      {
        'x-postal-signature': good['X-Postal-Signature'] ?? '',
        'x-postal-signature-256': good['X-Postal-Signature'] ?? '',
      },
      { path },
    );
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('no signature header is 403 signature-missing', async () => {
    const r = await send(postal({ publicKey: KEY }), body, {}, { path });
    expect(r.status).toBe(403);
    expect(reason(r)).toContain('signature-missing');
  });

  it('MessageLoaded is opened with its user agent', async () => {
    const loaded = text('postal/docs_MessageLoaded.json');
    const r = await send(
      postal({ publicKey: KEY }),
      loaded,
      { 'x-postal-signature-256': rsa('RSA-SHA256', loaded) },
      { path },
    );
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'opened',
      recipient: 'test@example.com',
      userAgent: expect.stringContaining('Chrome/54'),
    });
  });

  it('MessageBounced is bounced for the original message recipient', async () => {
    const bounced = text('postal/docs_MessageBounced.json');
    const r = await send(
      postal({ publicKey: KEY }),
      bounced,
      { 'x-postal-signature-256': rsa('RSA-SHA256', bounced) },
      { path },
    );
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'test@example.com',
      messageId: '12345',
    });
  });

  it('a rotated key list: the second key verifies', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    const r = await send(postal({ publicKey: [other, KEY] }), body, good, { path });
    expect(r.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
describe('mailpace', () => {
  const vectors = json('mailpace/vectors/vectors.json') as {
    vectors: {
      name: string;
      body_file?: string;
      public_key_base64: string;
      headers: Record<string, string>;
    }[];
  };
  const vector = (name: string) => {
    const v = vectors.vectors.find((x) => x.name === name);
    if (!v?.body_file) throw new Error(name);
    return { ...v, body: text(`mailpace/vectors/${v.body_file}`) };
  };
  const KEY = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
  const path = 'mailpace';

  it('needs publicKey; a key that is not 32 raw bytes is a ConfigError naming it', () => {
    expect(() => createMailWebhookHandler({ providers: [mailpace({})] })).toThrow(/publicKey/);
    expect(() =>
      createMailWebhookHandler({ providers: [mailpace({ publicKey: btoa('short') })] }),
    ).toThrow(/publicKey/);
  });

  it('verifies the queued vector and maps it', async () => {
    const v = vector('queued_event');
    const r = await send(mailpace({ publicKey: KEY }), v.body, v.headers, { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'queued',
      espName: 'mailpace',
      recipient: 'queued@example.com',
      tags: ['string'],
    });
  });

  it('email.spam is rejected', async () => {
    const v = vector('rejected_event_reason');
    const r = await send(mailpace({ publicKey: KEY }), v.body, v.headers, { path });
    expect(r.events[0]?.eventType).toBe('rejected');
  });

  it('a wrong key is 403; a missing signature 403 signature-missing', async () => {
    const v = vector('queued_event_wrong_key');
    const wrong = await send(mailpace({ publicKey: v.public_key_base64 }), v.body, v.headers, {
      path,
    });
    expect(wrong.status).toBe(403);
    const missing = await send(mailpace({ publicKey: KEY }), v.body, {}, { path });
    expect(missing.status).toBe(403);
    expect(reason(missing)).toContain('signature-missing');
  });

  it('delivered without tags has empty tags', async () => {
    const v = vector('delivered_event_no_tags');
    const r = await send(mailpace({ publicKey: KEY }), v.body, v.headers, { path });
    expect(r.events[0]).toMatchObject({ eventType: 'delivered', tags: [] });
  });
});

// ---------------------------------------------------------------------------------------------
describe('loops', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const TS = 1734425918;
  const now = new Date(TS * 1000 + 30_000);
  const path = 'loops';
  const sign = (id: string, ts: number, body: string, prefix = 'webhook') => ({
    'content-type': 'application/json',
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(ts),
    [`${prefix}-signature`]: `v1,${createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64'))
      .update(`${id}.${ts}.${body}`)
      .digest('base64')}`,
  });

  it('needs a secret', () => {
    expect(() => createMailWebhookHandler({ providers: [loops({})] })).toThrow(ConfigError);
  });

  it('verifies the Standard Webhooks reference vector', async () => {
    const body = '{"test": 2432232314}';
    const r = await send(
      loops({ secret: SECRET }),
      body,
      {
        'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'webhook-timestamp': '1614265330',
        'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      { path, now: new Date(1614265330 * 1000) },
    );
    expect(r.status).not.toBe(403);
    expect(r.status).not.toBe(401);
  });

  it('delivered: recipient from contactIdentity.email, eventId from webhook-id', async () => {
    const body = text('loops/docs_email.delivered.json');
    const r = await send(loops({ secret: SECRET }), body, sign('msg_1', TS, body), { path, now });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'delivered',
      espName: 'loops',
      recipient: 'test+1@loops.so',
      eventId: 'msg_1',
    });
    expect(r.events[0]?.timestamp.getTime()).toBe(TS * 1000);
  });

  it('accepts svix-* header names too', async () => {
    const body = text('loops/docs_email.opened.json');
    const r = await send(loops({ secret: SECRET }), body, sign('msg_2', TS, body, 'svix'), {
      path,
      now,
    });
    expect(r.status).toBe(200);
    expect(r.events[0]?.eventType).toBe('opened');
  });

  it('testing.testEvent is 200 with no events', async () => {
    const body = text('loops/docs_testing.testEvent.json');
    const r = await send(loops({ secret: SECRET }), body, sign('msg_3', TS, body), { path, now });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('a timestamp over 5 minutes old, or ahead, is 403', async () => {
    const body = text('loops/docs_email.delivered.json');
    const old = await send(loops({ secret: SECRET }), body, sign('m', TS, body), {
      path,
      now: new Date((TS + 301) * 1000),
    });
    expect(old.status).toBe(403);
    const ahead = await send(loops({ secret: SECRET }), body, sign('m', TS, body), {
      path,
      now: new Date((TS - 301) * 1000),
    });
    expect(ahead.status).toBe(403);
  });

  it('no signature headers: 403 signature-missing; wrong signature 403', async () => {
    const body = text('loops/docs_email.delivered.json');
    const missing = await send(loops({ secret: SECRET }), body, {}, { path, now });
    expect(missing.status).toBe(403);
    expect(reason(missing)).toContain('signature-missing');
    const headers = sign('m', TS, body);
    headers['webhook-signature'] = 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const wrong = await send(loops({ secret: SECRET }), body, headers, { path, now });
    expect(wrong.status).toBe(403);
  });

  it.each([
    ['docs_email.hardBounced.json', 'bounced'],
    ['docs_email.spamReported.json', 'complained'],
    ['docs_email.unsubscribed.json', 'unsubscribed'],
    ['docs_email.clicked.json', 'clicked'],
  ])('%s is %s', async (file, type) => {
    const body = text(`loops/${file}`);
    const r = await send(loops({ secret: SECRET }), body, sign('m', TS, body), { path, now });
    expect(r.events.map((e) => [e.eventType, e.recipient])).toEqual([[type, 'test+1@loops.so']]);
  });

  it('hard bounce is permanent; spam report has category spam', async () => {
    const hard = text('loops/docs_email.hardBounced.json');
    const h = await send(loops({ secret: SECRET }), hard, sign('m', TS, hard), { path, now });
    expect(h.events[0]?.permanent).toBe(true);
    const spam = text('loops/docs_email.spamReported.json');
    const s = await send(loops({ secret: SECRET }), spam, sign('m', TS, spam), { path, now });
    expect(s.events[0]?.rejectCategory).toBe('spam');
  });
});

// ---------------------------------------------------------------------------------------------
describe('unisenderGo (unisender-go)', () => {
  const REAL_KEY = '6mjstx9gwi7qj8eni6m77hfiiw6aifmss154y4ze';
  const path = 'unisender-go';

  it('needs apiKey', () => {
    expect(() => createMailWebhookHandler({ providers: [unisenderGo({})] })).toThrow(/apiKey/);
  });

  it('answers the GET probe 200 with no events', async () => {
    const r = await send(unisenderGo({ apiKey: REAL_KEY }), null, {}, { path, method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('verifies the real delivery: clicked, rawEvent the event_data object', async () => {
    const body = text('unisender_go/vectors/actual_clicked.body');
    const r = await send(unisenderGo({ apiKey: REAL_KEY }), body, {}, { path });
    expect(r.status).toBe(200);
    const inner = JSON.parse(body).events_by_user[0].events[0].event_data;
    expect(r.events[0]).toMatchObject({
      eventType: 'clicked',
      espName: 'unisender-go',
      recipient: 'unisendergo@anymail.dev',
      messageId: '1sn15Z-0007Le-GtVN',
      clickUrl: 'https://example.com',
      userAgent: expect.stringContaining('Chrome/128'),
    });
    expect(r.events[0]?.rawEvent).toEqual(inner);
    expect(r.events[0]?.eventId).toMatch(digestId('unisender-go'));
    expect(r.events[0]?.timestamp.toISOString()).toBe('2024-09-08T19:56:41.000Z');
  });

  it('a wrong key is 403', async () => {
    const body = text('unisender_go/vectors/actual_clicked.body');
    const r = await send(unisenderGo({ apiKey: 'TEST_API_KEY' }), body, {}, { path });
    expect(r.status).toBe(403);
    expect(r.events).toEqual([]);
  });

  it('any one of two keys verifies', async () => {
    const body = text('unisender_go/vectors/sent_event.body');
    const r = await send(unisenderGo({ apiKey: ['nope', 'TEST_API_KEY'] }), body, {}, { path });
    expect(r.status).toBe(200);
    expect(r.events[0]).toMatchObject({
      eventType: 'sent',
      recipient: 'recipient@example.com',
      messageId: '00001111-2222-3333-4444-555566667777',
      metadata: { cohort: 'group a121' },
    });
    expect(r.events[0]?.timestamp.toISOString()).toBe('2024-09-06T23:14:19.000Z');
  });

  it('hard_bounced is bounced and permanent', async () => {
    const body = text('unisender_go/vectors/hard_bounced_event.body');
    const r = await send(unisenderGo({ apiKey: 'TEST_API_KEY' }), body, {}, { path });
    expect(r.events[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      permanent: true,
    });
  });

  it('a body without `auth` is 403 signature-missing', async () => {
    const body = text('unisender_go/anymail_error_includes_project_id_single_event.json');
    const r = await send(unisenderGo({ apiKey: 'TEST_API_KEY' }), body, {}, { path });
    expect(r.status).toBe(403);
    expect(reason(r)).toContain('signature-missing');
  });

  it('is mounted at the kebab-case path only', async () => {
    const body = text('unisender_go/vectors/sent_event.body');
    const r = await send(
      unisenderGo({ apiKey: 'TEST_API_KEY' }),
      body,
      {},
      { path: 'unisenderGo' },
    );
    expect(r.status).toBe(404);
    expect(reason(r)).toContain('unisender-go');
  });
});

// ---------------------------------------------------------------------------------------------
describe('scaleway: what can be checked before any certificate fetch', () => {
  const envelope = json('scaleway_tem/constructed_sns_envelope_email_delivered.json') as Record<
    string,
    string
  >;
  const TOPIC = envelope.TopicArn ?? '';
  const fresh = new Date(Date.parse(envelope.Timestamp ?? '') + 1000);
  const notification = (certUrl: string) =>
    JSON.stringify({ ...envelope, Signature: 'AAAA', SigningCertURL: certUrl });
  const headers = {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-message-id': envelope.MessageId ?? '',
  };

  it('trustAnchors is required: a ConfigError naming it', () => {
    expect(() =>
      createMailWebhookHandler({ providers: [scaleway({ topicArns: [TOPIC] })] }),
    ).toThrow(/trustAnchors/);
  });

  it.each([
    ['http scheme', 'http://messaging.s3.fr-par.scw.cloud/fr-par/sns/cert.pem'],
    ['a host outside scw.cloud', 'https://evil.example.com/fr-par/sns/cert.pem'],
    ['a look-alike host', 'https://scw.cloud.evil.example.com/cert.pem'],
    ['a suffix without the dot', 'https://evilscw.cloud/cert.pem'],
    ['credentials', 'https://user:pw@messaging.s3.fr-par.scw.cloud/cert.pem'],
    ['a port', 'https://messaging.s3.fr-par.scw.cloud:8443/cert.pem'],
    ['a query', 'https://messaging.s3.fr-par.scw.cloud/cert.pem?x=1'],
    ['a fragment', 'https://messaging.s3.fr-par.scw.cloud/cert.pem#x'],
  ])('refuses a certificate URL with %s 403, without fetching', async (_name, url) => {
    const fetchSpy = vi.fn(async () => new Response('nope', { status: 500 }));
    const r = await send(
      scaleway({ topicArns: [TOPIC], trustAnchors: ANCHOR_PEM }),
      notification(url),
      headers,
      { path: 'scaleway', fetch: fetchSpy as unknown as typeof fetch, now: fresh },
    );
    expect(r.status).toBe(403);
    expect(reason(r)).toContain('cert-url');
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(r.events).toEqual([]);
  });

  it('a scw.cloud certificate URL is fetched; a network error is 503 (not a forgery)', async () => {
    const url = 'https://messaging.s3.fr-par.scw.cloud/fr-par/sns/cert.pem';
    const fetchSpy = vi.fn(async () => {
      throw new TypeError('network down');
    });
    const r = await send(
      scaleway({ topicArns: [TOPIC], trustAnchors: ANCHOR_PEM }),
      notification(url),
      headers,
      { path: 'scaleway', fetch: fetchSpy as unknown as typeof fetch, now: fresh },
    );
    expect(fetchSpy).toHaveBeenCalledWith(url, expect.anything());
    expect(r.status).toBe(503);
  });
});

// ---------------------------------------------------------------------------------------------
describe('variables: upper-snake names, required ones named at start-up', () => {
  const base = { MAIL_WEBHOOK_ENABLED: 'true' };
  const ctx = { logger: quiet };

  it.each([
    ['unisender-go', 'MAIL_WEBHOOK_UNISENDER_GO_API_KEY'],
    ['mailersend', 'MAIL_WEBHOOK_MAILERSEND_SECRET'],
    ['mailtrap', 'MAIL_WEBHOOK_MAILTRAP_SECRET'],
    ['postal', 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY'],
    ['mailpace', 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY'],
    ['loops', 'MAIL_WEBHOOK_LOOPS_SECRET'],
    ['mandrill', 'MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY'],
    ['scaleway', 'MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS'],
  ])('%s without its setting stops start-up naming %s', (name, variable) => {
    expect(() => createHandlerFromEnv({ ...base, MAIL_WEBHOOK_PROVIDERS: name }, ctx)).toThrow(
      variable,
    );
  });

  it('mandrill with a key but no URL names MAIL_WEBHOOK_MANDRILL_URL', () => {
    expect(() =>
      createHandlerFromEnv(
        { ...base, MAIL_WEBHOOK_PROVIDERS: 'mandrill', MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: 'k' },
        ctx,
      ),
    ).toThrow('MAIL_WEBHOOK_MANDRILL_URL');
  });

  it.each(['ses-eventbridge', 'brevo', 'mailjet', 'sparkpost'])(
    '%s without any shared secret stops start-up naming its variables',
    (name) => {
      const upper = name.toUpperCase().replace(/-/g, '_');
      expect(() => createHandlerFromEnv({ ...base, MAIL_WEBHOOK_PROVIDERS: name }, ctx)).toThrow(
        `MAIL_WEBHOOK_${upper}_`,
      );
    },
  );

  it('ses-eventbridge from variables: token and a comma list of accounts', async () => {
    const body = text('amazon_ses_eventbridge/constructed_Delivery.json');
    const env = {
      ...base,
      MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
      MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 'tok',
    };
    const request = () =>
      new Request('https://h.example/webhooks/mail/ses-eventbridge', {
        method: 'POST',
        headers: { authorization: 'Bearer tok' },
        body,
      });
    const allowed = createHandlerFromEnv(
      { ...env, MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '111111111111, 123456789012' },
      ctx,
    );
    expect((await allowed(request())).status).toBe(200);
    const other = createHandlerFromEnv(
      { ...env, MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '111111111111,222222222222' },
      ctx,
    );
    expect((await other(request())).status).toBe(403);
  });

  it('a _PREVIOUS secret also verifies (mailersend rotation)', async () => {
    const body = text('mailersend/anymail_opened_event.json');
    const handle = createHandlerFromEnv(
      {
        ...base,
        MAIL_WEBHOOK_PROVIDERS: 'mailersend',
        MAIL_WEBHOOK_MAILERSEND_SECRET: 'new',
        MAIL_WEBHOOK_MAILERSEND_SECRET_PREVIOUS: 'old',
      },
      ctx,
    );
    const response = await handle(
      new Request('https://h.example/webhooks/mail/mailersend', {
        method: 'POST',
        headers: { signature: hmacHex('old', body) },
        body,
      }),
    );
    expect(response.status).toBe(200);
  });

  it('a typo in a second-wave variable is reported with the closest name', () => {
    const warnings: string[] = [];
    const log = (m: unknown, f?: unknown) =>
      warnings.push(`${String(m)} ${JSON.stringify(f ?? {})}`);
    createHandlerFromEnv(
      {
        ...base,
        MAIL_WEBHOOK_PROVIDERS: 'unisender-go',
        MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'k',
        MAIL_WEBHOOK_UNISENDER_GO_APIKEY: 'k',
      },
      { logger: { debug() {}, info() {}, warn: log, error: log } },
    );
    const line = warnings.find((w) => w.includes('MAIL_WEBHOOK_UNISENDER_GO_APIKEY'));
    expect(line).toContain('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
  });
});

// ---------------------------------------------------------------------------------------------
describe('edges a developer might miss', () => {
  const sha32 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
  const brevoAuth = { authorization: 'Bearer t' };
  const mjAuth = { authorization: basic('u', 'p') };

  it('brevo digest ids: raw body for a bare object, JSON.stringify of the element in a batch', async () => {
    const body = text('brevo/anymail_hard_bounce.json');
    const single = await send(brevo({ token: 't' }), body, brevoAuth, { path: 'brevo' });
    expect(single.events[0]?.eventId).toBe(`brevo:${sha32(body)}`);
    const element = JSON.parse(body);
    const batch = await send(brevo({ token: 't' }), `[${body}]`, brevoAuth, { path: 'brevo' });
    expect(batch.events[0]?.eventId).toBe(`brevo:${sha32(JSON.stringify(element))}`);
  });

  it('mailjet: two events differing only in a MessageID past 2^53 keep their exact ids', async () => {
    const one = (id: string) =>
      `{"event":"sent","time":1498093527,"MessageID":${id},"email":"a@example.com"}`;
    const r = await send(
      mailjet({ password: 'p' }),
      `[${one('12345678901234567')},${one('12345678901234568')}]`,
      mjAuth,
      { path: 'mailjet' },
    );
    expect(r.events.map((e) => e.messageId)).toEqual(['12345678901234567', '12345678901234568']);
    // Their digest eventIds are equal (JSON.stringify of the parsed element, as DESIGN words it):
    // real Mailjet events also carry Message_GUID, which tells them apart.
  });

  it("mailjet: an element without MessageID does not shift the next one's exact id", async () => {
    const body =
      '[{"event":"open","time":1498093527,"email":"a@example.com","mj_message_id":"111"},' +
      '{"event":"open","time":1498093527,"MessageID":12345678901234567,"email":"b@example.com"}]';
    const r = await send(mailjet({ password: 'p' }), body, mjAuth, { path: 'mailjet' });
    expect(r.events.map((e) => [e.recipient, e.messageId])).toEqual([
      ['a@example.com', '111'],
      ['b@example.com', '12345678901234567'],
    ]);
  });

  it('mailjet: a Payload string mentioning MessageID does not fool the exact read', async () => {
    const body =
      '{"event":"sent","time":1498093527,"Payload":"{\\"MessageID\\": 5}",' +
      '"MessageID":12345678901234567,"email":"a@example.com"}';
    const r = await send(mailjet({ password: 'p' }), body, mjAuth, { path: 'mailjet' });
    expect(r.events[0]?.messageId).toBe('12345678901234567');
  });

  it('mandrill signs every POST param sorted by name', async () => {
    const url = 'https://hooks.example.com/webhooks/mail/mandrill';
    const sig = createHmac('sha1', 'k').update(`${url}a1mandrill_events[]`).digest('base64');
    const r = await send(
      mandrill({ webhookKey: 'k', url }),
      'mandrill_events=%5B%5D&a=1',
      { 'content-type': 'application/x-www-form-urlencoded', 'x-mandrill-signature': sig },
      { path: 'mandrill' },
    );
    expect(r.status).toBe(200);
  });

  it('mandrill: a sync (blacklist) event gives no bounced/sent event and no error', async () => {
    const url = 'https://hooks.example.com/webhooks/mail/mandrill';
    const events = text('mandrill/anymail_sync_event.json');
    const compact = JSON.stringify(JSON.parse(events));
    const sig = createHmac('sha1', 'k').update(`${url}mandrill_events${compact}`).digest('base64');
    const r = await send(
      mandrill({ webhookKey: 'k', url }),
      `mandrill_events=${encodeURIComponent(compact)}`,
      { 'content-type': 'application/x-www-form-urlencoded', 'x-mandrill-signature': sig },
      { path: 'mandrill' },
    );
    expect(r.status).toBe(200);
    expect(r.events.every((e) => e.eventType === 'unknown')).toBe(true);
  });

  it('postal: incoming mail and DomainDNSError are 200 with no events', async () => {
    const PEM = text('postal/vectors/postal_ci_signing.key.pem');
    const KEY = (json('postal/vectors/vectors.json') as { public_key_spki_base64: string })
      .public_key_spki_base64;
    for (const file of ['anymail_ignore_incoming_events.json', 'docs_DomainDNSError.json']) {
      const body = text(`postal/${file}`);
      const sig = createSign('RSA-SHA256').update(body).sign(PEM, 'base64');
      const r = await send(
        postal({ publicKey: KEY }),
        body,
        { 'x-postal-signature-256': sig },
        {
          path: 'postal',
        },
      );
      expect([file, r.status, r.events.length]).toEqual([file, 200, 0]);
    }
  });

  it.each([
    ['anymail_failed_event.json', 'failed'],
    ['anymail_queued_event.json', 'queued'],
    ['anymail_deferred_event.json', 'deferred'],
    ['docs_MessageLinkClicked.json', 'clicked'],
  ])('postal %s is %s', async (file, type) => {
    const PEM = text('postal/vectors/postal_ci_signing.key.pem');
    const KEY = (json('postal/vectors/vectors.json') as { public_key_spki_base64: string })
      .public_key_spki_base64;
    const body = text(`postal/${file}`);
    const sig = createSign('RSA-SHA1').update(body).sign(PEM, 'base64');
    const r = await send(
      postal({ publicKey: KEY }),
      body,
      { 'x-postal-signature': sig },
      {
        path: 'postal',
      },
    );
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('mailpace: a signature that is not base64 of 64 bytes is 403, never 500', async () => {
    const body = text('mailpace/vectors/queued_event.body');
    const r = await send(
      mailpace({ publicKey: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }),
      body,
      { 'x-mailpace-signature': '%%%not base64' },
      { path: 'mailpace' },
    );
    expect(r.status).toBe(403);
  });

  it('unisender go: every event of every user in events_by_user', async () => {
    const make = (email: string, status: string) => ({
      event_name: 'transactional_email_status',
      event_data: { job_id: 'j1', email, status, event_time: '2024-09-08 19:56:41' },
    });
    const payload = {
      auth: 'PLACEHOLDER',
      events_by_user: [
        {
          user_id: 1,
          events: [make('a@example.com', 'delivered'), make('b@example.com', 'opened')],
        },
        { user_id: 2, events: [make('c@example.com', 'spam')] },
      ],
    };
    const withKey = JSON.stringify({ ...payload, auth: 'KEY' });
    const auth = createHash('md5').update(withKey).digest('hex');
    const body = JSON.stringify({ ...payload, auth });
    const r = await send(unisenderGo({ apiKey: 'KEY' }), body, {}, { path: 'unisender-go' });
    expect(r.status).toBe(200);
    expect(r.events.map((e) => [e.recipient, e.eventType])).toEqual([
      ['a@example.com', 'delivered'],
      ['b@example.com', 'opened'],
      ['c@example.com', 'complained'],
    ]);
  });

  it('unisender go: event_time "2024-02-30 10:00:00" is a 400 naming event_time', async () => {
    const payload = {
      event_name: 'transactional_email_status',
      job_id: 'j',
      email: 'a@example.com',
      status: 'delivered',
      event_time: '2024-02-30 10:00:00',
      auth: 'KEY',
    };
    const auth = createHash('md5').update(JSON.stringify(payload)).digest('hex');
    const body = JSON.stringify({ ...payload, auth });
    const r = await send(unisenderGo({ apiKey: 'KEY' }), body, {}, { path: 'unisender-go' });
    expect(r.status).toBe(400);
    expect(reason(r)).toContain('event_time');
  });

  it('mailersend: created_at on 30 February is a 400 naming created_at', async () => {
    const body = JSON.stringify({
      type: 'activity.delivered',
      data: {
        id: 'e1',
        type: 'delivered',
        created_at: '2023-02-30T21:09:51.865000Z',
        email: { message: { id: 'm1' }, recipient: { email: 'a@example.com' } },
      },
    });
    const r = await send(
      mailersend({ secret: 's' }),
      body,
      { signature: hmacHex('s', body) },
      {
        path: 'mailersend',
      },
    );
    expect(r.status).toBe(400);
    expect(reason(r)).toContain('created_at');
  });

  it('brevo: a ts_epoch past year 9999 is a 400 naming ts_epoch', async () => {
    const body = JSON.stringify({
      event: 'delivered',
      email: 'a@example.com',
      'message-id': '<x@y>',
      ts_epoch: 1e18,
    });
    const r = await send(brevo({ token: 't' }), body, brevoAuth, { path: 'brevo' });
    expect(r.status).toBe(400);
    expect(reason(r)).toContain('ts_epoch');
  });

  it('mailersend: a signed body that is not JSON is 400', async () => {
    const body = 'not json';
    const r = await send(
      mailersend({ secret: 's' }),
      body,
      { signature: hmacHex('s', body) },
      {
        path: 'mailersend',
      },
    );
    expect(r.status).toBe(400);
  });

  it('mailtrap: {"events":[]} is 200 with no events', async () => {
    const body = '{"events":[]}';
    const r = await send(
      mailtrap({ secret: 's' }),
      body,
      { 'mailtrap-signature': hmacHex('s', body) },
      { path: 'mailtrap' },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, events: 0 });
  });

  it('loops: a non-numeric webhook-timestamp is refused, never a 500', async () => {
    const body = text('loops/docs_email.delivered.json');
    const r = await send(
      loops({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
      body,
      { 'webhook-id': 'm', 'webhook-timestamp': 'soon', 'webhook-signature': 'v1,AAAA' },
      { path: 'loops' },
    );
    expect([400, 403]).toContain(r.status);
  });

  it.each([
    ['docs_campaign.email.sent.json', 'sent'],
    ['docs_transactional.email.sent.json', 'sent'],
    ['docs_email.softBounced.json', 'bounced'],
  ])('loops %s is %s', async (file, type) => {
    const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = text(`loops/${file}`);
    const ts = 1734425918;
    const sig = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64'))
      .update(`m.${ts}.${body}`)
      .digest('base64');
    const r = await send(
      loops({ secret: SECRET }),
      body,
      { 'webhook-id': 'm', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}` },
      { path: 'loops', now: new Date(ts * 1000) },
    );
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('ses-eventbridge: a Send to two destinations is two contexts sharing the EventBridge id', async () => {
    const send0 = JSON.parse(text('amazon_ses_eventbridge/constructed_Send.json'));
    send0.detail.mail.destination = ['a@example.com', 'b@example.com'];
    const r = await send(
      sesEventBridge({ token: 't' }),
      JSON.stringify(send0),
      { authorization: 'Bearer t' },
      { path: 'ses-eventbridge' },
    );
    expect(r.events.map((e) => [e.recipient, e.eventId])).toEqual([
      ['a@example.com', send0.id],
      ['b@example.com', send0.id],
    ]);
  });

  it('ses-eventbridge: a non-email detail (no eventType) is 200 with no events', async () => {
    const body = JSON.stringify({
      version: '0',
      id: 'x',
      'detail-type': 'Sending Status Enabled',
      source: 'aws.ses',
      account: '123456789012',
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {},
    });
    const r = await send(
      sesEventBridge({ token: 't' }),
      body,
      { authorization: 'Bearer t' },
      {
        path: 'ses-eventbridge',
      },
    );
    expect(r.status).toBe(200);
    expect(r.events).toEqual([]);
  });

  it('ses-eventbridge: no source at all is a 400 naming source (another source is 403)', async () => {
    const b = JSON.parse(text('amazon_ses_eventbridge/constructed_Bounce.json'));
    delete b.source;
    const r = await send(
      sesEventBridge({ token: 't' }),
      JSON.stringify(b),
      { authorization: 'Bearer t' },
      {
        path: 'ses-eventbridge',
      },
    );
    expect(r.status).toBe(400);
    expect(reason(r)).toContain('source');
  });

  it('shared secret: `header` without `value` is a ConfigError naming value', () => {
    expect(() => createMailWebhookHandler({ providers: [brevo({ header: 'X-Key' })] })).toThrow(
      /value/,
    );
  });

  it('one ESP mounted twice: each path its own secret, espName stays the name', async () => {
    const body = text('brevo/anymail_delivered_event.json');
    const events: EmailTrackingContext[] = [];
    const handle = createMailWebhookHandler({
      providers: [brevo({ token: 'eu', path: 'brevo-eu' }), brevo({ token: 'us' })],
      sinks: [{ name: 'keep', send: async (b) => void events.push(...b) }],
      logger: quiet,
    });
    const post = (p: string, token: string) =>
      handle(
        new Request(`https://h.example/webhooks/mail/${p}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body,
        }),
      );
    expect((await post('brevo-eu', 'us')).status).toBe(403);
    expect((await post('brevo-eu', 'eu')).status).toBe(200);
    expect((await post('brevo', 'us')).status).toBe(200);
    expect(events.map((e) => e.espName)).toEqual(['brevo', 'brevo']);
  });

  it('a 404 names basePath and the second-wave paths', async () => {
    const handle = createMailWebhookHandler({
      providers: [sesEventBridge({ token: 't' }), unisenderGo({ apiKey: 'k' })],
      logger: quiet,
    });
    const r = await handle(new Request('https://h.example/webhooks/mail/nope', { method: 'POST' }));
    expect(r.status).toBe(404);
    const bodyText = await r.text();
    expect(bodyText).toContain('/webhooks/mail');
    expect(bodyText).toContain('ses-eventbridge');
    expect(bodyText).toContain('unisender-go');
  });

  it('sparkpost: a batch of two real events is two contexts; bounce class 21 is not permanent', async () => {
    const bounce = (
      json('sparkpost/anymail_bounce_event.json') as {
        msys: { message_event: Record<string, unknown> };
      }[]
    )[0];
    const soft = structuredClone(bounce);
    if (soft) {
      soft.msys.message_event.bounce_class = '21';
      soft.msys.message_event.event_id = 'e2';
    }
    const r = await send(
      sparkpost({ token: 'sp' }),
      JSON.stringify([bounce, soft]),
      { authorization: 'Bearer sp' },
      { path: 'sparkpost' },
    );
    expect(r.events.map((e) => [e.eventType, e.permanent])).toEqual([
      ['bounced', true],
      ['bounced', false],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('more settings and maps', () => {
  const bounce = text('amazon_ses_eventbridge/constructed_Bounce.json');
  const base = { MAIL_WEBHOOK_ENABLED: 'true' };
  const ctx = { logger: quiet };

  it('the Bearer scheme name is case-insensitive', async () => {
    const r = await send(
      sesEventBridge({ token: 't' }),
      bounce,
      { authorization: 'bearer t' },
      {
        path: 'ses-eventbridge',
      },
    );
    expect(r.status).toBe(200);
  });

  it('a Basic password may contain a colon', async () => {
    const r = await send(
      sesEventBridge({ password: 'pa:ss' }),
      bounce,
      { authorization: basic('user', 'pa:ss') },
      { path: 'ses-eventbridge' },
    );
    expect(r.status).toBe(200);
  });

  it('malformed Basic credentials are refused with 4xx, never 500', async () => {
    const r = await send(
      sesEventBridge({ password: 'pw' }),
      bounce,
      { authorization: 'Basic %%%%' },
      { path: 'ses-eventbridge' },
    );
    expect([401, 403]).toContain(r.status);
  });

  it('a password variable keeps its commas: one value, not a list', async () => {
    const handle = createHandlerFromEnv(
      {
        ...base,
        MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_PASSWORD: 'a,b',
      },
      ctx,
    );
    const post = (password: string) =>
      handle(
        new Request('https://h.example/webhooks/mail/ses-eventbridge', {
          method: 'POST',
          headers: { authorization: basic('x', password) },
          body: bounce,
        }),
      );
    expect((await post('a')).status).toBe(403);
    expect((await post('a,b')).status).toBe(200);
  });

  it('MAIL_WEBHOOK_BREVO_TOKEN_PREVIOUS also verifies', async () => {
    const handle = createHandlerFromEnv(
      {
        ...base,
        MAIL_WEBHOOK_PROVIDERS: 'brevo',
        MAIL_WEBHOOK_BREVO_TOKEN: 'new',
        MAIL_WEBHOOK_BREVO_TOKEN_PREVIOUS: 'old',
      },
      ctx,
    );
    const r = await handle(
      new Request('https://h.example/webhooks/mail/brevo', {
        method: 'POST',
        headers: { authorization: 'Bearer old' },
        body: text('brevo/anymail_delivered_event.json'),
      }),
    );
    expect(r.status).toBe(200);
  });

  it.each([
    ['postal', 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY', 'not a key'],
    ['mailpace', 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY', 'c2hvcnQ='],
  ])('%s: a bad public key stops start-up naming %s', (name, variable, value) => {
    expect(() =>
      createHandlerFromEnv({ ...base, MAIL_WEBHOOK_PROVIDERS: name, [variable]: value }, ctx),
    ).toThrow(variable);
  });

  it('mandrill: a url that is not an absolute URL is a ConfigError naming url', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [mandrill({ webhookKey: 'k', url: '/hooks/mandrill' })],
      }),
    ).toThrow(/url/);
  });

  it('postal with verifySignature false warns at start-up and takes unsigned posts', async () => {
    const warnings: string[] = [];
    const events: EmailTrackingContext[] = [];
    const handle = createMailWebhookHandler({
      providers: [postal({ verifySignature: false })],
      sinks: [{ name: 'keep', send: async (b) => void events.push(...b) }],
      logger: { ...quiet, warn: (m: unknown) => void warnings.push(String(m)) },
    });
    const r = await handle(
      new Request('https://h.example/webhooks/mail/postal', {
        method: 'POST',
        body: text('postal/docs_MessageSent.json'),
      }),
    );
    expect(r.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/postal/i);
  });

  it('brevo: a lone `tag` is the tag when `tags` is absent', async () => {
    const r = await send(
      brevo({ token: 't' }),
      text('brevo/anymail_hard_bounce.json'),
      {
        authorization: 'Bearer t',
      },
      { path: 'brevo' },
    );
    expect(r.events[0]?.tags).toEqual(['header-tag']);
  });

  it('mailjet: blocked for typofix is rejected, invalid, permanent', async () => {
    const r = await send(
      mailjet({ password: 'p' }),
      text('mailjet/anymail_blocked_event.json'),
      {
        authorization: basic('u', 'p'),
      },
      { path: 'mailjet' },
    );
    expect(r.events[0]).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'invalid',
      permanent: true,
    });
  });

  it.each([
    ['symfony_deferral.json', ['deferred']],
    ['symfony_hard_bounce.json', ['bounced']],
    ['symfony_opens.json', ['opened']],
    ['symfony_reject.json', ['rejected']],
    ['symfony_send.json', ['sent']],
    ['symfony_spam.json', ['complained']],
    ['symfony_unsub.json', ['unsubscribed']],
    ['symfony_batch.json', ['clicked', 'deferred']],
  ])('mandrill %s gives %j', async (file, types) => {
    const url = 'https://hooks.example.com/webhooks/mail/mandrill';
    const events = JSON.stringify(
      (json(`mandrill/${file}`) as { mandrill_events: unknown }).mandrill_events,
    );
    const sig = createHmac('sha1', 'k').update(`${url}mandrill_events${events}`).digest('base64');
    const r = await send(
      mandrill({ webhookKey: 'k', url }),
      new URLSearchParams({ mandrill_events: events }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', 'x-mandrill-signature': sig },
      { path: 'mandrill' },
    );
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.eventType)).toEqual(types);
  });

  it.each([
    ['message_event', 'out_of_band', 'bounced'],
    ['message_event', 'spam_complaint', 'complained'],
    ['message_event', 'policy_rejection', 'rejected'],
    ['unsubscribe_event', 'list_unsubscribe', 'unsubscribed'],
    ['unsubscribe_event', 'link_unsubscribe', 'unsubscribed'],
    ['track_event', 'open', 'opened'],
    ['track_event', 'amp_open', 'opened'],
    // anymail's default: an `open` follows every initial_open (docs/providers/sparkpost.md)
    ['track_event', 'initial_open', 'unknown'],
  ])('sparkpost %s/%s is %s', async (klass, type, expected) => {
    const body = JSON.stringify([
      {
        msys: {
          [klass]: {
            type,
            event_id: 'e1',
            rcpt_to: 'a@example.com',
            raw_rcpt_to: 'A@example.com',
            timestamp: '1464824548',
            transmission_id: 't1',
            bounce_class: '10',
          },
        },
      },
    ]);
    const r = await send(
      sparkpost({ token: 'sp' }),
      body,
      { authorization: 'Bearer sp' },
      {
        path: 'sparkpost',
      },
    );
    expect(r.events.map((e) => [e.eventType, e.recipient])).toEqual([[expected, 'A@example.com']]);
  });

  it('sparkpost: a body that is an object, not a batch, is 400', async () => {
    const r = await send(
      sparkpost({ token: 'sp' }),
      '{"msys":{}}',
      { authorization: 'Bearer sp' },
      {
        path: 'sparkpost',
      },
    );
    expect(r.status).toBe(400);
  });

  it('scaleway: a topic not allowed is 403 before any fetch', async () => {
    const envelope = json('scaleway_tem/constructed_sns_envelope_email_delivered.json') as Record<
      string,
      string
    >;
    const fetchSpy = vi.fn(async () => new Response('x', { status: 500 }));
    const r = await send(
      scaleway({ topicArns: ['arn:scw:sns:fr-par:project-1:other'], trustAnchors: ANCHOR_PEM }),
      JSON.stringify({
        ...envelope,
        Signature: 'AAAA',
        SigningCertURL: 'https://messaging.s3.fr-par.scw.cloud/fr-par/sns/c.pem',
      }),
      {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': envelope.MessageId ?? '',
      },
      {
        path: 'scaleway',
        fetch: fetchSpy as unknown as typeof fetch,
        now: new Date(Date.parse(envelope.Timestamp ?? '') + 1000),
      },
    );
    expect(r.status).toBe(403);
    expect(reason(r)).toContain('topic-not-allowed');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('loops: several signatures, one valid, and a rotated secret list', async () => {
    const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = text('loops/docs_email.opened.json');
    const ts = 1734425918;
    const sig = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64'))
      .update(`m.${ts}.${body}`)
      .digest('base64');
    const r = await send(
      loops({ secret: ['whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', SECRET] }),
      body,
      {
        'webhook-id': 'm',
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,${sig}`,
      },
      { path: 'loops', now: new Date(ts * 1000) },
    );
    expect(r.status).toBe(200);
  });

  it('loops: a secret that is not base64 is a ConfigError naming secret', () => {
    expect(() =>
      createMailWebhookHandler({ providers: [loops({ secret: 'whsec_!!not base64!!' })] }),
    ).toThrow(/secret/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('the rest of the esps.md tables', () => {
  it.each([
    ['10', 'bounced', 'invalid', true],
    ['21', 'bounced', 'bounced', false],
    ['25', 'bounced', 'blocked', false],
    ['51', 'bounced', 'spam', false],
    ['60', 'unknown', null, null],
    ['80', 'unknown', null, null],
    ['90', 'unsubscribed', 'unsubscribed', null],
    ['100', 'unknown', null, null],
  ])(
    'sparkpost bounce_class %s: %s, %s, permanent %s',
    async (klass, type, category, permanent) => {
      const batch = json('sparkpost/anymail_bounce_event.json') as {
        msys: { message_event: Record<string, unknown> };
      }[];
      const [first] = batch;
      if (first) first.msys.message_event.bounce_class = klass;
      const r = await send(
        sparkpost({ token: 't' }),
        JSON.stringify(batch),
        {
          authorization: 'Bearer t',
        },
        { path: 'sparkpost' },
      );
      expect(r.events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
        [type, category, permanent],
      ]);
    },
  );

  it.each([
    ['symfony_opened_unique.json', 'opened'],
    ['symfony_clicked_unique.json', 'clicked'],
  ])('mailersend %s is %s', async (file, type) => {
    const body = text(`mailersend/${file}`);
    const r = await send(
      mailersend({ secret: 's' }),
      body,
      { signature: hmacHex('s', body) },
      {
        path: 'mailersend',
      },
    );
    expect(r.events.map((e) => e.eventType)).toEqual([type]);
  });

  it('postal SendLimitApproaching is 200 with no events', async () => {
    const PEM = text('postal/vectors/postal_ci_signing.key.pem');
    const KEY = (json('postal/vectors/vectors.json') as { public_key_spki_base64: string })
      .public_key_spki_base64;
    const body = text('postal/docs_SendLimitApproaching.json');
    const sig = createSign('RSA-SHA256').update(body).sign(PEM, 'base64');
    const r = await send(
      postal({ publicKey: KEY }),
      body,
      { 'x-postal-signature-256': sig },
      {
        path: 'postal',
      },
    );
    expect([r.status, r.events.length]).toEqual([200, 0]);
  });

  it.each(['openapi_Activity_Log_User_Login.json', 'openapi_Activity_Log_Profile_Update.json'])(
    'mailtrap activity-log %s is 200 with no events',
    async (file) => {
      const body = text(`mailtrap/${file}`);
      const r = await send(
        mailtrap({ secret: 's' }),
        body,
        { 'mailtrap-signature': hmacHex('s', body) },
        { path: 'mailtrap' },
      );
      expect([r.status, r.events.length]).toEqual([200, 0]);
    },
  );

  it('unisender go subscribed is unknown', async () => {
    const payload = {
      ...(json('unisender_go/anymail_sent_event.json') as object),
      status: 'subscribed',
      auth: 'K',
    };
    const auth = createHash('md5').update(JSON.stringify(payload)).digest('hex');
    const r = await send(
      unisenderGo({ apiKey: 'K' }),
      JSON.stringify({ ...payload, auth }),
      {},
      {
        path: 'unisender-go',
      },
    );
    expect(r.events.map((e) => e.eventType)).toEqual(['unknown']);
  });

  it.each([
    ['email.deferred', 'deferred', null],
    ['email.bounced', 'bounced', 'bounced'],
    ['email.delivered', 'delivered', null],
  ])('mailpace %s is %s (category %s)', async (event, type, category) => {
    // RFC 8032 §7.1 TEST 1: the published key pair the vectors use.
    const seed = Buffer.from(
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'hex',
    );
    const pub = Buffer.from('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=', 'base64');
    const privateKey = createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: seed.toString('base64url'),
        x: pub.toString('base64url'),
      },
      format: 'jwk',
    });
    const body = JSON.stringify({
      ...(json('mailpace/anymail_queued_event.json') as object),
      event,
    });
    const sig = edSign(null, Buffer.from(body), privateKey).toString('base64');
    const r = await send(
      mailpace({ publicKey: pub.toString('base64') }),
      body,
      {
        'x-mailpace-signature': sig,
      },
      { path: 'mailpace' },
    );
    expect(r.status).toBe(200);
    expect(r.events.map((e) => [e.eventType, e.rejectCategory])).toEqual([[type, category]]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('credentials are checked before the body is read', () => {
  const POSTAL_KEY = (json('postal/vectors/vectors.json') as { public_key_spki_base64: string })
    .public_key_spki_base64;
  it.each([
    ['brevo', () => brevo({ token: 't' }), 401],
    ['mailjet', () => mailjet({ password: 'p' }), 401],
    ['sparkpost', () => sparkpost({ token: 't' }), 401],
    ['ses-eventbridge', () => sesEventBridge({ token: 't' }), 401],
    ['mailersend', () => mailersend({ secret: 's' }), 403],
    ['mailtrap', () => mailtrap({ secret: 's' }), 403],
    ['mandrill', () => mandrill({ webhookKey: 'k', url: 'https://h.example/m' }), 403],
    ['postal', () => postal({ publicKey: POSTAL_KEY }), 403],
    [
      'mailpace',
      () => mailpace({ publicKey: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }),
      403,
    ],
    ['loops', () => loops({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), 403],
  ])(
    '%s answers %s with a body that never ends, and leaves it unread',
    async (path, make, status) => {
      const handle = createMailWebhookHandler({ providers: [make()], logger: quiet });
      const request = new Request(`https://h.example/webhooks/mail/${path}`, {
        method: 'POST',
        body: new ReadableStream({ pull: () => new Promise(() => {}) }),
        duplex: 'half',
      } as RequestInit);
      const response = await handle(request);
      expect(response.status).toBe(status);
      expect(request.bodyUsed).toBe(false);
    },
  );
});

describe('edges of the windows and probes', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const TS = 1734425918;
  const body = text('loops/docs_email.delivered.json');
  const headers = {
    'webhook-id': 'm',
    'webhook-timestamp': String(TS),
    'webhook-signature': `v1,${createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64'))
      .update(`m.${TS}.${body}`)
      .digest('base64')}`,
  };

  it.each([
    ['exactly 5 minutes old', TS + 300],
    ['exactly 5 minutes ahead', TS - 300],
  ])('loops accepts a timestamp %s', async (_name, nowSeconds) => {
    const r = await send(loops({ secret: SECRET }), body, headers, {
      path: 'loops',
      now: new Date(nowSeconds * 1000),
    });
    expect(r.status).toBe(200);
  });

  it('unisender go answers its GET probe with a query string 200', async () => {
    const r = await send(
      unisenderGo({ apiKey: 'k' }),
      null,
      {},
      {
        path: 'unisender-go?check=1',
        method: 'GET',
      },
    );
    expect(r.status).toBe(200);
  });
});
