/** SparkPost (fixtures/esps/sparkpost): a batch of `{ msys: { <class>: event } }`, behind a shared secret. */
import { sharedSecretHeaders } from '../signing.js';
import { unixSeconds } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0';

/** SparkPost's ids are decimal strings of about 17 digits. */
const _digits = () => String(Math.floor(Math.random() * 9e16) + 1e16);

/** One batch: an event of `cls` and `type` for every recipient, with `fields` of that event. */
const _batch =
  (cls: string, type: string, fields: object = {}): SampleBuilder =>
  (sample) => {
    const transmission = _digits();
    return [
      sample.recipients.map((recipient) => ({
        msys: {
          [cls]: {
            type,
            event_id: _digits(),
            transmission_id: transmission,
            message_id: `${transmission.slice(0, 4)}e3724f57753a3561`,
            customer_id: '12345',
            campaign_id: 'welcome',
            friendly_from: 'sender@example.com',
            subject: 'mailhooks sample',
            rcpt_to: recipient.toLowerCase(),
            raw_rcpt_to: recipient,
            rcpt_meta: { campaign: 'welcome' },
            rcpt_tags: ['welcome'],
            timestamp: String(unixSeconds(sample.now)),
            ...fields,
          },
        },
      })),
    ];
  };

const _message = (type: string, fields: object = {}) => _batch('message_event', type, fields);
const _track = (type: string, fields: object = {}) =>
  _batch('track_event', type, { user_agent: USER_AGENT, ip_address: '192.0.2.1', ...fields });

export const sparkpostSamples: CliProvider = {
  name: 'sparkpost',
  credentials: 'shared-secret',
  signing: 'a shared secret (--password [--username], --token or --header)',
  events: {
    queued: _message('injection'),
    delivered: _message('delivery', { sending_ip: '192.0.2.10', queue_time: '3005' }),
    deferred: _message('delay', {
      bounce_class: '21',
      error_code: '421',
      num_retries: '1',
      reason: '421 4.7.0 Try again later',
      raw_reason: '421 4.7.0 Try again later',
    }),
    bounced: _message('bounce', {
      bounce_class: '10',
      error_code: '550',
      reason: '550 5.1.1 ...@... Recipient address rejected: User unknown',
      raw_reason: '550 5.1.1 Recipient address rejected: User unknown',
    }),
    rejected: _message('policy_rejection', {
      error_code: '554',
      reason: '554 5.7.1 recipient address suppressed due to customer policy',
      raw_reason: '554 5.7.1 recipient address suppressed due to customer policy',
    }),
    failed: _batch('gen_event', 'generation_failure', {
      error_code: '554',
      reason: '554 5.3.3 [internal] Error while rendering part html: substitution value missing',
      raw_reason:
        '554 5.3.3 [internal] Error while rendering part html: substitution value missing',
    }),
    complained: _message('spam_complaint', { fbtype: 'abuse', report_by: 'isp.example' }),
    opened: _track('open'),
    clicked: _track('click', {
      target_link_name: 'welcome',
      target_link_url: 'https://example.com/welcome',
    }),
    unsubscribed: _batch('unsubscribe_event', 'list_unsubscribe', {
      mailfrom: 'bounces@example.com',
    }),
  },
  sign: async (payload, credentials) => ({
    headers: { 'content-type': 'application/json', ...sharedSecretHeaders(credentials) },
    body: JSON.stringify(payload),
  }),
};
