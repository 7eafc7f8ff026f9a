/**
 * django-anymail's Amazon SES (SNS) test payloads through the handler: a second, independent set
 * of SES examples (see test/fixtures/esps/amazon_ses_sns/README.md for their source lines).
 */
import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  ses,
  type TrackingEventType,
} from '../../src/index.js';
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
import incorrectReceived from '../fixtures/esps/amazon_ses_sns/anymail_incorrect_received_event.json' with {
  type: 'json',
};
import multipleBounce from '../fixtures/esps/amazon_ses_sns/anymail_multiple_bounce_event.json' with {
  type: 'json',
};
import open from '../fixtures/esps/amazon_ses_sns/anymail_open_event.json' with { type: 'json' };
import reject from '../fixtures/esps/amazon_ses_sns/anymail_reject_event.json' with {
  type: 'json',
};
import renderingFailure from '../fixtures/esps/amazon_ses_sns/anymail_rendering_failure_event.json' with {
  type: 'json',
};
import sendEvent from '../fixtures/esps/amazon_ses_sns/anymail_send_event.json' with {
  type: 'json',
};
import confirmationFailure from '../fixtures/esps/amazon_ses_sns/anymail_sns_subscription_confirmation_failure.json' with {
  type: 'json',
};
import { envelope, memoryLogger, snsRequest } from '../helpers/envelope.js';
import { EMPTY_FIELDS, type Expected } from '../helpers/expected-context.js';
import { createSigner } from '../helpers/signing.js';

/** The SNS Timestamp of every envelope: what events without a timestamp of their own fall back to. */
const SNS_TIMESTAMP = '2016-01-27T15:00:00.000Z';
const SNS_MESSAGE_ID = 'anymail-sns-1';
const EVENT_PUBLISHING_ID = '7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';

/** Every field spelled out except those that are null or empty for most events. */
const expected = (
  fields: Partial<Expected> &
    Pick<
      Expected,
      'eventType' | 'messageId' | 'recipient' | 'timestamp' | 'rejectCategory' | 'permanent'
    >,
): Expected => ({
  ...EMPTY_FIELDS,
  ...fields,
});

const bounced = (recipient: string, messageId: string, rest: Partial<Expected> = {}) =>
  expected({
    eventType: 'bounced' satisfies TrackingEventType,
    messageId,
    recipient,
    timestamp: SNS_TIMESTAMP,
    rejectReason: 'Permanent/General',
    rejectCategory: 'bounced',
    permanent: true,
    ...rest,
  });

const CASES: [string, object, Expected[]][] = [
  [
    'anymail_bounce_event (legacy, one of three destinations bounced, X-Tag and X-Metadata headers)',
    bounce,
    [
      bounced('jane@example.com', '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000', {
        timestamp: '2016-01-27T14:59:44.101Z',
        tags: ['tag 1', 'tag 2'],
        metadata: { meta1: 'string', meta2: '2' },
        description: 'smtp; 550 5.1.1 <jane@example.com>... User unknown',
        mtaResponse: 'smtp; 550 5.1.1 <jane@example.com>... User unknown',
      }),
    ],
  ],
  [
    'anymail_multiple_bounce_event (two bounced recipients, no timestamps)',
    multipleBounce,
    ['jane@example.com', 'richard@example.com'].map((recipient) =>
      bounced(recipient, '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000'),
    ),
  ],
  [
    'anymail_complaint_event (legacy, no timestamps)',
    complaint,
    [
      expected({
        eventType: 'complained',
        messageId: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
        recipient: 'richard@example.com',
        timestamp: SNS_TIMESTAMP,
        rejectReason: 'abuse',
        userAgent: 'AnyCompany Feedback Loop (V0.01)',
        rejectCategory: 'spam',
        permanent: null,
      }),
    ],
  ],
  [
    'anymail_delivery_event (legacy, one of three destinations delivered)',
    delivery,
    [
      expected({
        eventType: 'delivered',
        messageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
        recipient: 'jane@example.com',
        timestamp: '2016-01-27T14:59:38.237Z',
        mtaResponse: '250 ok:  Message 64111812 accepted',
        rejectCategory: null,
        permanent: null,
      }),
    ],
  ],
  [
    'anymail_send_event (ses: tags skipped, custom tags kept)',
    sendEvent,
    [
      expected({
        eventType: 'sent',
        messageId: EVENT_PUBLISHING_ID,
        recipient: 'recipient@example.com',
        timestamp: '2016-10-14T05:02:16.645Z',
        tags: ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'],
        rejectCategory: null,
        permanent: null,
      }),
    ],
  ],
  [
    'anymail_reject_event',
    reject,
    [
      expected({
        eventType: 'rejected',
        messageId: EVENT_PUBLISHING_ID,
        recipient: 'recipient@example.com',
        timestamp: '2016-10-14T17:38:15.211Z',
        rejectReason: 'Bad content',
        rejectCategory: 'blocked',
        permanent: false,
      }),
    ],
  ],
  [
    'anymail_rendering_failure_event (no timestamps)',
    renderingFailure,
    [
      expected({
        eventType: 'failed',
        messageId: 'c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        recipient: 'recipient@example.com',
        timestamp: SNS_TIMESTAMP,
        description: "Attribute 'attributeName' is not present in the rendering data.",
        rejectCategory: 'other',
        permanent: false,
      }),
    ],
  ],
  [
    'anymail_open_event',
    open,
    [
      expected({
        eventType: 'opened',
        messageId: EVENT_PUBLISHING_ID,
        recipient: 'recipient@example.com',
        timestamp: '2017-08-09T22:00:19.652Z',
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X)...',
        rejectCategory: null,
        permanent: null,
      }),
    ],
  ],
  [
    'anymail_click_event (linkTags are not message tags)',
    click,
    [
      expected({
        eventType: 'clicked',
        messageId: EVENT_PUBLISHING_ID,
        recipient: 'recipient@example.com',
        timestamp: '2017-08-09T23:51:25.570Z',
        clickUrl: 'https://docs.aws.amazon.com/ses/latest/DeveloperGuide/',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36...',
        rejectCategory: null,
        permanent: null,
      }),
    ],
  ],
];

