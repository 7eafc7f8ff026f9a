/** Loops (fixtures/esps/loops): one email event per contact, signed as Standard Webhooks (`webhook-*`). */
import { unixSeconds } from './ids.js';
import { signStandardWebhook } from './standard-webhooks.js';
import type { CliProvider } from './types.js';

/** Loops' ids: 25 lower-case letters and digits (cuid). */
const _cuid = () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `c${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
};

/** `eventName` about one transactional email to one contact. */
const _event = (eventName: string) => (sample: { recipients: readonly string[]; now: Date }) =>
  sample.recipients.map((email) => ({
    eventName,
    eventTime: unixSeconds(sample.now),
    webhookSchemaVersion: '1.0.0',
    sourceType: 'transactional',
    transactionalId: _cuid(),
    contactIdentity: { id: _cuid(), email, userId: null },
    email: { id: _cuid(), emailMessageId: _cuid(), subject: 'mailhooks sample' },
  }));

export const loopsSamples: CliProvider = {
  name: 'loops',
  credentials: 'secret',
  signing: 'Standard Webhooks with webhook-* headers (--secret whsec_...)',
  events: {
    sent: _event('transactional.email.sent'),
    delivered: _event('email.delivered'),
    bounced: _event('email.hardBounced'),
    opened: _event('email.opened'),
    clicked: _event('email.clicked'),
    complained: _event('email.spamReported'),
    unsubscribed: _event('email.unsubscribed'),
  },
  sign: (payload, credentials, now) => signStandardWebhook('webhook', payload, credentials, now),
};
