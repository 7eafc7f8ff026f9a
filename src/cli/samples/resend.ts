/** Resend (test/fixtures/esps/resend): one `email.*` event for every recipient, signed as Svix. */

import { uuid } from './ids.js';
import { signStandardWebhook } from './standard-webhooks.js';
import type { CliProvider, SampleBuilder, SampleContext } from './types.js';

const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15';

/** A Resend `email.<type>` event; `detail` adds the type's own object (bounce, click...). */
const _event =
  (type: string, detail: (at: string) => object = () => ({})): SampleBuilder =>
  (sample: SampleContext) => {
    const at = sample.now.toISOString();
    return [
      {
        type: `email.${type}`,
        created_at: at,
        data: {
          created_at: new Date(sample.now.getTime() - 2000).toISOString(),
          email_id: uuid(),
          from: 'Sender <from@example.com>',
          to: [...sample.recipients],
          subject: 'mailhooks sample',
          tags: { campaign: 'welcome' },
          ...detail(at),
        },
      },
    ];
  };

export const resendSamples: CliProvider = {
  name: 'resend',
  credentials: 'secret',
  signing: 'Standard Webhooks with svix-* headers (--secret whsec_...)',
  events: {
    queued: _event('scheduled'),
    sent: _event('sent'),
    delivered: _event('delivered'),
    deferred: _event('delivery_delayed'),
    bounced: _event('bounced', () => ({
      bounce: {
        message: "The recipient's email provider sent a hard bounce message.",
        type: 'Permanent',
        subType: 'General',
      },
    })),
    rejected: _event('suppressed', () => ({
      suppressed: {
        message: 'The address is on the suppression list.',
        type: 'OnAccountSuppressionList',
      },
    })),
    failed: _event('failed', () => ({ failed: { reason: 'reached_daily_quota' } })),
    complained: _event('complained'),
    opened: _event('opened', (timestamp) => ({
      open: { ipAddress: '192.0.2.1', timestamp, userAgent: USER_AGENT },
    })),
    clicked: _event('clicked', (timestamp) => ({
      click: {
        ipAddress: '192.0.2.1',
        link: 'https://example.com/welcome',
        timestamp,
        userAgent: USER_AGENT,
      },
    })),
  },
  // Resend sends Svix's header names.
  sign: (payload, credentials, now) => signStandardWebhook('svix', payload, credentials, now),
};
