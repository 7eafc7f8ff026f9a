// Blind fixture tests: Amazon SES through SNS (anymail's records) and through EventBridge.
import { describe, expect, it } from 'vitest';
import { ses, sesEventBridge } from '../../src/index';
import {
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  makeHandler,
} from './fixtures-harness';

const SNS = 'amazon_ses_sns';
const EB = 'amazon_ses_eventbridge';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
const SNS_TS = '2026-03-01T10:00:00.000Z';

function envelope(message: unknown, id = 'b1-sns-message-id-1') {
  return {
    Type: 'Notification',
    MessageId: id,
    TopicArn: TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: SNS_TS,
    SignatureVersion: '1',
    Signature: 'unused',
    SigningCertURL:
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
  };
}
function snsHeaders(env: { Type: string; MessageId: string }) {
  return { 'x-amz-sns-message-type': env.Type, 'x-amz-sns-message-id': env.MessageId };
}
async function postSes(message: unknown, id?: string) {
  const h = makeHandler(ses({ verifySignature: false }), new Date(SNS_TS));
  const env = envelope(message, id);
  return h.post('ses', JSON.stringify(env), snsHeaders(env));
}

const none = { clickUrl: null, userAgent: null, rejectCategory: null, permanent: null } as const;

describe('SES via SNS: anymail records', () => {
  it('bounce: one bounced recipient, X-Tag tags and X-Metadata JSON (values as text)', async () => {
    const r = await postSes(fixtureJson(SNS, 'anymail_bounce_event.json'));
    expectPosted(r, [
      {
        eventType: 'bounced',
        recipient: 'jane@example.com',
        messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
        eventId: 'b1-sns-message-id-1',
        timestamp: '2016-01-27T14:59:44.101Z',
        espName: 'ses',
        tags: ['tag 1', 'tag 2'],
        metadata: { meta1: 'string', meta2: '2' },
        rejectReason: 'Permanent/General',
        description: 'smtp; 550 5.1.1 <jane@example.com>... User unknown',
        mtaResponse: 'smtp; 550 5.1.1 <jane@example.com>... User unknown',
        rejectCategory: 'bounced',
        permanent: true,
        clickUrl: null,
        userAgent: null,
      },
    ]);
    expect(r.events[0]?.rawEvent).toEqual(fixtureJson(SNS, 'anymail_bounce_event.json'));
  });

  it.each<[string, string, Expected]>([
    [
      'click: the click timestamp, link and user agent',
      'anymail_click_event.json',
      {
        eventType: 'clicked',
        recipient: 'recipient@example.com',
        messageId: '7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        timestamp: '2017-08-09T23:51:25.570Z',
        clickUrl: 'https://docs.aws.amazon.com/ses/latest/DeveloperGuide/',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36...',
        tags: [],
        metadata: {},
        rejectReason: null,
        rejectCategory: null,
        permanent: null,
      },
    ],
    [
      'complaint without any timestamp: the complained recipient only, spam, time from the SNS envelope',
      'anymail_complaint_event.json',
      {
        eventType: 'complained',
        recipient: 'richard@example.com',
        messageId: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
        timestamp: SNS_TS,
        rejectReason: 'abuse',
        rejectCategory: 'spam',
        permanent: null,
        userAgent: 'AnyCompany Feedback Loop (V0.01)',
      },
    ],
    [
      'delivery: delivery.recipients only, smtpResponse as mtaResponse',
      'anymail_delivery_event.json',
      {
        eventType: 'delivered',
        recipient: 'jane@example.com',
        messageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
        timestamp: '2016-01-27T14:59:38.237Z',
        mtaResponse: '250 ok:  Message 64111812 accepted',
        description: null,
        rejectReason: null,
        ...none,
      },
    ],
    [
      'open: the open timestamp and user agent',
      'anymail_open_event.json',
      {
        eventType: 'opened',
        recipient: 'recipient@example.com',
        timestamp: '2017-08-09T22:00:19.652Z',
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X)...',
        clickUrl: null,
        rejectCategory: null,
        permanent: null,
      },
    ],
    [
      'reject: blocked, not permanent (content), reason as rejectReason',
      'anymail_reject_event.json',
      {
        eventType: 'rejected',
        recipient: 'recipient@example.com',
        timestamp: '2016-10-14T17:38:15.211Z',
        rejectReason: 'Bad content',
        rejectCategory: 'blocked',
        permanent: false,
      },
    ],
    [
      'rendering failure: failed, other, not permanent, errorMessage as description',
      'anymail_rendering_failure_event.json',
      {
        eventType: 'failed',
        recipient: 'recipient@example.com',
        messageId: 'c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        timestamp: SNS_TS,
        description: "Attribute 'attributeName' is not present in the rendering data.",
        rejectCategory: 'other',
        permanent: false,
      },
    ],
    [
      'send: mail.timestamp, tags without ses:* as name:value',
      'anymail_send_event.json',
      {
        eventType: 'sent',
        recipient: 'recipient@example.com',
        timestamp: '2016-10-14T05:02:16.645Z',
        tags: ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'],
        metadata: {},
        ...none,
      },
    ],
  ])('%s', async (_title, file, expected) => {
    expectPosted(await postSes(fixtureJson(SNS, file)), [expected]);
  });

  it('a Received (inbound) notification is 200 with no events and a warning', async () => {
    const env = fixtureJson(SNS, 'anymail_incorrect_received_event.json');
    const h = makeHandler(ses({ verifySignature: false }), new Date(SNS_TS));
    const r = await h.post('ses', JSON.stringify({ ...env, Timestamp: SNS_TS }), snsHeaders(env));
    expectOk(r, 0);
    expect(r.warnings.length).toBeGreaterThan(0);
  });

  it('multiple bounce: one context per bounced recipient, one shared eventId', async () => {
    const r = await postSes(fixtureJson(SNS, 'anymail_multiple_bounce_event.json'), 'b1-multi');
    expectOk(r, 2);
    const common = {
      eventType: 'bounced' as const,
      messageId: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
      eventId: 'b1-multi',
      timestamp: SNS_TS,
      rejectReason: 'Permanent/General',
      rejectCategory: 'bounced' as const,
      permanent: true,
      description: null,
      mtaResponse: null,
    };
    expectEvents(r.events, [
      { ...common, recipient: 'jane@example.com' },
      { ...common, recipient: 'richard@example.com' },
    ]);
  });

  it('a record naming a tracking type without mail is a 400 naming the field', async () => {
    const record = fixtureJson(SNS, 'anymail_send_event.json');
    delete record.mail;
    const r = await postSes(record);
    expectRefused(r, 400, 'mail');
  });

  it('the same message posted twice gives the same eventId (SNS retry)', async () => {
    const h = makeHandler(ses({ verifySignature: false }), new Date(SNS_TS));
    const env = envelope(fixtureJson(SNS, 'anymail_multiple_bounce_event.json'), 'retry-id');
    const a = await h.post('ses', JSON.stringify(env), snsHeaders(env));
    const b = await h.post('ses', JSON.stringify(env), snsHeaders(env));
    expect(a.events.map((e) => e.eventId)).toEqual(b.events.map((e) => e.eventId));
  });

  it('header/body mismatch is 403', async () => {
    const h = makeHandler(ses({ verifySignature: false, secret: 's3cret' }), new Date(SNS_TS));
    const env = envelope(fixtureJson(SNS, 'anymail_send_event.json'));
    const r = await h.post('ses', JSON.stringify(env), {
      ...snsHeaders(env),
      'x-amz-sns-message-id': 'another',
      authorization: `Basic ${btoa('u:s3cret')}`,
    });
    expectRefused(r, 403);
  });

  it('autoConfirm without verification is a ConfigError at creation (confirm only verified messages)', () => {
    expect(() => ses({ verifySignature: false, topicArns: [TOPIC], autoConfirm: true })).toThrow(
      /autoConfirm/,
    );
    // the anymail ConfirmSubscription failure body stays a fixture for a signed confirmation test
    expect(fixtureText(SNS, 'anymail_sns_subscription_confirmation_failure.json')).toContain(
      'Gremlins',
    );
  });
});

