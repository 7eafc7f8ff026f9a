/**
 * django-anymail's Mailgun tracking tests (tests/test_mailgun_webhooks.py, MailgunTestCase and
 * MailgunWebhookSecurityTestCase; the legacy form webhooks are not supported) ported: each payload
 * signed as anymail's `mailgun_sign_payload` signs it (key TEST_WEBHOOK_SIGNING_KEY, the same
 * default token in every test), all posted to ONE handler, and every field anymail asserts. DESIGN
 * wins where it differs: `messageId` is the header as sent (anymail adds `<>`), `eventId` is
 * `event-data.id` (anymail's is the signature token), `rawEvent` is `event-data` (anymail's is
 * the whole body, signature block included), a deferred event has no category.
 */
import { describe, expect, test } from 'vitest';
import { type EmailTrackingContext, mailgun } from '../../../src/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { hmacHex } from '../../helpers/hmac.js';

const TEST_WEBHOOK_SIGNING_KEY = 'TEST_WEBHOOK_SIGNING_KEY';
const ROUTE = 'http://testserver/webhooks/mail/mailgun';

interface Payload {
  'event-data': Record<string, unknown>;
  signature?: Record<string, string>;
}

/** anymail's `mailgun_sign_payload`: completes the signature block (default token and time). */
async function mailgunSignPayload(data: Payload, key = TEST_WEBHOOK_SIGNING_KEY) {
  const stamp = data['event-data'].timestamp ?? '1234567890.123';
  const token = data.signature?.token ?? '1234567890abcdef1234567890abcdef';
  const timestamp = data.signature?.timestamp ?? String(Math.trunc(Number(stamp)));
  const signature = await hmacHex(key, `${timestamp}${token}`);
  return { ...data, signature: { ...data.signature, token, timestamp, signature } };
}

// One handler for the whole file, as an application has: anymail's tests all share one token.
const { handle, events } = captureHandler(mailgun({ signingKey: TEST_WEBHOOK_SIGNING_KEY }));

