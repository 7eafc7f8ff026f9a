/**
 * django-anymail's Brevo tracking tests (tests/test_brevo_webhooks.py, BrevoDeliveryTestCase and
 * the basic-auth security cases) ported: each payload as anymail posts it (`json.dumps`, HTTP Basic
 * `username:password`), and every field anymail asserts. Where DESIGN differs from anymail it wins,
 * and the case says so.
 */
import { describe, expect, test } from 'vitest';
import { brevo, type EmailTrackingContext } from '../../../src/index.js';
import { basic, harness, NOW } from '../../helpers/provider-harness.js';

const AUTH = { authorization: basic('username', 'password') };
const RELAY = '<201803011158.9876543210@smtp-relay.mailin.fr>';
const MARCH_6 = '2018-03-06T19:10:23.000Z';

async function post(raw: object, options = { username: 'username', password: 'password' }) {
  const { post: send, events, warnings } = harness(brevo(options));
  const answer = await send(JSON.stringify(raw), AUTH);
  return { answer, events, warnings, event: fields(events[0]) };
}

const fields = (event: EmailTrackingContext | undefined) =>
  event && { ...event, timestamp: event.timestamp.toISOString() };

/** anymail's minimal events: event, email, ts_epoch, message-id, and what each test adds. */
const minimal = (event: string, extra: Record<string, unknown> = {}) => ({
  event,
  email: 'recipient@example.com',
  ts_epoch: 1520363423000,
  'message-id': RELAY,
  ...extra,
});

describe("anymail's Brevo tracking cases", () => {
  test('test_sent_event: request is queued; ts_epoch, message-id, X-Mailin-custom, tags', async () => {
    const raw = {
      event: 'request',
      email: 'recipient@example.com',
      id: 9999999,
      'message-id': '<201803062010.27287306012@smtp-relay.mailin.fr>',
      subject: 'Test subject',
      date: '2018-03-06 11:10:23',
      ts: 1520331023,
      ts_event: 1520331023,
      ts_epoch: 1520363423000,
      'X-Mailin-custom': '{"meta": "data"}',
      tag: '["tag1","tag2"]',
      tags: ['tag1', 'tag2'],
      template_id: 12,
      sending_ip: '333.33.33.33',
    };
    const { answer, events, event } = await post(raw);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events).toHaveLength(1);
    expect(event).toMatchObject({
      eventType: 'queued',
      espName: 'brevo',
      rawEvent: raw,
      timestamp: MARCH_6,
      messageId: '<201803062010.27287306012@smtp-relay.mailin.fr>',
      recipient: 'recipient@example.com',
      metadata: { meta: 'data' },
      tags: ['tag1', 'tag2'],
    });
    // anymail's event_id is None: DESIGN's digest of the body stands in (stable across retries).
    expect(event?.eventId).toMatch(/^brevo:[0-9a-f]{32}$/);
  });

  test('test_delivered_event: empty metadata and tags when none given', async () => {
    const raw = {
      event: 'delivered',
      email: 'recipient@example.com',
      ts_epoch: 1520363423000,
      'message-id': RELAY,
    };
    const { event } = await post(raw);
    expect(event).toMatchObject({
      eventType: 'delivered',
      rawEvent: raw,
      messageId: RELAY,
      recipient: 'recipient@example.com',
      metadata: {},
      tags: [],
    });
  });

  test('test_hard_bounce: bounced, category bounced, reason as mtaResponse, tag as one tag', async () => {
    const reason = ' RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.';
    const { event } = await post({
      ...minimal('hard_bounce', { reason, tag: 'header-tag' }),
      email: 'not-a-user@example.com',
    });
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'not-a-user@example.com',
      rejectCategory: 'bounced',
      permanent: true,
      mtaResponse: reason,
      tags: ['header-tag'],
    });
  });

  test('test_soft_bounce_event: no description, reason as mtaResponse', async () => {
    const reason = 'undefined Unable to find MX of domain no-mx.example.com';
    const { event } = await post({
      ...minimal('soft_bounce', { reason }),
      email: 'recipient@no-mx.example.com',
    });
    expect(event).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'bounced',
      permanent: false,
      description: null,
      mtaResponse: reason,
    });
  });

  test('test_blocked: rejected, blocked', async () => {
    const { event } = await post(minimal('blocked', { reason: 'blocked : due to blacklist user' }));
    expect(event).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'blocked',
      mtaResponse: 'blocked : due to blacklist user',
    });
  });

  test('test_spam: complained, spam', async () => {
    const { event } = await post(minimal('spam'));
    expect(event).toMatchObject({ eventType: 'complained', rejectCategory: 'spam' });
  });

  test('test_complaint: complained, spam (no ts_epoch: the handler clock)', async () => {
    const { event } = await post({
      event: 'complaint',
      email: 'example@domain.com',
      id: 'xxxxx',
      date: '2020-10-09 00:00:00',
      ts: 1604933619,
      'message-id': '201798300811.5787683@relay.domain.com',
      ts_event: 1604933654,
      'X-Mailin-custom': '{"meta": "data"}',
      tags: ['transac_messages'],
    });
    expect(event).toMatchObject({
      eventType: 'complained',
      rejectCategory: 'spam',
      recipient: 'example@domain.com',
      messageId: '201798300811.5787683@relay.domain.com',
      timestamp: NOW.toISOString(),
    });
  });

  test('test_invalid_email: bounced, invalid', async () => {
    const reason = '(guessing invalid_email includes a reason)';
    const { event } = await post(minimal('invalid_email', { reason }));
    expect(event).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'invalid',
      mtaResponse: reason,
    });
  });

  // anymail's reject_reason is None; DESIGN: a failed event is `other` unless the ESP says more.
  test('test_error_email: failed, category other (DESIGN), not None (anymail)', async () => {
    const { event } = await post({
      event: 'error',
      email: 'example@domain.com',
      id: 'xxxxx',
      date: '2020-10-09 00:00:00',
      ts: 1604933619,
      'message-id': '201798300811.5787683@relay.domain.com',
      ts_event: 1604933654,
      subject: 'My first Transactional',
      'X-Mailin-custom': '{"meta": "data"}',
      template_id: 22,
      tags: ['transac_messages'],
      ts_epoch: 1604933623,
    });
    expect(event).toMatchObject({
      eventType: 'failed',
      rejectCategory: 'other',
      permanent: false,
      timestamp: '2020-11-09T14:53:43.000Z',
    });
  });

  test('test_deferred_event: deferred, no description, reason as mtaResponse', async () => {
    const reason =
      '550 RecipientError: 550 5.1.1 <notauser@example.com>: Recipient address rejected: User unknown in virtual alias table';
    const { event } = await post({
      ...minimal('deferred', { reason }),
      email: 'notauser@example.com',
    });
    expect(event).toMatchObject({
      eventType: 'deferred',
      description: null,
      mtaResponse: reason,
      rejectCategory: null,
      permanent: null,
    });
  });

  for (const name of ['opened', 'unique_opened']) {
    test(`test_${name}_event: opened, no user agent`, async () => {
      const { event } = await post(minimal(name));
      expect(event).toMatchObject({ eventType: 'opened', userAgent: null });
    });
  }

  test('test_proxy_open_event: opened (s_epoch, tag as a list)', async () => {
    const { event } = await post({
      event: 'proxy_open',
      email: 'example@domain.com',
      id: 1,
      date: '2020-10-09 00:00:00',
      'message-id': '201798300811.5787683@relay.domain.com',
      subject: 'My first Transactional',
      tag: ['transactionalTag'],
      sending_ip: 'xxx.xxx.xxx.xxx',
      s_epoch: 1534486682000,
      template_id: 1,
    });
    expect(event).toMatchObject({
      eventType: 'opened',
      timestamp: '2018-08-17T06:18:02.000Z',
      tags: ['transactionalTag'],
    });
  });

  test('test_clicked_event: clicked, link as clickUrl, no user agent', async () => {
    const { event } = await post(minimal('click', { link: 'https://example.com/click/me' }));
    expect(event).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://example.com/click/me',
      userAgent: null,
    });
  });

  test('test_unsubscribe: unsubscribed', async () => {
    const { event } = await post(minimal('unsubscribe'));
    expect(event).toMatchObject({ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' });
  });

  // anymail raises a configuration error; DESIGN: inbound mail gives no event.
  test('test_misconfigured_inbound: { items: [] } is 200 with no events and a warning', async () => {
    const { answer, events, warnings } = await post({ items: [] });
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
    expect(warnings().some((l) => /inbound/.test(l.msg))).toBe(true);
  });
});

