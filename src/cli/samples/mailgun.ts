/** Mailgun (test/fixtures/esps/mailgun): one event per request, with its signature block in the body. */
import { hmac, toHex } from '../signing.js';
import { hex, perRecipient, unixSeconds } from './ids.js';
import type { CliProvider } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';

/** `event` for one recipient, with `fields` of that event. */
const _event = (event: string, fields: object = {}) =>
  perRecipient((recipient, now) => ({
    'event-data': {
      id: hex(11),
      event,
      timestamp: now.getTime() / 1000,
      'log-level': 'info',
      recipient,
      'recipient-domain': recipient.split('@')[1] ?? '',
      tags: ['welcome'],
      'user-variables': { campaign: 'welcome' },
      message: {
        headers: {
          to: recipient,
          'message-id': `${now.toISOString().replace(/\D/g, '').slice(0, 14)}.1.${hex(8).toUpperCase()}@mg.example.com`,
          from: 'Sender <sender@mg.example.com>',
          subject: 'mailhooks sample',
        },
      },
      ...fields,
    },
  }));

const _status = (code: number, message: string) => ({
  'delivery-status': { code, message, description: '', 'attempt-no': 1, tls: true },
});

const _client = { 'client-info': { 'client-type': 'browser', 'user-agent': USER_AGENT } };

export const mailgunSamples: CliProvider = {
  name: 'mailgun',
  credentials: 'secret',
  signing: 'signature block: hex HMAC-SHA256 of timestamp + token (--secret <signing key>)',
  events: {
    queued: _event('accepted', { method: 'HTTP' }),
    rejected: _event('rejected', {
      reject: { reason: 'Sandbox subdomains are for test purposes only', description: '' },
    }),
    delivered: _event('delivered', _status(250, 'OK')),
    bounced: _event('failed', {
      severity: 'permanent',
      reason: 'bounce',
      ..._status(550, '5.1.1 The email account that you tried to reach does not exist.'),
    }),
    deferred: _event('failed', {
      severity: 'temporary',
      reason: 'generic',
      ..._status(452, '4.2.2 The email account that you tried to reach is over quota.'),
    }),
    opened: _event('opened', { ip: '192.0.2.1', ..._client }),
    clicked: _event('clicked', { ip: '192.0.2.1', url: 'https://example.com/welcome', ..._client }),
    unsubscribed: _event('unsubscribed', { ip: '192.0.2.1', ..._client }),
    complained: _event('complained'),
  },
  async sign(payload, credentials, now) {
    const timestamp = String(unixSeconds(now));
    const token = hex(25);
    const signature = toHex(await hmac('SHA-256', credentials.secret ?? '', timestamp + token));
    const body = JSON.stringify({
      signature: { timestamp, token, signature },
      ...(payload as object),
    });
    return { headers: { 'content-type': 'application/json' }, body };
  },
};
