import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import click from '../fixtures/ses/event-publishing-click.json' with { type: 'json' };
import complaint from '../fixtures/ses/event-publishing-complaint.json' with { type: 'json' };
import delayed from '../fixtures/ses/event-publishing-delayed-delivery.json' with { type: 'json' };
import delivery from '../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };
import failure from '../fixtures/ses/event-publishing-failure.json' with { type: 'json' };
import open from '../fixtures/ses/event-publishing-open.json' with { type: 'json' };
import reject from '../fixtures/ses/event-publishing-reject.json' with { type: 'json' };
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import subscription from '../fixtures/ses/event-publishing-subscription.json' with { type: 'json' };
import legacyBounceNoDsn from '../fixtures/ses/notification-bounce-no-dsn.json' with {
  type: 'json',
};
import legacyBounceDsn from '../fixtures/ses/notification-bounce-with-dsn.json' with {
  type: 'json',
};
import legacyComplaintNoFeedback from '../fixtures/ses/notification-complaint-no-feedback.json' with {
  type: 'json',
};
import legacyComplaintFeedback from '../fixtures/ses/notification-complaint-with-feedback.json' with {
  type: 'json',
};
import legacyDelivery from '../fixtures/ses/notification-delivery.json' with { type: 'json' };
import { envelope, memoryLogger, snsRequest } from '../helpers/envelope.js';
import { EMPTY_FIELDS, type Expected } from '../helpers/expected-context.js';

const EXAMPLE_ID = 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000';
const CUSTOM_TAGS = ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'];
const CUSTOM_VALUES = ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'];
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36';

const transientBounce = {
  ...bounce,
  bounce: { ...bounce.bounce, bounceType: 'Transient', bounceSubType: 'MailboxFull' },
};

/** Every case states its rejectCategory and permanent: they are what suppression lists read. */
const expected = (
  fields: Partial<Expected> &
    Pick<Expected, 'eventType' | 'timestamp' | 'rejectCategory' | 'permanent'>,
): Expected => ({
  messageId: EXAMPLE_ID,
  recipient: 'recipient@example.com',
  ...EMPTY_FIELDS,
  ...fields,
});