describe("anymail's Brevo basic-auth cases (DESIGN: 401 missing, 403 wrong)", () => {
  const body = JSON.stringify(minimal('delivered'));
  const setup = (password: string | string[] = 'password') => harness(brevo({ password })).post;

  test('test_verifies_basic_auth / bad auth / missing auth', async () => {
    const send = setup();
    expect((await send(body, AUTH)).status).toBe(200);
    expect((await send(body, { authorization: basic('baduser', 'wrongpassword') })).status).toBe(
      403,
    );
    expect((await send(body)).status).toBe(401);
  });

  // anymail's call_webhook posts `{}`, which names no event: as DESIGN has an SES Message with
  // no event type, not a tracking event: 200 with a warning and no events (never a 400 retried).
  test("anymail's `{}` with the right credentials: 200, no events, a warning", async () => {
    const { post: send, events, warnings } = harness(brevo({ password: 'password' }));
    expect(await send('{}', AUTH)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
    expect(warnings().map((l) => l.msg)).toEqual([
      'Brevo request carries no tracking event: no "event": not a Brevo event',
    ]);
  });

  test('test_supports_credential_rotation: any password of the list', async () => {
    const send = setup(['pass1', 'pass2']);
    expect((await send(body, { authorization: basic('cred1', 'pass1') })).status).toBe(200);
    expect((await send(body, { authorization: basic('cred2', 'pass2') })).status).toBe(200);
    expect((await send(body, { authorization: basic('baduser', 'wrongpassword') })).status).toBe(
      403,
    );
  });
});