async function post(body: unknown) {
  const before = events.length;
  const response = await handle(
    new Request(ROUTE, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  );
  const got = events.slice(before);
  return {
    status: response.status,
    body: await response.json(),
    events: got,
    event: fields(got[0]),
  };
}

const fields = (event: EmailTrackingContext | undefined) =>
  event && { ...event, timestamp: event.timestamp.toISOString() };

describe("anymail's Mailgun security cases (DESIGN: 403 for a bad or missing signature)", () => {
  test('test_verifies_correct_signature: 200', async () => {
    const { status } = await post(
      await mailgunSignPayload({ 'event-data': { event: 'delivered' } }),
    );
    expect(status).toBe(200);
  });

  test('test_verifies_missing_signature: 403', async () => {
    expect((await post({ 'event-data': { event: 'delivered' } })).status).toBe(403);
  });

  test('test_verifies_bad_signature: 403', async () => {
    const signed = await mailgunSignPayload(
      { 'event-data': { event: 'delivered' } },
      'wrong signing key',
    );
    expect((await post(signed)).status).toBe(403);
  });
});

describe("anymail's Mailgun tracking cases", () => {
  test('test_delivered_event: delivered; fractional timestamp, message-id, ids, empty tags', async () => {
    const raw = await mailgunSignPayload({
      signature: {
        timestamp: '1534108637',
        token: '651869375b9df3c98fc15c4889b102119add1235c38fc92824',
        signature: '...',
      },
      'event-data': {
        tags: [],
        timestamp: 1534108637.153125,
        storage: {
          url: 'https://sw.api.mailgun.net/v3/domains/example.org/messages/eyJwI...',
          key: 'eyJwI...',
        },
        'recipient-domain': 'example.com',
        id: 'hTWCTD81RtiDN-...',
        campaigns: [],
        'user-variables': {},
        flags: {
          'is-routed': false,
          'is-authenticated': true,
          'is-system-test': false,
          'is-test-mode': false,
        },
        'log-level': 'info',
        envelope: {
          'sending-ip': '333.123.123.200',
          sender: 'test@example.org',
          transport: 'smtp',
          targets: 'recipient@example.com',
        },
        message: {
          headers: {
            to: 'recipient@example.com',
            'message-id': '20180812211713.1.DF5966851B4BAA99@example.org',
            from: 'test@example.org',
            subject: 'Testing',
          },
          attachments: [],
          size: 809,
        },
        recipient: 'recipient@example.com',
        event: 'delivered',
        'delivery-status': {
          tls: true,
          'mx-host': 'smtp-in.example.com',
          'attempt-no': 1,
          description: '',
          'session-seconds': 3.5700838565826416,
          utf8: true,
          code: 250,
          message: 'OK',
          'certificate-verified': true,
        },
      },
    });
    const { status, body, events: got, event } = await post(raw);
    expect([status, body, got.length]).toEqual([200, { ok: true, events: 1 }, 1]);
    expect(event).toMatchObject({
      eventType: 'delivered',
      espName: 'mailgun',
      timestamp: '2018-08-12T21:17:17.153Z',
      messageId: '20180812211713.1.DF5966851B4BAA99@example.org',
      eventId: 'hTWCTD81RtiDN-...',
      recipient: 'recipient@example.com',
      // anymail's esp_event is the whole body; here the signature block (a replayable
      // credential) never reaches a sink: rawEvent is `event-data` (docs/providers/mailgun.md).
      rawEvent: raw['event-data'],
      tags: [],
      metadata: {},
    });
  });

  test('test_failed_permanent_event: bounced, empty description, delivery-status.message', async () => {
    const message =
      "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos";
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'failed',
          severity: 'permanent',
          reason: 'bounce',
          recipient: 'invalid@example.com',
          timestamp: 1534110422.389832,
          'log-level': 'error',
          message: {
            headers: {
              to: 'invalid@example.com',
              'message-id': '20180812214658.1.0DF563D0B3597700@example.org',
              from: 'Test Sender ',
            },
          },
          'delivery-status': {
            tls: true,
            'mx-host': 'aspmx.l.example.org',
            'attempt-no': 1,
            description: '',
            'session-seconds': 2.952177047729492,
            utf8: true,
            code: 550,
            message,
            'certificate-verified': true,
          },
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      rejectCategory: 'bounced',
      permanent: true,
      description: '',
      mtaResponse: message,
    });
  });

  const temporary = (reason: string, recipient: string, status: Record<string, unknown>) => ({
    'event-data': {
      event: 'failed',
      severity: 'temporary',
      reason,
      timestamp: 1534111899.659519,
      'log-level': 'warn',
      message: {
        headers: {
          to: 'undeliverable@nomx.example.com',
          'message-id': '20180812214638.1.4A7D468E9BC18C5D@example.org',
          from: 'Test Sender ',
          subject: 'Testing',
        },
      },
      recipient,
      'delivery-status': status,
    },
  });

  // anymail's reject_reason is "other" for both; DESIGN: a deferred event has no category.
  test('test_failed_temporary_event: deferred, description and mtaResponse, no category', async () => {
    const { event } = await post(
      await mailgunSignPayload(
        temporary('generic', 'undeliverable@nomx.example.com', {
          'attempt-no': 3,
          description: 'No MX for nomx.example.com',
          'session-seconds': 0.0,
          'retry-seconds': 1800,
          code: 498,
          message: 'No MX for nomx.example.com',
        }),
      ),
    );
    expect(event).toMatchObject({
      eventType: 'deferred',
      recipient: 'undeliverable@nomx.example.com',
      rejectCategory: null,
      permanent: null,
      description: 'No MX for nomx.example.com',
      mtaResponse: 'No MX for nomx.example.com',
    });
  });

  test('test_failed_greylisted_event: deferred, no category', async () => {
    const text = 'Recipient address rejected: Greylisted';
    const { event } = await post(
      await mailgunSignPayload(
        temporary('greylisted', 'undeliverable@mx.example.com', {
          'mx-host': 'mx.example.com',
          'attempt-no': 1,
          description: text,
          'session-seconds': 0.0,
          'retry-seconds': 300,
          code: 450,
          message: text,
        }),
      ),
    );
    expect(event).toMatchObject({
      eventType: 'deferred',
      recipient: 'undeliverable@mx.example.com',
      rejectCategory: null,
      description: text,
      mtaResponse: text,
    });
  });

  test('test_rejected_event: rejected, other; no recipient field: the To header address', async () => {
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'rejected',
          timestamp: 1529704976.104692,
          'log-level': 'warn',
          reject: { reason: 'Sandbox subdomains are for test purposes only.', description: '' },
          message: {
            headers: {
              to: 'Recipient Name <recipient@example.org>',
              'message-id': '20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org',
              from: 'test@sandbox55887.mailgun.org',
              subject: 'Test Subject',
            },
          },
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'other',
      description: 'Sandbox subdomains are for test purposes only.',
      recipient: 'recipient@example.org',
    });
  });

  test('test_complained_event: complained', async () => {
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'complained',
          id: 'ncV2XwymRUKbPek_MIM-Gw',
          timestamp: 1377214260.049634,
          'log-level': 'warn',
          recipient: 'recipient@example.com',
          message: {
            headers: {
              to: 'foo@recipient.com',
              'message-id': '20130718032413.263EE2E0926@example.org',
              from: 'Sender Name <sender@example.org>',
              subject: 'We are not spammer',
            },
          },
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'complained',
      recipient: 'recipient@example.com',
      rejectCategory: 'spam',
      eventId: 'ncV2XwymRUKbPek_MIM-Gw',
    });
  });

  test('test_unsubscribed_event: unsubscribed', async () => {
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'unsubscribed',
          id: 'W3X4JOhFT-OZidZGKKr9iA',
          timestamp: 1377213791.421473,
          'log-level': 'info',
          recipient: 'recipient@example.com',
          message: { headers: { 'message-id': '20130822232216.13966.79700@samples.mailgun.org' } },
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'unsubscribed',
      recipient: 'recipient@example.com',
      rejectCategory: 'unsubscribed',
    });
  });

  test('test_opened_event: opened, tags, user-variables as metadata, client-info user agent', async () => {
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'opened',
          timestamp: 1534109600.089676,
          recipient: 'recipient@example.com',
          tags: ['welcome', 'variation-A'],
          'user-variables': { cohort: '2018-08-B', user_id: '123456' },
          message: { headers: { 'message-id': '20180812213139.1.BC6694A917BB7E6A@example.org' } },
          geolocation: { country: 'US', region: 'CA', city: 'San Francisco' },
          ip: '888.222.444.111',
          'client-info': {
            'client-type': 'browser',
            'client-os': 'OS X',
            'device-type': 'desktop',
            'client-name': 'Chrome',
            'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6)...',
          },
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'opened',
      recipient: 'recipient@example.com',
      tags: ['welcome', 'variation-A'],
      metadata: { cohort: '2018-08-B', user_id: '123456' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6)...',
    });
  });

  test('test_clicked_event: clicked, url as clickUrl', async () => {
    const { event } = await post(
      await mailgunSignPayload({
        'event-data': {
          event: 'clicked',
          timestamp: 1534109600.089676,
          recipient: 'recipient@example.com',
          url: 'https://example.com/test',
        },
      }),
    );
    expect(event).toMatchObject({ eventType: 'clicked', clickUrl: 'https://example.com/test' });
  });

  test('test_delivery_status_is_none_event: accepted with delivery-status null is queued', async () => {
    const { status, event } = await post(
      await mailgunSignPayload({ 'event-data': { event: 'accepted', 'delivery-status': null } }),
    );
    expect(status).toBe(200);
    expect(event).toMatchObject({ eventType: 'queued', description: null, mtaResponse: null });
  });
});