/** An unsigned handler (verification off, as anymail's tests post) recording sink input and logs. */
function setup() {
  const received: EmailTrackingContext[] = [];
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
    logger,
    providers: [ses({ verifySignature: false })],
  });
  return { handle, received, lines };
}

describe('django-anymail SES payloads through the handler', () => {
  test.each(CASES)('%s', async (_name, event, contexts) => {
    const { handle, received } = setup();
    const body = envelope(event, { messageId: SNS_MESSAGE_ID, timestamp: SNS_TIMESTAMP });
    const response = await handle(snsRequest(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: contexts.length });
    expect(
      received.map(({ rawEvent, eventId, espName, timestamp, ...rest }) => {
        expect(rawEvent).toEqual(event);
        expect(eventId).toBe(SNS_MESSAGE_ID);
        expect(espName).toBe('ses');
        return { ...rest, timestamp: timestamp.toISOString() };
      }),
    ).toEqual(contexts);
  });

  test('anymail_incorrect_received_event (SES inbound mail on a tracking route): no events', async () => {
    const { handle, received, lines } = setup();
    // anymail's envelope carries only Type, MessageId, TopicArn and Message; SNS always adds the rest.
    const body = envelope(incorrectReceived.Message, {
      type: incorrectReceived.Type,
      messageId: incorrectReceived.MessageId,
      topicArn: incorrectReceived.TopicArn,
    });
    const response = await handle(snsRequest(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 0 });
    expect(received).toEqual([]);
    const warning = lines.find((l) => l.msg.includes('not an SES tracking event'));
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({
      messageId: incorrectReceived.MessageId,
      topicArn: incorrectReceived.TopicArn,
    });
    expect(String(warning?.fields.note)).toContain('Received');
  });

  test('anymail_sns_subscription_confirmation_failure: SNS refusing the confirmation is a 503 so SNS retries', async () => {
    const signer = await createSigner();
    const asked: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.includes('Action=ConfirmSubscription')) return signer.fetch(input, init);
      asked.push(url);
      return new Response(JSON.stringify(confirmationFailure), {
        status: confirmationFailure.ResponseMetadata.HTTPStatusCode,
      });
    }) as typeof fetch;
    const { logger } = memoryLogger();
    const handle = createMailWebhookHandler({
      fetch: fetchFn,
      logger,
      sinks: [],
      providers: [ses({ topicArns: [signer.topicArn], autoConfirm: true })],
    });
    const body = await signer.sign(signer.subscriptionConfirmation());
    const response = await handle(snsRequest(body));
    expect(response.status).toBe(503);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ ok: false, error: 'confirm-failed' });
    // SNS's own error text is for the logs, not echoed to whoever posted.
    expect(JSON.stringify(answer)).not.toContain('Gremlins');
    expect(asked).toEqual([body.SubscribeURL]);
  });
});