// ---------------------------------------------------------------- EventBridge
const EB_FILES = {
  'constructed_Bounce.json': {
    eventType: 'bounced',
    timestamp: '2017-08-05T00:41:02.669Z',
    tags: [],
    rejectReason: 'Permanent/General',
    description: 'smtp; 550 5.1.1 user unknown',
    mtaResponse: 'smtp; 550 5.1.1 user unknown',
    rejectCategory: 'bounced',
    permanent: true,
  },
  'constructed_Click.json': {
    eventType: 'clicked',
    timestamp: '2017-08-09T23:51:25.570Z',
    tags: ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'],
    clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36',
    rejectCategory: null,
    permanent: null,
  },
  'constructed_Complaint.json': {
    eventType: 'complained',
    timestamp: '2017-08-05T00:41:02.669Z',
    rejectReason: 'abuse',
    rejectCategory: 'spam',
    permanent: null,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36',
  },
  'constructed_Delivery.json': {
    eventType: 'delivered',
    timestamp: '2016-10-19T23:21:04.133Z',
    tags: ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'],
    mtaResponse: '250 2.6.0 Message received',
    rejectCategory: null,
    permanent: null,
  },
  'constructed_DeliveryDelay.json': {
    eventType: 'deferred',
    timestamp: '2020-06-16T00:25:40.095Z',
    tags: [],
    description: 'TransientCommunicationFailure',
    rejectCategory: null,
    permanent: null,
  },
  'constructed_Open.json': {
    eventType: 'opened',
    timestamp: '2017-08-09T22:00:19.652Z',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60',
    tags: ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'],
  },
  'constructed_Reject.json': {
    eventType: 'rejected',
    recipient: 'sender@example.com',
    timestamp: '2016-10-14T17:38:15.211Z',
    rejectReason: 'Bad content',
    rejectCategory: 'blocked',
    permanent: false,
  },
  'constructed_RenderingFailure.json': {
    eventType: 'failed',
    timestamp: '2018-01-22T18:43:06.197Z',
    description: "Attribute 'attributeName' is not present in the rendering data.",
    rejectCategory: 'other',
    permanent: false,
  },
  'constructed_Send.json': {
    eventType: 'sent',
    timestamp: '2016-10-14T05:02:16.645Z',
    tags: ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'],
    rejectReason: null,
    rejectCategory: null,
    permanent: null,
  },
  'constructed_Subscription.json': {
    eventType: 'unsubscribed',
    messageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
    timestamp: '2022-01-12T01:00:17.910Z',
    tags: ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'],
    rejectCategory: 'unsubscribed',
    permanent: null,
  },
} as const;

