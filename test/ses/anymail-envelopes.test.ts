/**
 * django-anymail's SES tests post SNS envelopes as they build them (tests/test_amazon_ses_webhooks.py,
 * post_from_sns): most carry only Type, MessageId, Message and Timestamp, the inbound one no
 * Timestamp. With signature checks off (local trials: nothing reads TopicArn or Timestamp to
 * verify) such an envelope is read; with them on, it is still a refusal. Fields are DESIGN's
 * (timestamp from the event itself, rejectReason `Permanent/General`), not anymail's.
 */
import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler, type EmailTrackingContext, ses } from '../../src/index.js';
import bounce from '../fixtures/esps/amazon_ses_sns/anymail_bounce_event.json' with {
  type: 'json',
};
import click from '../fixtures/esps/amazon_ses_sns/anymail_click_event.json' with { type: 'json' };
import complaint from '../fixtures/esps/amazon_ses_sns/anymail_complaint_event.json' with {
  type: 'json',
};
import delivery from '../fixtures/esps/amazon_ses_sns/anymail_delivery_event.json' with {
  type: 'json',
};
import received from '../fixtures/esps/amazon_ses_sns/anymail_incorrect_received_event.json' with {
  type: 'json',
};
import multipleBounce from '../fixtures/esps/amazon_ses_sns/anymail_multiple_bounce_event.json' with {
  type: 'json',
};
import open from '../fixtures/esps/amazon_ses_sns/anymail_open_event.json' with { type: 'json' };
import reject from '../fixtures/esps/amazon_ses_sns/anymail_reject_event.json' with {
  type: 'json',
};
import rendering from '../fixtures/esps/amazon_ses_sns/anymail_rendering_failure_event.json' with {
  type: 'json',
};
import send from '../fixtures/esps/amazon_ses_sns/anymail_send_event.json' with { type: 'json' };

const SNS_ID = '19ba9823-d7f2-53c1-860e-cb10e0d13dfc';
const SNS_TIME = '2018-03-26T17:58:59.675Z';
const NOW = new Date('2026-01-01T00:00:00Z');

/** anymail's post_from_sns: text/plain JSON, the two x-amz-sns-* headers it sets, nothing else. */
const postFromSns = (sns: Record<string, unknown>, headers: Record<string, string> = {}) =>
  new Request('https://example.com/webhooks/mail/ses', {
    method: 'POST',
    body: JSON.stringify(sns),
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-id': String(sns.MessageId),
      'x-amz-sns-message-type': String(sns.Type),
      ...headers,
    },
  });

/** The envelope most of anymail's tests build around an SES event. */
const minimal = (event: object) => ({
  Type: 'Notification',
  MessageId: SNS_ID,
  Message: `${JSON.stringify(event)}\n`,
  Timestamp: SNS_TIME,
});

function setup(options: Parameters<typeof ses>[0] = { verifySignature: false }) {
  const events: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers: [ses(options)],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => NOW,
  });
  return { handle, events };
}

const summary = (events: EmailTrackingContext[]) =>
  events.map((e) => ({
    eventType: e.eventType,
    recipient: e.recipient,
    messageId: e.messageId,
    eventId: e.eventId,
    timestamp: e.timestamp.toISOString(),
  }));

