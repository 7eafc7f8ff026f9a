/**
 * django-anymail's MailerSend v2 tracking cases (tests/test_mailersend_webhooks.py,
 * MailerSendTrackingTestCase), signed as its client_post_signed signs them (slashes escaped as
 * MailerSend escapes them) and sent through the handler, with every field anymail asserts. Its
 * v1 cases (MailerSendV1TrackingTestCase) are the anymail_*.json fixtures (fixtures.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { answer, mailersendRequest, NOW, setup } from './helpers.js';

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
