/** Scaleway TEM (fixtures/esps/scaleway_tem): one TEM event per recipient in a Topics and Events (SNS-style) Notification, sent unsigned. */
import { hex, uuid } from './ids.js';
import { unsignedNotification } from './sns-notification.js';
import type { CliProvider, SampleBuilder } from './types.js';

const REGION = 'fr-par';
const PROJECT = '22222222-2222-4222-8222-222222222222';
const TOPIC_ARN = `arn:scw:sns:${REGION}:project-${PROJECT}:mailhooks-sample`;

/** A TEM event of `type` for each recipient, with `fields` of that event. */
const _event =
  (type: string, fields: object = {}): SampleBuilder =>
  (sample) =>
    sample.recipients.map((email_to) => ({
      id: uuid(),
      type,
      organization_id: '11111111-1111-4111-8111-111111111111',
      project_id: PROJECT,
      domain_id: '33333333-3333-4333-8333-333333333333',
      domain_name: 'example.com',
      created_at: sample.now.toISOString(),
      email_sent_at: new Date(sample.now.getTime() - 2000).toISOString(),
      email_id: uuid(),
      email_from: 'sender@example.com',
      email_to,
      email_headers: [
        { key: 'Subject', value: 'mailhooks sample' },
        { key: 'Message-Id', value: `<${hex(12)}@example.com>` },
      ],
      ...fields,
    }));

export const scalewaySamples: CliProvider = {
  name: 'scaleway',
  credentials: 'unsigned',
  signing: `unsigned, for a server with verification off; TopicArn ${TOPIC_ARN}`,
  events: {
    queued: _event('email_queued'),
    delivered: _event('email_delivered', {
      email_response_code: 250,
      email_response_message: '2.0.0 OK',
    }),
    deferred: _event('email_deferred', {
      email_response_code: 451,
      email_response_message: '4.3.0 Mailbox temporarily unavailable',
    }),
    bounced: _event('email_mailbox_not_found', {
      email_error: '550 5.1.1 User unknown',
      email_response_code: 550,
      email_response_message: '5.1.1 User unknown',
    }),
    rejected: _event('email_blocklisted', {
      blocklist_id: '66666666-6666-4666-8666-666666666666',
      blocklist_type: 'mailbox_not_found',
      blocklist_reason: 'mailbox not found',
    }),
  },
  async sign(payload, _credentials, now) {
    // Topics and Events signs with Scaleway's key under a certificate on a scw.cloud host, which
    // no one else holds: the sample is for a server that does not verify, with the same envelope.
    return unsignedNotification(payload, now, {
      topicArn: TOPIC_ARN,
      signingCertUrl: `https://messaging.s3.${REGION}.scw.cloud/${REGION}/sns/${hex(16)}.pem`,
      unsubscribeUrl: `https://sns.mnq.${REGION}.scaleway.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}`,
    });
  },
};
