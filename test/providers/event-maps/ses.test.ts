/**
 * SES's whole event vocabulary, row by row (DESIGN "Normalized event"), over SNS (event publishing
 * and legacy notificationType forms) and EventBridge: every field of every context.
 */
import { describe, expect, test } from 'vitest';
import { ses, sesEventBridge } from '../../../src/index.js';
import { envelope, snsHeaders } from '../../helpers/envelope.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const MAIL_TIME = '2026-03-01T10:00:00.000Z';
const EVENT_TIME = '2026-03-01T10:00:05.000Z';
const SNS_ID = 'a0b1c2d3-0000-4000-8000-000000000001';
const EB_ID = 'e0b1c2d3-0000-4000-8000-000000000002';

const mail = {
  timestamp: MAIL_TIME,
  source: 'sender@example.com',
  messageId: '0100-ses-message-id',
  destination: ['a@example.com', 'b@example.com'],
  headers: [
    { name: 'X-Tag', value: 'welcome' },
    { name: 'X-Metadata-User-Id', value: '42' },
  ],
  tags: {
    'ses:configuration-set': ['cs'],
    campaign: ['spring'],
    flag: ['true'],
    'metadata:order': ['o-9'],
  },
};

const common = {
  ...DEFAULTS,
  messageId: '0100-ses-message-id',
  tags: ['welcome', 'campaign:spring', 'flag'],
  metadata: { 'User-Id': '42', order: 'o-9' },
};

type Row = [string, Record<string, unknown>, Record<string, unknown>[]];

/** name, the event's own fields (beside `mail`), and the contexts it gives (recipient first). */
const ROWS: Row[] = [
  [
    'Send',
    { send: {} },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'sent',
      timestamp: MAIL_TIME,
    })),
  ],
  [
    'Delivery',
    {
      delivery: {
        timestamp: EVENT_TIME,
        recipients: ['a@example.com'],
        smtpResponse: '250 2.6.0 Message received',
        processingTimeMillis: 5,
      },
    },
    [
      {
        recipient: 'a@example.com',
        eventType: 'delivered',
        timestamp: EVENT_TIME,
        mtaResponse: '250 2.6.0 Message received',
      },
    ],
  ],
  [
    'DeliveryDelay',
    {
      deliveryDelay: {
        timestamp: EVENT_TIME,
        delayType: 'MailboxFull',
        expirationTime: '2026-03-02T10:00:00.000Z',
        delayedRecipients: [
          {
            emailAddress: 'b@example.com',
            status: '4.2.2',
            diagnosticCode: '452 4.2.2 Mailbox full',
          },
        ],
      },
    },
    [
      {
        recipient: 'b@example.com',
        eventType: 'deferred',
        timestamp: EVENT_TIME,
        description: 'MailboxFull',
        mtaResponse: '452 4.2.2 Mailbox full',
      },
    ],
  ],
  ...(['Permanent', 'Transient', 'Undetermined'] as const).map(
    (bounceType): Row => [
      `Bounce ${bounceType}`,
      {
        bounce: {
          timestamp: EVENT_TIME,
          bounceType,
          bounceSubType: 'General',
          bouncedRecipients: [
            { emailAddress: 'a@example.com', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
            { emailAddress: 'b@example.com' },
          ],
        },
      },
      [
        {
          recipient: 'a@example.com',
          eventType: 'bounced',
          timestamp: EVENT_TIME,
          rejectReason: `${bounceType}/General`,
          description: 'smtp; 550 5.1.1 user unknown',
          mtaResponse: 'smtp; 550 5.1.1 user unknown',
          rejectCategory: 'bounced',
          permanent: bounceType === 'Permanent',
        },
        {
          recipient: 'b@example.com',
          eventType: 'bounced',
          timestamp: EVENT_TIME,
          rejectReason: `${bounceType}/General`,
          rejectCategory: 'bounced',
          permanent: bounceType === 'Permanent',
        },
      ],
    ],
  ),
  [
    'Reject',
    { reject: { reason: 'Bad content' } },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'rejected',
      timestamp: MAIL_TIME,
      rejectReason: 'Bad content',
      rejectCategory: 'blocked',
      permanent: false,
    })),
  ],
  [
    'Rendering Failure',
    { failure: { errorMessage: 'Attribute name is missing', templateName: 't' } },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'failed',
      timestamp: MAIL_TIME,
      description: 'Attribute name is missing',
      rejectCategory: 'other',
      permanent: false,
    })),
  ],
  [
    'Open',
    { open: { timestamp: EVENT_TIME, userAgent: 'Mozilla/5.0', ipAddress: '192.0.2.1' } },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'opened',
      timestamp: EVENT_TIME,
      userAgent: 'Mozilla/5.0',
    })),
  ],
  [
    'Click',
    {
      click: {
        timestamp: EVENT_TIME,
        link: 'https://example.com/x',
        userAgent: 'Mozilla/5.0',
        ipAddress: '192.0.2.1',
        linkTags: {},
      },
    },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'clicked',
      timestamp: EVENT_TIME,
      clickUrl: 'https://example.com/x',
      userAgent: 'Mozilla/5.0',
    })),
  ],
  [
    'Complaint',
    {
      complaint: {
        timestamp: EVENT_TIME,
        complainedRecipients: [{ emailAddress: 'b@example.com' }],
        complaintFeedbackType: 'abuse',
        userAgent: 'Yahoo!-Mail-Feedback/1.0',
        feedbackId: 'f-1',
      },
    },
    [
      {
        recipient: 'b@example.com',
        eventType: 'complained',
        timestamp: EVENT_TIME,
        rejectReason: 'abuse',
        userAgent: 'Yahoo!-Mail-Feedback/1.0',
        rejectCategory: 'spam',
      },
    ],
  ],
  [
    'Subscription (unsubscribeAll)',
    {
      subscription: {
        timestamp: EVENT_TIME,
        contactList: 'l',
        source: 'UnsubscribeHeader',
        newTopicPreferences: { unsubscribeAll: true },
      },
    },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'unsubscribed',
      timestamp: EVENT_TIME,
      rejectCategory: 'unsubscribed',
    })),
  ],
  [
    'Subscription (a topic OptOut)',
    {
      subscription: {
        timestamp: EVENT_TIME,
        newTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 't', subscriptionStatus: 'OptOut' }],
        },
      },
    },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'unsubscribed',
      timestamp: EVENT_TIME,
      rejectCategory: 'unsubscribed',
    })),
  ],
  [
    // The SES guide's example with unsubscribeAll false: its old preferences hold the same OptOut.
    'Subscription (a topic OptOut, as it was before)',
    {
      subscription: {
        timestamp: EVENT_TIME,
        newTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 't', subscriptionStatus: 'OptOut' }],
        },
        oldTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 't', subscriptionStatus: 'OptOut' }],
        },
      },
    },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'unsubscribed',
      timestamp: EVENT_TIME,
      rejectCategory: 'unsubscribed',
    })),
  ],
  [
    'Subscription (opts in)',
    {
      subscription: {
        timestamp: EVENT_TIME,
        newTopicPreferences: {
          unsubscribeAll: false,
          topicSubscriptionStatus: [{ topicName: 't', subscriptionStatus: 'OptIn' }],
        },
      },
    },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'unknown',
      timestamp: EVENT_TIME,
    })),
  ],
  [
    'SomethingNew',
    { somethingNew: {} },
    ['a', 'b'].map((r) => ({
      recipient: `${r}@example.com`,
      eventType: 'unknown',
      timestamp: MAIL_TIME,
    })),
  ],
];

