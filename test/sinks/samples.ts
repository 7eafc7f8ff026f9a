/** Inputs for the sink tests: a context with every field set, an SES event in an SNS request. */

import type { EmailTrackingContext } from '../../src/events.js';
import { envelope, snsRequest as postEnvelope } from '../helpers/envelope.js';

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
  rejectCategory: 'bounced',
  permanent: true,
  ...overrides,
});

/** An unsigned SNS Notification around `sesEvent`, posted to the SES route. */
export const snsRequest = (sesEvent: unknown, messageId: string): Request =>
  postEnvelope(envelope(sesEvent, { messageId }));
