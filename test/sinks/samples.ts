/** Inputs for the sink tests: a context with every field set, an SES event in an SNS request. */
import type { EmailTrackingContext } from '../../src/events.js';

export const sampleContext = (
  overrides: Partial<EmailTrackingContext> = {},
): EmailTrackingContext => ({
  eventType: 'bounced',
  messageId: 'ses-message-1',
  recipient: 'zoë@example.com',
  timestamp: new Date('2026-03-04T05:06:07.089Z'),
  espName: 'ses',
  tags: ['welcome', 'campaign:spring'],
  metadata: { user: '42', plan: 'pro' },
  rejectReason: 'Permanent/General',
  description: 'smtp; 550 5.1.1 user unknown',
  clickUrl: 'https://example.com/a?b=c',
  userAgent: 'Mozilla/5.0',
  rawEvent: { eventType: 'Bounce', nested: { list: [1, 'two', null] } },
  eventId: 'sns-message-1',
  mtaResponse: '550 5.1.1 user unknown',
  ...overrides,
});

/** An SES event in an (unsigned) SNS Notification, with the headers SNS sends. */
export function snsRequest(sesEvent: unknown, messageId: string): Request {
  const body = {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
    Message: JSON.stringify(sesEvent),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'unsigned',
    SigningCertURL: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
  };
  return new Request('http://localhost/webhooks/mail/ses', {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': messageId,
    },
    body: JSON.stringify(body),
  });
}
