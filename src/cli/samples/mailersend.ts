/** MailerSend (fixtures/esps/mailersend): one `activity.*` per request, hex HMAC-SHA256 of the body in `Signature`. */
import { hmac, toHex } from '../signing.js';
import { hex, perRecipient } from './ids.js';
import type { CliProvider } from './types.js';

/** MailerSend ids are 24 hex digits (MongoDB ObjectIds). */
const _id = () => hex(12);

/** `activity.<type>` for one recipient; `morph` is the type's own object. */
const _activity = (type: string, morph: object | null = null) =>
  perRecipient((email, now) => ({
    type: `activity.${type}`,
    created_at: now.toISOString(),
    data: {
      id: _id(),
      type,
      created_at: now.toISOString(),
      email: {
        status: type.includes('bounced') ? 'rejected' : 'delivered',
        subject: 'mailhooks sample',
        tags: ['welcome'],
        message: { id: _id() },
        recipient: { email },
      },
      morph: morph && { id: _id(), created_at: now.toISOString(), ...morph },
    },
  }));

export const mailersendSamples: CliProvider = {
  name: 'mailersend',
  credentials: 'secret',
  signing: 'hex HMAC-SHA256 of the body in Signature (--secret <signing secret>)',
  events: {
    sent: _activity('sent'),
    delivered: _activity('delivered'),
    bounced: _activity('hard_bounced', {
      object: 'recipient_bounce',
      reason: 'Host or domain name not found',
    }),
    opened: _activity('opened', { object: 'open', ip: '192.0.2.1' }),
    clicked: _activity('clicked', {
      object: 'click',
      ip: '192.0.2.1',
      url: 'https://example.com/welcome',
    }),
    complained: _activity('spam_complaint', { object: 'spam_complaint' }),
    unsubscribed: _activity('unsubscribed', {
      object: 'recipient_unsubscribe',
      reason: 'NO_LONGER_WANT',
    }),
  },
  async sign(payload, credentials) {
    const body = JSON.stringify(payload);
    const signature = toHex(await hmac('SHA-256', credentials.secret ?? '', body));
    return { headers: { 'content-type': 'application/json', Signature: signature }, body };
  },
};