/** The SES type a row's label names: `Bounce Permanent` and `Subscription (…)` name Bounce and Subscription. */
const typeOf = (label: string) =>
  label.replace(/ \(.*\)$| (Permanent|Transient|Undetermined)$/, '');

const sns = (message: object) => {
  const body = envelope(message, { messageId: SNS_ID });
  return [JSON.stringify(body), snsHeaders(body)] as const;
};

describe('SES over SNS, event publishing (eventType): each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (label, fields, want) => {
    const eventType = typeOf(label);
    const [body, headers] = sns({ eventType, mail, ...fields });
    const got = await contextsOf(ses({ verifySignature: false }), body, headers);
    expect(got).toEqual(want.map((w) => ({ ...common, espName: 'ses', eventId: SNS_ID, ...w })));
  });
});

describe('SES over SNS, legacy notifications (notificationType): each gives its type and every context field as mapped', () => {
  const LEGACY = ROWS.filter(([name]) => /^(Bounce|Complaint|Delivery)\b/.test(name));
  test.each(LEGACY)('%s', async (name, fields, want) => {
    const [body, headers] = sns({ notificationType: typeOf(name), mail, ...fields });
    const got = await contextsOf(ses({ verifySignature: false }), body, headers);
    expect(got).toEqual(want.map((w) => ({ ...common, espName: 'ses', eventId: SNS_ID, ...w })));
  });
});

describe('SES over EventBridge: the same rows, eventId the EventBridge id', () => {
  test.each(ROWS)('%s', async (label, fields, want) => {
    const eventType = typeOf(label);
    const body = {
      version: '0',
      id: EB_ID,
      'detail-type': 'Email Event',
      source: 'aws.ses',
      account: '123456789012',
      time: '2026-03-01T10:00:09Z',
      region: 'us-east-1',
      resources: [],
      detail: { eventType, mail, ...fields },
    };
    const got = await contextsOf(sesEventBridge({ verifySignature: false }), body);
    expect(got).toEqual(
      want.map((w) => ({ ...common, espName: 'ses-eventbridge', eventId: EB_ID, ...w })),
    );
  });
});
