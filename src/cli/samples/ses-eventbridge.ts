/** SES through EventBridge (fixtures/esps/amazon_ses_eventbridge): SES's record as `detail`, behind the connection's secret. */
import { sharedSecretHeaders } from '../signing.js';
import { uuid } from './ids.js';
import { SES_EVENTS } from './ses.js';
import type { CliProvider } from './types.js';

/** SES's `eventType` → EventBridge's `detail-type`. */
const DETAIL_TYPES: Readonly<Record<string, string>> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  DeliveryDelay: 'Email Delivery Delayed',
  Bounce: 'Email Bounced',
  Reject: 'Email Rejected',
  'Rendering Failure': 'Email Rendering Failed',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  Complaint: 'Email Complaint Received',
  Subscription: 'Email Subscribed',
};

export const sesEventBridgeSamples: CliProvider = {
  name: 'ses-eventbridge',
  credentials: 'shared-secret',
  signing:
    "the connection's secret (--password [--username], --token or --header); account 123456789012",
  events: SES_EVENTS,
  sign: async (payload, credentials, now) => {
    const eventType = (payload as { eventType?: string }).eventType ?? '';
    const envelope = {
      version: '0',
      id: uuid(),
      'detail-type': DETAIL_TYPES[eventType] ?? 'Email Event',
      source: 'aws.ses',
      account: '123456789012',
      time: now.toISOString(),
      region: 'us-east-1',
      resources: ['arn:aws:ses:us-east-1:123456789012:configuration-set/ConfigSet'],
      detail: payload,
    };
    return {
      headers: { 'content-type': 'application/json', ...sharedSecretHeaders(credentials) },
      body: JSON.stringify(envelope),
    };
  },
};