const CASES: [string, object, Expected[]][] = [
  [
    'event publishing Bounce',
    bounce,
    [
      expected({
        eventType: 'bounced',
        rejectCategory: 'bounced',
        permanent: true,
        timestamp: '2017-08-05T00:41:02.669Z',
        rejectReason: 'Permanent/General',
        description: 'smtp; 550 5.1.1 user unknown',
        mtaResponse: 'smtp; 550 5.1.1 user unknown',
      }),
    ],
  ],
  [
    'event publishing Bounce, Transient (the guide example, bounceType changed)',
    transientBounce,
    [
      expected({
        eventType: 'bounced',
        rejectCategory: 'bounced',
        permanent: false,
        timestamp: '2017-08-05T00:41:02.669Z',
        rejectReason: 'Transient/MailboxFull',
        description: 'smtp; 550 5.1.1 user unknown',
        mtaResponse: 'smtp; 550 5.1.1 user unknown',
      }),
    ],
  ],
  [
    'event publishing Click',
    click,
    [
      expected({
        eventType: 'clicked',
        rejectCategory: null,
        permanent: null,
        timestamp: '2017-08-09T23:51:25.570Z',
        tags: CUSTOM_VALUES,
        clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
        userAgent: CHROME,
      }),
    ],
  ],
  [
    'event publishing Complaint',
    complaint,
    [
      expected({
        eventType: 'complained',
        rejectCategory: 'spam',
        permanent: null,
        timestamp: '2017-08-05T00:41:02.669Z',
        rejectReason: 'abuse',
        userAgent: CHROME,
      }),
    ],
  ],
  [
    'event publishing DeliveryDelay',
    delayed,
    [
      expected({
        eventType: 'deferred',
        rejectCategory: null,
        permanent: null,
        timestamp: '2020-06-16T00:25:40.095Z',
        description: 'TransientCommunicationFailure',
        mtaResponse: 'smtp; 421 4.4.1 Unable to connect to remote host',
      }),
    ],
  ],
  [
    'event publishing Delivery',
    delivery,
    [
      expected({
        eventType: 'delivered',
        rejectCategory: null,
        permanent: null,
        timestamp: '2016-10-19T23:21:04.133Z',
        tags: CUSTOM_TAGS,
        mtaResponse: '250 2.6.0 Message received',
      }),
    ],
  ],
  [
    'event publishing Rendering Failure',
    failure,
    [
      expected({
        eventType: 'failed',
        rejectCategory: 'other',
        permanent: false,
        timestamp: '2018-01-22T18:43:06.197Z',
        description: "Attribute 'attributeName' is not present in the rendering data.",
      }),
    ],
  ],
  [
    'event publishing Open',
    open,
    [
      expected({
        eventType: 'opened',
        rejectCategory: null,
        permanent: null,
        timestamp: '2017-08-09T22:00:19.652Z',
        tags: CUSTOM_VALUES,
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60',
      }),
    ],
  ],
  [
    'event publishing Reject',
    reject,
    [
      expected({
        eventType: 'rejected',
        rejectCategory: 'blocked',
        permanent: false,
        timestamp: '2016-10-14T17:38:15.211Z',
        recipient: 'sender@example.com',
        tags: CUSTOM_TAGS,
        rejectReason: 'Bad content',
      }),
    ],
  ],
  [
    'event publishing Send',
    send,
    [
      expected({
        eventType: 'sent',
        rejectCategory: null,
        permanent: null,
        timestamp: '2016-10-14T05:02:16.645Z',
        tags: CUSTOM_TAGS,
      }),
    ],
  ],
  [
    'event publishing Subscription (opt-out)',
    subscription,
    [
      expected({
        eventType: 'unsubscribed',
        rejectCategory: 'unsubscribed',
        permanent: null,
        timestamp: '2022-01-12T01:00:17.910Z',
        messageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
        tags: CUSTOM_VALUES,
      }),
    ],
  ],
  [
    'legacy Bounce without DSN',
    legacyBounceNoDsn,
    ['jane@example.com', 'richard@example.com'].map((recipient) =>
      expected({
        eventType: 'bounced',
        rejectCategory: 'bounced',
        permanent: true,
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
        recipient,
        rejectReason: 'Permanent/General',
      }),
    ),
  ],
  [
    'legacy Bounce with DSN',
    legacyBounceDsn,
    [
      expected({
        eventType: 'bounced',
        rejectCategory: 'bounced',
        permanent: true,
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
        recipient: 'jane@example.com',
        rejectReason: 'Permanent/General',
        description: 'smtp; 550 5.1.1 <jane@example.com>... User',
        mtaResponse: 'smtp; 550 5.1.1 <jane@example.com>... User',
      }),
    ],
  ],
  [
    'legacy Complaint without feedback report',
    legacyComplaintNoFeedback,
    [
      expected({
        eventType: 'complained',
        rejectCategory: 'spam',
        permanent: null,
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: '0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000',
        recipient: 'richard@example.com',
      }),
    ],
  ],
  [
    'legacy Complaint with feedback report',
    legacyComplaintFeedback,
    [
      expected({
        eventType: 'complained',
        rejectCategory: 'spam',
        permanent: null,
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
        recipient: 'richard@example.com',
        rejectReason: 'abuse',
        userAgent: 'AnyCompany Feedback Loop (V0.01)',
      }),
    ],
  ],
  [
    'legacy Delivery',
    legacyDelivery,
    [
      expected({
        eventType: 'delivered',
        rejectCategory: null,
        permanent: null,
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
        recipient: 'jane@example.com',
        mtaResponse: '250 ok:  Message 64111812 accepted',
      }),
    ],
  ],
];

/** A handler with its own bus, collecting what listeners receive. */
function setup() {
  const bus = new EventBus();
  const received: EmailTrackingContext[] = [];
  bus.subscribe(EmailTrackingEvent, (context, next) => {
    received.push(context);
    return next(context);
  });
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    sinks: [bus],
    logger,
    providers: [ses({ verifySignature: false })],
  });
  return { handle, received, lines };
}

describe('every SES guide example through the handler', () => {
  test.each(CASES)('%s', async (_name, event, contexts) => {
    const { handle, received, lines } = setup();
    const body = envelope(event, { messageId: 'sns-message-1' });
    const response = await handle(snsRequest(body));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: contexts.length });
    expect(
      received.map(({ rawEvent, eventId, espName, timestamp, ...rest }) => {
        expect(rawEvent).toEqual(event);
        expect(eventId).toBe('sns-message-1');
        expect(espName).toBe('ses');
        expect(timestamp).toBeInstanceOf(Date);
        return { ...rest, timestamp: timestamp.toISOString() };
      }),
    ).toEqual(contexts);
    // One JSON log line per normalized event.
    expect(lines.filter((l) => l.msg === 'event').map((l) => l.fields.recipient)).toEqual(
      contexts.map((c) => c.recipient),
    );
  });
});