describe("anymail's SES envelopes, signature checks off", () => {
  test('test_bounce_event: the full envelope, with its TopicArn and example signature', async () => {
    const { handle, events } = setup();
    const sns = {
      ...minimal(bounce),
      TopicArn: 'arn:aws:sns:us-east-1:1234567890:SES_Events',
      Subject: 'Amazon SES Email Event Notification',
      SignatureVersion: '1',
      Signature: 'EXAMPLE-SIGNATURE==',
      SigningCertURL:
        'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-12345abcde.pem',
      UnsubscribeURL:
        'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn...',
    };
    const response = await handle(postFromSns(sns));
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(events[0]).toMatchObject({
      eventType: 'bounced',
      recipient: 'jane@example.com',
      eventId: SNS_ID,
      rejectReason: 'Permanent/General',
      rejectCategory: 'bounced',
      mtaResponse: 'smtp; 550 5.1.1 <jane@example.com>... User unknown',
      tags: ['tag 1', 'tag 2'],
      metadata: { meta1: 'string', meta2: '2' },
      rawEvent: bounce,
    });
  });

  const M = '7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
  test.each([
    [
      'test_multiple_bounce_event: one context per bounced recipient, in order',
      multipleBounce,
      [
        ['bounced', 'jane@example.com', SNS_TIME],
        ['bounced', 'richard@example.com', SNS_TIME],
      ],
      '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
    ],
    [
      'test_complaint_event',
      complaint,
      [['complained', 'richard@example.com', SNS_TIME]],
      '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
    ],
    [
      'test_delivery_event',
      delivery,
      [['delivered', 'jane@example.com', '2016-01-27T14:59:38.237Z']],
      '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
    ],
    ['test_send_event', send, [['sent', 'recipient@example.com', '2016-10-14T05:02:16.645Z']], M],
    [
      'test_reject_event',
      reject,
      [['rejected', 'recipient@example.com', '2016-10-14T17:38:15.211Z']],
      M,
    ],
    ['test_open_event', open, [['opened', 'recipient@example.com', '2017-08-09T22:00:19.652Z']], M],
    [
      'test_click_event',
      click,
      [['clicked', 'recipient@example.com', '2017-08-09T23:51:25.570Z']],
      M,
    ],
    [
      'test_rendering_failure_event',
      rendering,
      [['failed', 'recipient@example.com', SNS_TIME]],
      'c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
    ],
  ] as const)('%s', async (_name, event, want, messageId) => {
    const { handle, events } = setup();
    const response = await handle(postFromSns(minimal(event)));
    expect([response.status, await response.json()]).toEqual([
      200,
      { ok: true, events: want.length },
    ]);
    expect(summary(events)).toEqual(
      want.map(([eventType, recipient, timestamp]) => ({
        eventType,
        recipient,
        messageId,
        eventId: SNS_ID,
        timestamp,
      })),
    );
    for (const e of events) expect(e.rawEvent).toEqual(event);
  });

  test('test_incorrect_received_event: inbound mail, an envelope without Timestamp, is 200 with no events', async () => {
    const { handle, events } = setup();
    const response = await handle(postFromSns(received));
    expect([response.status, await response.json()]).toEqual([200, { ok: true, events: 0 }]);
    expect(events).toEqual([]);
  });

  test('without an SNS Timestamp, an event with no time of its own takes the clock', async () => {
    const { handle, events } = setup();
    const { Timestamp: _, ...sns } = minimal(multipleBounce);
    expect((await handle(postFromSns(sns))).status).toBe(200);
    expect(events.map((e) => e.timestamp.toISOString())).toEqual([
      NOW.toISOString(),
      NOW.toISOString(),
    ]);
  });

  test('the security tests: `Message: "{}"` with the secret is 200; no credentials 401 with a Basic challenge', async () => {
    const { handle } = setup({ verifySignature: false, secret: 'password' });
    const sns = { Type: 'Notification', MessageId: '123', Message: '{}' };
    const auth = { authorization: `Basic ${btoa('username:password')}` };
    const ok = await handle(postFromSns(sns, auth));
    expect([ok.status, await ok.json()]).toEqual([200, { ok: true, events: 0 }]);
    const bad = await handle(postFromSns(sns, { authorization: `Basic ${btoa('u:wrong')}` }));
    expect(bad.status).toBe(403);
    const missing = await handle(postFromSns(sns));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  test("anymail's WEBHOOK_SECRET form: a secret `username:password` matches those credentials as a whole", async () => {
    const { handle } = setup({ verifySignature: false, secret: ['cred1:pass1', 'cred2:pass2'] });
    const sns = { Type: 'Notification', MessageId: '123', Message: '{}' };
    const post = (creds: string) =>
      handle(postFromSns(sns, { authorization: `Basic ${btoa(creds)}` })).then((r) => r.status);
    expect(await post('cred1:pass1')).toBe(200);
    expect(await post('cred2:pass2')).toBe(200);
    // Each pair is one secret: another user name with its password, or half a pair, is not.
    expect(await post('cred1:pass2')).toBe(403);
    expect(await post('baduser:wrongpassword')).toBe(403);
    expect(await post('someone:cred1:pass1')).toBe(200);
  });

  test('a topic allow-list still applies: no TopicArn is refused 403 topic-not-allowed', async () => {
    const { handle, events } = setup({
      verifySignature: false,
      topicArns: ['arn:aws:sns:us-east-1:123456789012:ses-events'],
    });
    const response = await handle(postFromSns(minimal(delivery)));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'topic-not-allowed' });
    expect(events).toEqual([]);
  });
});

describe('with signature checks on, such an envelope is still refused', () => {
  test('no TopicArn: 400 naming the field', async () => {
    const { handle } = setup({ allowAnyTopic: true });
    const response = await handle(postFromSns(minimal(delivery)));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid-envelope' });
    expect(
      JSON.stringify(await handle(postFromSns(minimal(delivery))).then((r) => r.json())),
    ).toContain('TopicArn');
  });
});
