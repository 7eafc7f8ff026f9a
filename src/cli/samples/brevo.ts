/** Brevo (fixtures/esps/brevo): one transactional event per request, behind a shared secret. */
import { sharedSecretHeaders } from '../signing.js';
import { perRecipient, unixSeconds } from './ids.js';
import type { CliProvider } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0';

/** `YYYY-MM-DD HH:MM:SS`, as Brevo writes `date` (in the account's time zone; UTC here). */
const _date = (now: Date) => now.toISOString().slice(0, 19).replace('T', ' ');

/** Brevo's `event` for one recipient, with `fields` of that event. */
const _event = (event: string, fields: object = {}) =>
  perRecipient((email, now) => {
    const digits = String(Math.floor(Math.random() * 1e11)).padStart(11, '0');
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 12);
    return {
      id: Math.floor(Math.random() * 1e6),
      email,
      'message-id': `<${stamp}.${digits}@smtp-relay.mailin.fr>`,
      date: _date(now),
      tags: ['welcome'],
      tag: '["welcome"]',
      event,
      subject: 'mailhooks sample',
      'X-Mailin-custom': '{"campaign": "welcome"}',
      sending_ip: '185.41.28.109',
      ts_event: unixSeconds(now),
      ts: unixSeconds(now),
      ts_epoch: now.getTime(),
      template_id: 1,
      ...fields,
    };
  });

export const brevoSamples: CliProvider = {
  name: 'brevo',
  credentials: 'shared-secret',
  signing: 'a shared secret (--password [--username], --token or --header)',
  events: {
    queued: _event('request'),
    delivered: _event('delivered'),
    deferred: _event('deferred', { reason: '421 4.7.0 Try again later' }),
    bounced: _event('hard_bounce', {
      reason: '550 5.1.1 The email account that you tried to reach does not exist.',
    }),
    rejected: _event('blocked', { reason: 'blocked : due to blacklist user' }),
    failed: _event('error', { reason: 'Template rendering failed' }),
    opened: _event('opened', { user_agent: USER_AGENT, device_used: 'DESKTOP' }),
    clicked: _event('click', { link: 'https://example.com/welcome', user_agent: USER_AGENT }),
    complained: _event('spam'),
    unsubscribed: _event('unsubscribe'),
  },
  sign: async (payload, credentials) => ({
    headers: { 'content-type': 'application/json', ...sharedSecretHeaders(credentials) },
    body: JSON.stringify(payload),
  }),
};
