/** Amazon SES: event-publishing events (test/fixtures/ses) in an SNS Notification, sent unsigned. */
import { sharedSecretHeaders } from '../signing.js';
import { hex, uuid } from './ids.js';
import { unsignedNotification } from './sns-notification.js';
import type { CliProvider, SampleBuilder, SampleContext } from './types.js';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ses-events';
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

function _mail(sample: SampleContext) {
  const messageId = `0100${hex(6)}-${uuid()}-000000`;
  const sentAt = new Date(sample.now.getTime() - 2000).toISOString();
  return {
    timestamp: sentAt,
    source: 'Sender Name <sender@example.com>',
    sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
    sendingAccountId: '123456789012',
    messageId,
    destination: [...sample.recipients],
    headersTruncated: false,
    headers: [
      { name: 'From', value: 'Sender Name <sender@example.com>' },
      { name: 'To', value: sample.recipients.join(', ') },
      { name: 'Subject', value: 'mailhooks sample' },
      { name: 'X-Tag', value: 'mailhooks-sample' },
    ],
    commonHeaders: {
      from: ['Sender Name <sender@example.com>'],
      to: [...sample.recipients],
      messageId,
      subject: 'mailhooks sample',
    },
    tags: { 'ses:configuration-set': ['ConfigSet'], campaign: ['welcome'] },
  };
}

/** An event of `eventType` with `detail` under `key`; `detail` may use the recipients and the time. */
const _event =
  (eventType: string, key: string, detail: (s: SampleContext, at: string) => object) =>
  (sample: SampleContext): unknown[] => [
    { eventType, mail: _mail(sample), [key]: detail(sample, sample.now.toISOString()) },
  ];

const _each = (sample: SampleContext, fields: object) =>
  sample.recipients.map((emailAddress) => ({ emailAddress, ...fields }));

/** Each event type's SES event-publishing record (also the `detail` of `ses-eventbridge`). */
export const SES_EVENTS: Record<string, SampleBuilder> = {
  sent: _event('Send', 'send', () => ({})),
  delivered: _event('Delivery', 'delivery', (s, timestamp) => ({
    timestamp,
    processingTimeMillis: 1893,
    recipients: [...s.recipients],
    smtpResponse: '250 2.6.0 Message received',
    reportingMTA: 'a8-70.smtp-out.amazonses.com',
  })),
  deferred: _event('DeliveryDelay', 'deliveryDelay', (s, timestamp) => ({
    timestamp,
    delayType: 'TransientCommunicationFailure',
    expirationTime: new Date(s.now.getTime() + 86_400_000).toISOString(),
    delayedRecipients: _each(s, {
      status: '4.4.1',
      diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
    }),
  })),
  bounced: _event('Bounce', 'bounce', (s, timestamp) => ({
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: _each(s, {
      action: 'failed',
      status: '5.1.1',
      diagnosticCode: 'smtp; 550 5.1.1 user unknown',
    }),
    timestamp,
    feedbackId: `0100${hex(6)}-${uuid()}-000000`,
    reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
  })),
  rejected: _event('Reject', 'reject', () => ({ reason: 'Bad content' })),
  failed: _event('Rendering Failure', 'failure', () => ({
    errorMessage: "Attribute 'name' is not present in the rendering data.",
    templateName: 'Welcome',
  })),
  opened: _event('Open', 'open', (_s, timestamp) => ({
    ipAddress: '192.0.2.1',
    timestamp,
    userAgent: USER_AGENT,
  })),
  clicked: _event('Click', 'click', (_s, timestamp) => ({
    ipAddress: '192.0.2.1',
    link: 'https://example.com/welcome',
    linkTags: { campaign: ['welcome'] },
    timestamp,
    userAgent: USER_AGENT,
  })),
  complained: _event('Complaint', 'complaint', (s, timestamp) => ({
    complainedRecipients: _each(s, {}),
    timestamp,
    feedbackId: `0100${hex(6)}-${uuid()}-000000`,
    userAgent: USER_AGENT,
    complaintFeedbackType: 'abuse',
    arrivalDate: timestamp,
  })),
  unsubscribed: _event('Subscription', 'subscription', (_s, timestamp) => ({
    contactList: 'Newsletter',
    timestamp,
    source: 'UnsubscribeHeader',
    newTopicPreferences: { unsubscribeAll: true, topicSubscriptionStatus: [] },
    oldTopicPreferences: { unsubscribeAll: false, topicSubscriptionStatus: [] },
  })),
  // A contact opting back in to a topic on SES's subscription page: a real event that maps to
  // none of the other types, so receivers see the `unknown` they must handle.
  unknown: _event('Subscription', 'subscription', (_s, timestamp) => ({
    contactList: 'Newsletter',
    timestamp,
    source: 'UnsubscribeLink',
    newTopicPreferences: {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'Offers', subscriptionStatus: 'OptIn' }],
    },
    oldTopicPreferences: {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'Offers', subscriptionStatus: 'OptOut' }],
    },
  })),
};

export const sesSamples: CliProvider = {
  name: 'ses',
  credentials: 'none',
  // The TopicArn is shown: a server with MAIL_WEBHOOK_SES_TOPIC_ARNS set refuses any other topic.
  signing: `unsigned SNS Notification (for a server with MAIL_WEBHOOK_SES_VERIFY_SIGNATURE=false); --password/--username for MAIL_WEBHOOK_SES_SECRET; TopicArn ${TOPIC_ARN}`,
  events: SES_EVENTS,
  async sign(payload, credentials, now) {
    // SNS signs with Amazon's key, which no one else holds: the sample is for a server that
    // does not verify, and carries the same envelope and headers as a real delivery.
    return unsignedNotification(
      payload,
      now,
      {
        topicArn: TOPIC_ARN,
        signingCertUrl: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${hex(16)}.pem`,
        unsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}`,
      },
      sharedSecretHeaders(credentials),
    );
  },
};
