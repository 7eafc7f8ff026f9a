// SES events over SNS, signed by a test certificate: the normalized fields (DESIGN "Normalized
// event"), the SNS message kinds (DESIGN "Request life and answers", "Verification (SNS)").
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, createMailWebhookHandler, ses } from '../../src/index.js';
import {
  basic,
  bodyText,
  CERT_URL,
  certFetch,
  collector,
  fixtureJson,
  json,
  makeSnsCert,
  must,
  recordingLogger,
  refusal,
  type SnsCert,
  snsEnvelope,
  snsRequest,
  TOPIC,
} from './helpers.js';

let cert: SnsCert;
beforeAll(() => {
  cert = makeSnsCert({ san: 'sns.amazonaws.com' });
});

function setup(
  options: Parameters<typeof ses>[0] = { topicArns: [TOPIC] },
  fetchImpl?: typeof fetch,
) {
  const sink = collector();
  const logger = recordingLogger();
  const f = fetchImpl ?? certFetch({ [CERT_URL]: cert.certPem });
  const handler = createMailWebhookHandler({
    providers: [ses(options)],
    sinks: [sink],
    fetch: f,
    logger,
  });
  return { handler, sink, logger, fetch: f as any };
}

async function deliver(message: unknown, envOptions: Parameters<typeof snsEnvelope>[2] = {}) {
  const s = setup();
  const envelope = snsEnvelope(cert, message, envOptions);
  const res = await s.handler(snsRequest(envelope));
  return { res, events: s.sink.events, envelope, logger: s.logger };
}

const ses_ = (name: string) => fixtureJson(`ses/${name}.json`);

