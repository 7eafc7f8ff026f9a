/**
 * django-anymail's MailerSend v2 tracking cases (tests/test_mailersend_webhooks.py,
 * MailerSendTrackingTestCase), signed as its client_post_signed signs them (slashes escaped as
 * MailerSend escapes them) and sent through the handler, with every field anymail asserts. Its
 * v1 cases (MailerSendV1TrackingTestCase) are the anymail_*.json fixtures (fixtures.test.ts), and
 * are ported below as anymail posts them.
 */
import { describe, expect, test } from 'vitest';
import { answer, mailersendRequest, NOW, setup, sign } from './helpers.js';

/** As anymail's helper: `json.dumps(data).replace("/", "\\/")`. */
const serialize = (event: object) => JSON.stringify(event).replaceAll('/', '\\/');

async function post(event: object) {
  const { handle, events } = setup();
  const result = await answer(await handle(await mailersendRequest(serialize(event))));
  const [first] = events;
  const fields = first ? { ...first, timestamp: first.timestamp.toISOString() } : undefined;
  return { result, count: events.length, event: fields };
}

const v2 = (type: string, created: string, data: object) => ({
  type: `activity.${type}`,
  created_at: created,
  data,
});

describe("anymail's MailerSend v2 tracking cases", () => {
  test('test_webhook_ping: webhook.test signed with the webhook secret is 200 with no events', async () => {
    const { result, count } = await post({
      type: 'webhook.test',
      message: 'This is a ping test message',
      created_at: '2026-09-12T18:39:57.604840Z',
    });
    expect([result, count]).toEqual([{ status: 200, body: { ok: true, events: 0 } }, 0]);
  });

  test('test_sent_event: ids, time, recipient, tags and no metadata', async () => {
    const raw = {
      type: 'activity.sent',
      created_at: '2026-09-12T18:42:56.000000Z',
      data: {
        id: '6aa59d304ab3f14ef03ccf50',
        domain_id: '[domain-id-redacted]',
        message_id: '6aa59d2fbf35297925087058',
        email_id: '6aa59d3037403a10c4d4d18e',
        type: 'sent',
        subject: 'Test webhooks',
        recipient: 'recipient@example.com',
        tags: ['tag1', 'Tag 2'],
        meta: [],
      },
      webhook_id: '[webhook-id-redacted]',
    };
    const { result, event } = await post(raw);
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(event).toMatchObject({
      eventType: 'sent',
      timestamp: '2026-09-12T18:42:56.000Z',
      messageId: '6aa59d2fbf35297925087058',
      eventId: '6aa59d304ab3f14ef03ccf50',
      recipient: 'recipient@example.com',
      tags: ['tag1', 'Tag 2'],
      metadata: {},
      rawEvent: raw,
    });
  });

  test('test_delivered_event', async () => {
    const { event } = await post(
      v2('delivered', '2026-09-12T18:43:00.000000Z', {
        id: '6aa59d4a531434d718ec48a0',
        message_id: '6aa59d2fbf35297925087058',
        email_id: '6aa59d3037403a10c4d4d18e',
        type: 'delivered',
        recipient: 'recipient@example.com',
        meta: [],
      }),
    );
    expect(event?.eventType).toBe('delivered');
  });

  test('test_hard_bounced_event: bounce_reason is the description, bounce_code the MTA response', async () => {
    const { event } = await post(
      v2('hard_bounced', '2025-08-05T21:24:02.000000Z', {
        id: '6892766a5b66e2daf3dc9158',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'hard_bounced',
        recipient: 'invalid@example.com',
        meta: {
          bounce_reason: 'Host or domain name not found',
          bounce_code: 550,
          bounce_type: 'hard',
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      rejectCategory: 'bounced',
      permanent: true,
      description: 'Host or domain name not found',
      mtaResponse: '550',
    });
  });

  // DESIGN: soft_bounced is bounced with permanent false (anymail: bounced too).
  test('test_soft_bounced_event', async () => {
    const { event } = await post(
      v2('soft_bounced', '2025-08-05T21:24:02.000000Z', {
        id: '6892766a5b66e2daf3dc9157',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'soft_bounced',
        recipient: 'notauser@example.com',
        meta: { bounce_reason: 'Mailbox full', bounce_code: 452, bounce_type: 'soft' },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'notauser@example.com',
      rejectCategory: 'bounced',
      permanent: false,
      description: 'Mailbox full',
      mtaResponse: '452',
    });
  });

  test('test_deferred_event: no MTA response', async () => {
    const { event } = await post(
      v2('deferred', '2025-08-05T21:23:58.000000Z', {
        id: '6892766a5b66e2daf3dc9159',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'deferred',
        recipient: 'recipient@example.com',
        meta: [],
      }),
    );
    expect(event).toMatchObject({
      eventType: 'deferred',
      recipient: 'recipient@example.com',
      mtaResponse: null,
    });
  });

  test('test_spam_complaint_event: data.type spam_complaints', async () => {
    const { event } = await post(
      v2('spam_complaint', '2025-08-05T21:36:40.000000Z', {
        id: '6892766a5b66e2daf3dc915d',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'spam_complaints',
        recipient: 'recipient@example.com',
        meta: [],
      }),
    );
    expect(event).toMatchObject({
      eventType: 'complained',
      recipient: 'recipient@example.com',
      rejectCategory: 'spam',
    });
  });

  test('test_unsubscribed_event: unsubscribe_reason is the description', async () => {
    const { event } = await post(
      v2('unsubscribed', '2025-08-05T21:35:20.000000Z', {
        id: '6892766a5b66e2daf3dc915c',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'unsubscribed',
        recipient: 'recipient@example.com',
        tags: ['test', 'test2'],
        meta: { unsubscribe_reason: 'NO_LONGER_WANT' },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'unsubscribed',
      recipient: 'recipient@example.com',
      description: 'NO_LONGER_WANT',
      rejectCategory: 'unsubscribed',
    });
  });

  test('test_opened_event: meta.user_agent', async () => {
    const { event } = await post(
      v2('opened', '2026-09-12T18:45:01.000000Z', {
        id: '6aa59dad05e8ec525fe6ef95',
        message_id: '6aa59d2fbf35297925087058',
        email_id: '6aa59d3037403a10c4d4d18e',
        type: 'opened',
        recipient: 'recipient@example.com',
        meta: {
          ip: '333.1.2.3',
          country: 'US',
          user_agent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)',
          device_type: 'webmail',
          browser: 'Gmail Image Proxy',
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'opened',
      recipient: 'recipient@example.com',
      userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)',
    });
  });

  // anymail's payload is only the types: an event that names no recipient is still reported
  // (README, common rules), with the handler's clock for the missing created_at.
  test('test_opened_unique_event: opened_unique is opened', async () => {
    const { result, event } = await post({
      type: 'activity.opened_unique',
      data: { type: 'opened' },
    });
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(event).toMatchObject({
      eventType: 'opened',
      recipient: '',
      messageId: '',
      timestamp: NOW.toISOString(),
    });
  });

  test('test_clicked_event: meta.url and meta.user_agent', async () => {
    const { event } = await post(
      v2('clicked', '2026-09-12T18:45:05.000000Z', {
        id: '6aa59db1c8ba039cd6d68435',
        message_id: '6aa59d2fbf35297925087058',
        email_id: '6aa59d3037403a10c4d4d18e',
        type: 'clicked',
        recipient: 'recipient@example.com',
        meta: {
          ip: '333.1.2.3',
          country: 'US',
          user_agent: 'Mozilla/5.0 (Macintosh) AppleWebKit/537.36',
          device_type: 'desktop',
          browser: 'Chrome',
          url: 'https://example.com/test',
        },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      clickUrl: 'https://example.com/test',
      userAgent: 'Mozilla/5.0 (Macintosh) AppleWebKit/537.36',
    });
  });

  test('test_clicked_unique_event: clicked_unique is clicked', async () => {
    const { result, event } = await post({
      type: 'activity.clicked_unique',
      data: { type: 'clicked' },
    });
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(event?.eventType).toBe('clicked');
  });

  test('test_suppressed_event: rejected, blocked', async () => {
    const { event } = await post(
      v2('suppressed', '2025-08-05T21:23:54.000000Z', {
        id: '6892766a5b66e2daf3dc915f',
        domain_id: 'yv69oxl5kl785kw2',
        message_id: '6892766ae78995a317577aa1',
        email_id: '6892766a8d52ba62543d5e71',
        type: 'suppressed',
        subject: 'Test email',
        recipient: 'recipient@example.com',
        meta: { suppression_reason: 'on_hold' },
      }),
    );
    expect(event).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'blocked',
      description: 'on_hold',
    });
  });
});

/**
 * anymail's v1 cases (MailerSendTestCase in the versions before v2): the `data.email` shape,
 * signed with TEST_WEBHOOK_SIGNING_SECRET as client_post_signed signs them.
 */
const TEST_WEBHOOK_SIGNING_SECRET = 'TEST_WEBHOOK_SIGNING_SECRET';

async function postV1(event: object) {
  const { handle, events, lines } = setup({ secret: TEST_WEBHOOK_SIGNING_SECRET });
  const body = serialize(event);
  const request = await mailersendRequest(body, await sign(body, TEST_WEBHOOK_SIGNING_SECRET));
  const result = await answer(await handle(request));
  const [first] = events;
  const fields = first ? { ...first, timestamp: first.timestamp.toISOString() } : undefined;
  return { result, count: events.length, event: fields, lines };
}

const v1 = (type: string, id: string, created: string, email: object, morph: object | null) => ({
  type: `activity.${type}`,
  data: { object: 'activity', id, type, created_at: created, email, morph },
});
const v1Email = (recipient: string, messageId = '63fd1c1d5f010335ed07066b') => ({
  status: 'delivered',
  message: { id: messageId },
  recipient: { email: recipient },
});

describe("anymail's MailerSend v1 tracking cases", () => {
  test('test_sent_event: data.created_at, data.email.message.id, data.id, tags, no metadata', async () => {
    const raw = {
      type: 'activity.sent',
      domain_id: '[domain-id-redacted]',
      created_at: '2023-02-27T21:09:49.520507Z',
      webhook_id: '[webhook-id-redacted]',
      url: 'https://test.anymail.dev/anymail/mailersend/tracking/',
      data: {
        object: 'activity',
        id: '63fd1c1d31b9c750540fe85c',
        type: 'sent',
        created_at: '2023-02-27T21:09:49.506000Z',
        email: {
          object: 'email',
          id: '63fd1c1de225707fa905f0a8',
          created_at: '2023-02-27T21:09:49.141000Z',
          from: 'sender@mailersend.anymail.dev',
          subject: 'Test webhooks',
          status: 'sent',
          tags: ['tag1', 'Tag 2'],
          message: {
            object: 'message',
            id: '63fd1c1d5f010335ed07066b',
            created_at: '2023-02-27T21:09:49.061000Z',
          },
          recipient: {
            object: 'recipient',
            id: '63f3bb1965d98aa98c07d6b7',
            email: 'recipient@example.com',
            created_at: '2023-02-20T18:25:29.162000Z',
          },
        },
        morph: null,
        template_id: '',
      },
    };
    const { result, count, event } = await postV1(raw);
    expect([result, count]).toEqual([{ status: 200, body: { ok: true, events: 1 } }, 1]);
    expect(event).toMatchObject({
      eventType: 'sent',
      espName: 'mailersend',
      timestamp: '2023-02-27T21:09:49.506Z',
      messageId: '63fd1c1d5f010335ed07066b',
      eventId: '63fd1c1d31b9c750540fe85c',
      recipient: 'recipient@example.com',
      tags: ['tag1', 'Tag 2'],
      metadata: {},
      // The escaped slashes read back as slashes: rawEvent is the event as sent.
      rawEvent: raw,
    });
  });

  test('test_delivered_event', async () => {
    const { event } = await postV1(
      v1(
        'delivered',
        '63fd1c1fcfbe46145d003a7b',
        '2023-02-27T21:09:51.865000Z',
        v1Email('recipient@example.com'),
        null,
      ),
    );
    expect(event).toMatchObject({
      eventType: 'delivered',
      timestamp: '2023-02-27T21:09:51.865Z',
      messageId: '63fd1c1d5f010335ed07066b',
      eventId: '63fd1c1fcfbe46145d003a7b',
      recipient: 'recipient@example.com',
    });
  });

  for (const [type, recipient, reason, permanent] of [
    ['hard_bounced', 'invalid@example.com', 'Host or domain name not found', true],
    ['soft_bounced', 'notauser@example.com', 'Unknown reason', false],
  ] as const) {
    test(`test_${type}_event: bounced, morph.reason as description, no MTA response`, async () => {
      const { event } = await postV1(
        v1(type, '63fd251d5c00f8e52001fce6', '2023-02-27T21:48:13.593000Z', v1Email(recipient), {
          object: 'recipient_bounce',
          reason,
        }),
      );
      expect(event).toMatchObject({
        eventType: 'bounced',
        recipient,
        rejectCategory: 'bounced',
        permanent,
        description: reason,
        mtaResponse: null,
      });
    });
  }

  test('test_spam_complaint_event: complained', async () => {
    const { event } = await postV1(
      v1(
        'spam_complaint',
        '62f114f8165fe0d8db0288e5',
        '2022-08-08T13:51:52.747000Z',
        v1Email('recipient@example.com', '62fb66bef54a112e920b5493'),
        { object: 'spam_complaint', reason: null },
      ),
    );
    expect(event).toMatchObject({
      eventType: 'complained',
      recipient: 'recipient@example.com',
      rejectCategory: 'spam',
    });
  });

  test('test_unsubscribed_event: morph.readable_reason as description', async () => {
    const { event } = await postV1(
      v1(
        'unsubscribed',
        '63fd21c23f2bdd360e07d6b2',
        '2023-02-27T21:33:54.791000Z',
        v1Email('recipient@example.com'),
        {
          object: 'recipient_unsubscribe',
          reason: 'option_3',
          readable_reason: 'I get too many emails',
        },
      ),
    );
    expect(event).toMatchObject({
      eventType: 'unsubscribed',
      recipient: 'recipient@example.com',
      description: 'I get too many emails',
      rejectCategory: 'unsubscribed',
    });
  });

  test('test_opened_event', async () => {
    const { event } = await postV1(
      v1(
        'opened',
        '63fd1e05532bd6cc700a793b',
        '2023-02-27T21:17:57.025000Z',
        v1Email('recipient@example.com'),
        {
          object: 'open',
          id: '63fd1e05532bd6cc700a793a',
          created_at: '2023-02-27T21:17:57.018000Z',
          ip: '10.10.10.10',
        },
      ),
    );
    expect(event).toMatchObject({ eventType: 'opened', recipient: 'recipient@example.com' });
  });

  test('test_clicked_event: morph.url as clickUrl', async () => {
    const { event } = await postV1(
      v1(
        'clicked',
        '63fd1d23afa3c770b00da7d3',
        '2023-02-27T21:14:11.691000Z',
        v1Email('recipient@example.com'),
        {
          object: 'click',
          id: '63fd1d23afa3c770b00da7d2',
          created_at: '2023-02-27T21:14:11.679000Z',
          ip: '10.10.10.10',
          url: 'https://example.com/test',
        },
      ),
    );
    expect(event).toMatchObject({
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      clickUrl: 'https://example.com/test',
    });
  });

  // anymail raises a configuration error; DESIGN: inbound mail gives no event.
  test('test_misconfigured_inbound: inbound.message is 200 with no events and a warning', async () => {
    const { result, count, lines } = await postV1({
      type: 'inbound.message',
      data: { object: 'message', raw: '...' },
    });
    expect([result, count]).toEqual([{ status: 200, body: { ok: true, events: 0 } }, 0]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields.note)).toEqual(['inbound.message is inbound mail']);
  });

  // anymail's call_webhook posts {"data": {"type": "sent"}}: no top-level `type`, so, as DESIGN has
  // an SES Message with no event type, not a tracking event: 200 with a warning, no events.
  test('test_verifies_correct_signature: {"data":{"type":"sent"}} is 200, no events, a warning', async () => {
    const { result, count, lines } = await postV1({ data: { type: 'sent' } });
    expect([result, count]).toEqual([{ status: 200, body: { ok: true, events: 0 } }, 0]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields.note)).toEqual(['no "type": not a MailerSend event']);
  });

  test('test_verifies_missing_signature / bad signature: 403 (anymail: 400)', async () => {
    const { handle } = setup({ secret: TEST_WEBHOOK_SIGNING_SECRET });
    const body = serialize(v1('sent', 'x', '2023-02-27T21:09:49Z', v1Email('a@example.com'), null));
    const missing = await answer(await handle(await mailersendRequest(body, null)));
    const wrong = await answer(
      await handle(await mailersendRequest(body, await sign(body, 'wrong signing key'))),
    );
    expect([missing.status, wrong.status]).toEqual([403, 403]);
  });
});