describe('SES via EventBridge: constructed envelopes', () => {
  const KEY = { 'x-api-key': 'eb-secret-value' };
  const provider = () =>
    sesEventBridge({ header: 'x-api-key', value: 'eb-secret-value', accounts: ['123456789012'] });

  for (const [file, want] of Object.entries(EB_FILES)) {
    it(`${file}`, async () => {
      const h = makeHandler(provider());
      const text = fixtureText(EB, file);
      const r = await h.post('ses-eventbridge', text, KEY);
      expectOk(r, 1);
      const doc = JSON.parse(text);
      expectEvents(r.events, [
        {
          recipient: 'recipient@example.com',
          messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
          eventId: doc.id,
          espName: 'ses-eventbridge',
          metadata: {},
          ...(want as object),
        },
      ]);
      expect(r.events[0]?.rawEvent).toEqual(doc.detail);
    });
  }

  it('missing credentials: 401; wrong: 403', async () => {
    const h = makeHandler(provider());
    const text = fixtureText(EB, 'constructed_Send.json');
    expectRefused(await h.post('ses-eventbridge', text), 401);
    expectRefused(await h.post('ses-eventbridge', text, { 'x-api-key': 'nope' }), 403);
  });

  it('another source or another account: 403', async () => {
    const h = makeHandler(provider());
    const doc = fixtureJson(EB, 'constructed_Send.json');
    expectRefused(
      await h.post('ses-eventbridge', JSON.stringify({ ...doc, source: 'aws.sns' }), KEY),
      403,
    );
    expectRefused(
      await h.post('ses-eventbridge', JSON.stringify({ ...doc, account: '999999999999' }), KEY),
      403,
    );
  });

  it('basic and bearer credentials', async () => {
    const text = fixtureText(EB, 'constructed_Open.json');
    const hb = makeHandler(sesEventBridge({ password: 'pw' }));
    const r401 = await hb.post('ses-eventbridge', text);
    expectRefused(r401, 401);
    expect(r401.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expectOk(
      await hb.post('ses-eventbridge', text, { authorization: `Basic ${btoa('any:pw')}` }),
      1,
    );
    const ht = makeHandler(sesEventBridge({ token: 'tk' }));
    const t401 = await ht.post('ses-eventbridge', text);
    expectRefused(t401, 401);
    expect(t401.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/i);
    expectOk(await ht.post('ses-eventbridge', text, { authorization: 'Bearer tk' }), 1);
    expectRefused(await ht.post('ses-eventbridge', text, { authorization: 'Bearer tx' }), 403);
  });
});