describe('SES event types and fields', () => {
  test('bounce: one context, every field from the DESIGN table', async () => {
    const { res, events, envelope } = await deliver(ses_('event-publishing-bounce'));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, events: 1 });
    expect(events).toHaveLength(1);
    const e = must(events[0]);
    expect(e.eventType).toBe('bounced');
    expect(e.messageId).toBe('EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000');
    expect(e.recipient).toBe('recipient@example.com');
    expect(e.timestamp).toBeInstanceOf(Date);
    expect(e.timestamp.toISOString()).toBe('2017-08-05T00:41:02.669Z');
    expect(e.espName).toBe('ses');
    expect(e.rejectReason).toBe('Permanent/General');
    expect(e.description).toBe('smtp; 550 5.1.1 user unknown');
    expect(e.mtaResponse).toBe('smtp; 550 5.1.1 user unknown');
    expect(e.rejectCategory).toBe('bounced');
    expect(e.permanent).toBe(true);
    expect(e.clickUrl).toBeNull();
    expect(e.userAgent).toBeNull();
    expect(e.eventId).toBe(envelope.MessageId);
    expect(e.rawEvent).toEqual(ses_('event-publishing-bounce'));
    // ses:* tags are not tags
    expect(e.tags).toEqual([]);
    expect(e.metadata).toEqual({});
  });

  test('a Transient bounce is not permanent', async () => {
    const msg = ses_('event-publishing-bounce');
    msg.bounce.bounceType = 'Transient';
    msg.bounce.bounceSubType = 'MailboxFull';
    const { events } = await deliver(msg);
    expect(events[0]).toMatchObject({
      eventType: 'bounced',
      rejectReason: 'Transient/MailboxFull',
      permanent: false,
      rejectCategory: 'bounced',
    });
  });

  test('an Undetermined bounce is not permanent either: only Permanent is', async () => {
    const msg = ses_('event-publishing-bounce');
    msg.bounce.bounceType = 'Undetermined';
    msg.bounce.bounceSubType = 'Undetermined';
    const { events } = await deliver(msg);
    expect(events[0]).toMatchObject({
      eventType: 'bounced',
      rejectReason: 'Undetermined/Undetermined',
      permanent: false,
      rejectCategory: 'bounced',
    });
  });

  test('complaint: complained, spam, feedback type, userAgent, complaint timestamp', async () => {
    const { events } = await deliver(ses_('event-publishing-complaint'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'complained',
      recipient: 'recipient@example.com',
      rejectReason: 'abuse',
      rejectCategory: 'spam',
      permanent: null,
      userAgent: expect.stringContaining('Mozilla/5.0'),
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2017-08-05T00:41:02.669Z');
  });

  test('delivery: delivered, smtpResponse as mtaResponse, delivery timestamp, tags from mail.tags', async () => {
    const { events } = await deliver(ses_('event-publishing-delivery'));
    const e = must(events[0]);
    expect(e.eventType).toBe('delivered');
    expect(e.mtaResponse).toBe('250 2.6.0 Message received');
    expect(e.timestamp.toISOString()).toBe('2016-10-19T23:21:04.133Z');
    expect(e.rejectCategory).toBeNull();
    expect(e.permanent).toBeNull();
    expect([...e.tags].sort()).toEqual([
      'myCustomTag1:myCustomTagValue1',
      'myCustomTag2:myCustomTagValue2',
    ]);
  });

  test('reject: rejected, reject.reason, blocked, content reject not permanent', async () => {
    const { events } = await deliver(ses_('event-publishing-reject'));
    expect(events[0]).toMatchObject({
      eventType: 'rejected',
      recipient: 'sender@example.com',
      rejectReason: 'Bad content',
      rejectCategory: 'blocked',
      permanent: false,
    });
  });

  test('send (mail.timestamp), open and click (their own timestamps, userAgent, link)', async () => {
    const send = await deliver(ses_('event-publishing-send'));
    expect(send.events[0]?.eventType).toBe('sent');
    expect(send.events[0]?.timestamp.toISOString()).toBe('2016-10-14T05:02:16.645Z');
    const open = await deliver(ses_('event-publishing-open'));
    expect(open.events[0]).toMatchObject({
      eventType: 'opened',
      userAgent: expect.stringContaining('iPhone'),
      rejectCategory: null,
      permanent: null,
    });
    expect(open.events[0]?.timestamp.toISOString()).toBe('2017-08-09T22:00:19.652Z');
    const click = await deliver(ses_('event-publishing-click'));
    expect(click.events[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
      userAgent: expect.stringContaining('Chrome/60'),
    });
    expect(click.events[0]?.timestamp.toISOString()).toBe('2017-08-09T23:51:25.570Z');
    expect([...must(click.events[0]).tags].sort()).toEqual([
      'myCustomTag1:myCustomValue1',
      'myCustomTag2:myCustomValue2',
    ]);
  });

  test('Rendering Failure: failed, errorMessage, other, not permanent', async () => {
    const { events } = await deliver(ses_('event-publishing-failure'));
    expect(events[0]).toMatchObject({
      eventType: 'failed',
      description: "Attribute 'attributeName' is not present in the rendering data.",
      rejectCategory: 'other',
      permanent: false,
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2018-01-22T18:43:06.197Z');
  });

  test('DeliveryDelay: deferred, delayType, delayedRecipients, no category', async () => {
    const { events } = await deliver(ses_('event-publishing-delayed-delivery'));
    expect(events[0]).toMatchObject({
      eventType: 'deferred',
      recipient: 'recipient@example.com',
      description: 'TransientCommunicationFailure',
      rejectCategory: null,
      permanent: null,
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2020-06-16T00:25:40.095Z');
  });

  test('Subscription opting out: unsubscribed', async () => {
    const { events } = await deliver(ses_('event-publishing-subscription'));
    expect(events[0]).toMatchObject({ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' });
    expect(events[0]?.timestamp.toISOString()).toBe('2022-01-12T01:00:17.910Z');
  });

  test('Subscription with unsubscribeAll and every topic still opted in: unsubscribed', async () => {
    const msg = ses_('event-publishing-subscription');
    msg.subscription.newTopicPreferences = {
      unsubscribeAll: true,
      topicSubscriptionStatus: [{ topicName: 'ExampleTopicName', subscriptionStatus: 'OptIn' }],
    };
    const { events } = await deliver(msg);
    expect(events.map((e) => [e.eventType, e.rejectCategory])).toEqual([
      ['unsubscribed', 'unsubscribed'],
    ]);
  });

  test('legacy notificationType Bounce expands bouncedRecipients only, one eventId', async () => {
    const { events, envelope } = await deliver(ses_('notification-bounce-no-dsn'));
    expect(events.map((e) => e.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set([envelope.MessageId]));
    expect(events.every((e) => e.eventType === 'bounced')).toBe(true);
  });

  test('legacy Complaint: complainedRecipients; legacy Delivery: delivery.recipients', async () => {
    const complaint = await deliver(ses_('notification-complaint-with-feedback'));
    expect(complaint.events.map((e) => e.recipient)).toEqual(['richard@example.com']);
    expect(complaint.events[0]?.eventType).toBe('complained');
    const delivery = await deliver(ses_('notification-delivery'));
    expect(delivery.events.map((e) => e.recipient)).toEqual(['jane@example.com']);
    expect(delivery.events[0]?.mtaResponse).toBe('250 ok:  Message 64111812 accepted');
  });

  test('answer counts contexts: events N for a multi-recipient message', async () => {
    const msg = ses_('event-publishing-send');
    msg.mail.destination = ['a@example.com', 'b@example.com', 'c@example.com'];
    const { res, events } = await deliver(msg);
    expect(await json(res)).toEqual({ ok: true, events: 3 });
    expect(events.map((e) => e.recipient)).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
  });

  test('tags and metadata: X-Tag, X-Metadata-<Key>, X-Metadata JSON, metadata: mail tags, true values', async () => {
    const msg = ses_('event-publishing-send');
    msg.mail.headers = [
      { name: 'X-Tag', value: 'welcome' },
      { name: 'X-Tag', value: 'onboarding' },
      { name: 'X-Metadata-UserId', value: '42' },
      { name: 'X-Metadata', value: '{"plan":"pro"}' },
    ];
    msg.mail.tags = {
      'ses:configuration-set': ['ConfigSet'],
      'metadata:order': ['A-1'],
      flagged: ['true'],
      campaign: ['spring'],
    };
    const { events } = await deliver(msg);
    const e = must(events[0]);
    expect([...e.tags].sort()).toEqual(['campaign:spring', 'flagged', 'onboarding', 'welcome']);
    expect(e.metadata).toEqual({ UserId: '42', plan: 'pro', order: 'A-1' });
  });

  test('header names are matched without case: x-tag, x-metadata, X-METADATA-KEY (the key as written)', async () => {
    const msg = ses_('event-publishing-send');
    msg.mail.headers = [
      { name: 'x-tag', value: 'welcome' },
      { name: 'x-metadata', value: '{"plan":"pro"}' },
      { name: 'X-METADATA-UserId', value: '42' },
    ];
    msg.mail.tags = {};
    const { events } = await deliver(msg);
    const e = must(events[0]);
    expect(e.tags).toEqual(['welcome']);
    expect(e.metadata).toEqual({ plan: 'pro', UserId: '42' });
  });

  test('metadata values are always strings', async () => {
    const msg = ses_('event-publishing-send');
    msg.mail.headers = [{ name: 'X-Metadata', value: '{"n":5,"ok":true}' }];
    const { res, events } = await deliver(msg);
    expect(res.status).toBe(200);
    expect(must(events[0]).metadata).toEqual({ n: '5', ok: 'true' });
  });

  test('a Bounce without bouncedRecipients is 400 naming the field', async () => {
    const msg = ses_('event-publishing-bounce');
    delete msg.bounce.bouncedRecipients;
    const { res } = await deliver(msg);
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toContain('bouncedRecipients');
  });

  test('an unknown eventType is an unknown event, never an error', async () => {
    const msg = ses_('event-publishing-send');
    msg.eventType = 'SomethingNew';
    const { res, events } = await deliver(msg);
    expect(res.status).toBe(200);
    expect(events[0]?.eventType).toBe('unknown');
  });

  test('timestamps with an offset are real instants; the "+0000" form parses', async () => {
    const msg = ses_('event-publishing-send');
    msg.mail.timestamp = '2016-10-14T00:02:16.645-05:00';
    const a = await deliver(msg);
    expect(a.events[0]?.timestamp.toISOString()).toBe('2016-10-14T05:02:16.645Z');
    msg.mail.timestamp = '2018-10-08T14:05:45 +0000';
    const b = await deliver(msg);
    expect(b.res.status).toBe(200);
    expect(b.events[0]?.timestamp.toISOString()).toBe('2018-10-08T14:05:45.000Z');
  });

  test('impossible or out-of-range timestamps are a 400 naming the field, never shifted', async () => {
    for (const bad of [
      '2017-02-30T00:00:00.000Z',
      '2017-08-05T24:00:00.000Z',
      '9999-12-31T23:00:00.000-05:00',
      '1969-12-31T23:59:59.000Z',
      'not a date',
    ]) {
      const msg = ses_('event-publishing-bounce');
      msg.bounce.timestamp = bad;
      const { res, events } = await deliver(msg);
      expect(res.status, bad).toBe(400);
      expect(await bodyText(res)).toContain('timestamp');
      expect(events).toHaveLength(0);
    }
  });

  test('a tracking type without mail is 400 naming the field', async () => {
    const msg = ses_('event-publishing-bounce');
    delete msg.mail;
    const { res } = await deliver(msg);
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toContain('mail');
  });

  test('a Message without eventType/notificationType, or of type Received: 200, no events, a warning', async () => {
    for (const message of [
      { hello: 'world' },
      { ...ses_('event-publishing-send'), eventType: 'Received' },
    ]) {
      const { res, events, logger } = await deliver(message);
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ ok: true, events: 0 });
      expect(events).toHaveLength(0);
      expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
    }
  });

  test('the SES setup notification ("Successfully validated SNS topic…") is 200 with no events', async () => {
    const text = fixtureJson('ses/sns-envelope-ses-setup-notification.json').Message;
    const { res, events } = await deliver(text);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ events: 0 });
    expect(events).toHaveLength(0);
  });
});

describe('SNS verification with a test certificate', () => {
  test('SignatureVersion 2 (SHA-256) verifies; 1 too; 3 is refused', async () => {
    const msg = ses_('event-publishing-send');
    const s = setup();
    expect((await s.handler(snsRequest(snsEnvelope(cert, msg, { version: '2' })))).status).toBe(
      200,
    );
    expect((await s.handler(snsRequest(snsEnvelope(cert, msg, { version: '1' })))).status).toBe(
      200,
    );
    const v3 = { ...snsEnvelope(cert, msg, { version: '2' }), SignatureVersion: '3' };
    expect(await refusal(await s.handler(snsRequest(v3)))).toEqual({
      status: 403,
      error: 'signature-version',
    });
  });

  test('a certificate that names another host is refused 403', async () => {
    const other = makeSnsCert({ cn: 'example.com', san: 'example.com' });
    const s = setup(undefined, certFetch({ [CERT_URL]: other.certPem }));
    const res = await s.handler(snsRequest(snsEnvelope(other, ses_('event-publishing-send'))));
    expect(await refusal(res)).toEqual({ status: 403, error: 'cert-name' });
  });

  test('a message signed by another key is refused 403', async () => {
    const other = makeSnsCert();
    const s = setup();
    const res = await s.handler(snsRequest(snsEnvelope(other, ses_('event-publishing-send'))));
    expect(await refusal(res)).toEqual({ status: 403, error: 'signature-invalid' });
    expect(s.sink.events).toHaveLength(0);
  });

  test("the TopicArn's region must match the certificate host's", async () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
    const s = setup({ topicArns: [topic] });
    const res = await s.handler(
      snsRequest(snsEnvelope(cert, ses_('event-publishing-send'), { topicArn: topic })),
    );
    expect(await refusal(res)).toEqual({ status: 403, error: 'topic-region-mismatch' });
  });

  test('a regional sns.<region> certificate name is accepted for its own region', async () => {
    const regional = makeSnsCert({
      cn: 'sns.us-east-1.amazonaws.com',
      san: 'sns.us-east-1.amazonaws.com',
    });
    const s = setup(undefined, certFetch({ [CERT_URL]: regional.certPem }));
    const res = await s.handler(snsRequest(snsEnvelope(regional, ses_('event-publishing-send'))));
    expect(res.status).toBe(200);
  });

  test('other partitions: an amazonaws.com.cn certificate URL with an aws-cn topic verifies', async () => {
    const url =
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    const topic = 'arn:aws-cn:sns:cn-north-1:123456789012:ses-events';
    const s = setup({ topicArns: [topic] }, certFetch({ [url]: cert.certPem }));
    const res = await s.handler(
      snsRequest(
        snsEnvelope(cert, ses_('event-publishing-send'), { topicArn: topic, certUrl: url }),
      ),
    );
    expect(res.status).toBe(200);
  });

  test("a regional certificate for another region than the URL's is refused", async () => {
    const regional = makeSnsCert({
      cn: 'sns.eu-west-1.amazonaws.com',
      san: 'sns.eu-west-1.amazonaws.com',
    });
    const s = setup(undefined, certFetch({ [CERT_URL]: regional.certPem }));
    const res = await s.handler(snsRequest(snsEnvelope(regional, ses_('event-publishing-send'))));
    expect(await refusal(res)).toEqual({ status: 403, error: 'cert-name' });
  });

  test('secret set, no credentials: 401 with WWW-Authenticate Basic, before the body is read', async () => {
    const s = setup({ secret: 's3cret' });
    let pulled = false;
    const body = new ReadableStream(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode('{}'));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const req = new Request('https://hooks.example.com/webhooks/mail/ses', {
      method: 'POST',
      headers: { 'x-amz-sns-message-type': 'Notification' },
      body,
      duplex: 'half',
    } as RequestInit);
    const res = await s.handler(req);
    expect(await refusal(res)).toEqual({ status: 401, error: 'credentials-required' });
    expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expect(pulled).toBe(false);
  });

  test('wrong secret: 403; the right one admits a topic not in any allow-list; any secret of a list', async () => {
    const s = setup({ secret: ['old-secret', 'new-secret'] });
    const env = snsEnvelope(cert, ses_('event-publishing-send'), {
      topicArn: 'arn:aws:sns:us-east-1:999999999999:anything',
    });
    const wrong = await s.handler(snsRequest(env, { auth: basic('sns', 'nope') }));
    const text = await bodyText(wrong);
    expect([wrong.status, JSON.parse(text).error]).toEqual([403, 'secret-mismatch']);
    expect(text).not.toContain('new-secret');
    expect((await s.handler(snsRequest(env, { auth: basic('sns', 'old-secret') }))).status).toBe(
      200,
    );
    expect((await s.handler(snsRequest(env, { auth: basic('sns', 'new-secret') }))).status).toBe(
      200,
    );
  });

  test('verifySignature: false accepts an unsigned envelope (local trials), warned at start-up', async () => {
    const s = setup({ verifySignature: false });
    expect(s.logger.lines.some((l) => l.level === 'warn')).toBe(true);
    const env = snsEnvelope(cert, ses_('event-publishing-delivery'));
    env.Signature = 'bogus';
    const res = await s.handler(snsRequest(env));
    expect(res.status).toBe(200);
    expect(s.sink.events[0]?.eventType).toBe('delivered');
  });

  test('raw delivery is refused unless allowRawDelivery is on and the secret matched', async () => {
    const raw = JSON.stringify(ses_('event-publishing-delivery'));
    const rawReq = (auth?: string) =>
      new Request('https://hooks.example.com/webhooks/mail/ses', {
        method: 'POST',
        // SNS sends its message headers with raw delivery too
        headers: {
          'x-amz-sns-rawdelivery': 'true',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': 'raw-message-1',
          'x-amz-sns-topic-arn': TOPIC,
          ...(auth ? { authorization: auth } : {}),
        },
        body: raw,
      });
    const off = setup({ topicArns: [TOPIC], secret: 'pw' });
    const refused = await off.handler(rawReq(basic('sns', 'pw')));
    expect(await refusal(refused)).toEqual({ status: 403, error: 'raw-delivery' });
    expect(off.sink.events).toHaveLength(0);
    const on = setup({ topicArns: [TOPIC], secret: 'pw', allowRawDelivery: true });
    const ok = await on.handler(rawReq(basic('sns', 'pw')));
    expect(ok.status).toBe(200);
    expect(on.sink.events[0]).toMatchObject({ eventType: 'delivered', eventId: 'raw-message-1' });
    const wrongSecret = await on.handler(rawReq(basic('sns', 'nope')));
    expect(await refusal(wrongSecret)).toEqual({ status: 403, error: 'secret-mismatch' });
    expect(on.sink.events).toHaveLength(1);
  });
});

describe('SubscriptionConfirmation and UnsubscribeConfirmation', () => {
  test('SubscriptionConfirmation: 200, SubscribeURL logged, not fetched without autoConfirm', async () => {
    const s = setup();
    const env = snsEnvelope(cert, 'You have chosen to subscribe…', {
      type: 'SubscriptionConfirmation',
    });
    const res = await s.handler(snsRequest(env));
    expect(res.status).toBe(200);
    expect(s.logger.all()).toContain('ConfirmSubscription');
    expect(s.fetch.calls.filter((u: string) => u.includes('ConfirmSubscription'))).toHaveLength(0);
  });

  test('with neither topicArns nor secret: start-up warns once; a SubscriptionConfirmation logs the TopicArn to add', async () => {
    const logger = recordingLogger();
    const handler = createMailWebhookHandler({
      providers: [ses()],
      sinks: [collector()],
      fetch: certFetch({ [CERT_URL]: cert.certPem }),
      logger,
    });
    const warned = () =>
      logger.lines.filter(
        (l) => l.level === 'warn' && l.text.includes('MAIL_WEBHOOK_SES_TOPIC_ARNS'),
      );
    expect(warned()).toHaveLength(1);
    const env = snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation' });
    const res = await handler(snsRequest(env));
    expect(res.status).toBe(200);
    const confirmations = () =>
      logger.lines.filter((l) => l.text.startsWith('SNS subscription confirmation received'));
    expect(confirmations()).toHaveLength(1);
    expect(confirmations()[0]?.text).toContain(`"topicArn":"${TOPIC}"`);
    expect(confirmations()[0]?.text).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
    await handler(snsRequest(snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation' })));
    expect(confirmations()).toHaveLength(2);
    // Said at start-up, not again per request.
    expect(warned()).toHaveLength(1);
  });

  test('an UnsubscribeConfirmation with a bad signature is refused 403', async () => {
    const s = setup();
    const env = {
      ...snsEnvelope(cert, 'bye', { type: 'UnsubscribeConfirmation' }),
      // A signed field outside the SubscribeURL: a changed Token is refused earlier, by that URL.
      Message: 'changed',
    };
    expect(await refusal(await s.handler(snsRequest(env)))).toEqual({
      status: 403,
      error: 'signature-invalid',
    });
  });

  test('autoConfirm fetches the SubscribeURL after verification', async () => {
    const confirmed: string[] = [];
    const f = (async (input: RequestInfo | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url === CERT_URL) return new Response(cert.certPem);
      confirmed.push(url);
      return new Response('<ConfirmSubscriptionResponse/>');
    }) as typeof fetch;
    const s = setup({ topicArns: [TOPIC], autoConfirm: true }, f);
    const env = snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation' });
    expect((await s.handler(snsRequest(env))).status).toBe(200);
    expect(confirmed).toEqual([env.SubscribeURL]);
  });

  test('a SubscribeURL on another host, or for another topic, is refused 403 and not fetched', async () => {
    const confirmed: string[] = [];
    const f = (async (input: RequestInfo | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url === CERT_URL) return new Response(cert.certPem);
      confirmed.push(url);
      return new Response('ok');
    }) as typeof fetch;
    const s = setup({ topicArns: [TOPIC], autoConfirm: true }, f);
    for (const subscribeUrl of [
      `https://evil.example/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=tok-123`,
      `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}-other&Token=tok-123`,
      `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&TopicArn=${TOPIC}&Token=tok-123`,
    ]) {
      const env = snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation', subscribeUrl });
      expect(await refusal(await s.handler(snsRequest(env))), subscribeUrl).toEqual({
        status: 403,
        error: 'subscribe-url-invalid',
      });
    }
    expect(confirmed).toEqual([]);
  });

  test('autoConfirm: a SubscriptionConfirmation from a topic not allowed, or badly signed, is refused and not fetched', async () => {
    const confirmed: string[] = [];
    const f = (async (input: RequestInfo | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url === CERT_URL) return new Response(cert.certPem);
      confirmed.push(url);
      return new Response('ok');
    }) as typeof fetch;
    const s = setup({ topicArns: [TOPIC], autoConfirm: true }, f);
    const other = 'arn:aws:sns:us-east-1:123456789012:not-mine';
    const notAllowed = await s.handler(
      snsRequest(
        snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation', topicArn: other }),
      ),
    );
    expect(await refusal(notAllowed)).toEqual({ status: 403, error: 'topic-not-allowed' });
    const forged = {
      ...snsEnvelope(cert, 'confirm', { type: 'SubscriptionConfirmation' }),
      Message: 'changed',
    };
    expect(await refusal(await s.handler(snsRequest(forged)))).toEqual({
      status: 403,
      error: 'signature-invalid',
    });
    expect(confirmed).toEqual([]);
  });

  test('autoConfirm without topicArns is a ConfigError', () => {
    expect(() => createMailWebhookHandler({ providers: [ses({ autoConfirm: true })] })).toThrow(
      ConfigError,
    );
  });

  test('UnsubscribeConfirmation: 200, logged, never re-subscribed', async () => {
    const s = setup({ topicArns: [TOPIC], autoConfirm: true });
    const env = snsEnvelope(cert, 'unsubscribed', { type: 'UnsubscribeConfirmation' });
    expect((await s.handler(snsRequest(env))).status).toBe(200);
    expect(s.fetch.calls.filter((u: string) => u !== CERT_URL)).toEqual([]);
  });
});

describe('envelope shape', () => {
  test('JSON that is not an SNS envelope: 400 naming a field', async () => {
    const s = setup();
    const res = await s.handler(snsRequest(JSON.stringify({ hello: 'world' })));
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toMatch(/Type|MessageId|Signature/);
  });

  test('an unknown Type: 400 naming Type', async () => {
    const s = setup();
    const env = { ...snsEnvelope(cert, ses_('event-publishing-send')), Type: 'Surprise' };
    const res = await s.handler(snsRequest(env));
    expect(res.status).toBe(400);
    expect(await bodyText(res)).toContain('Type');
  });
});
