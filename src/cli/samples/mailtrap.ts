/** Mailtrap (fixtures/esps/mailtrap): an `{ events: [...] }` batch, hex HMAC-SHA256 of the body in `Mailtrap-Signature`. */
import { hmac, toHex } from '../signing.js';
import { unixSeconds, uuid } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0';

/** One batch: `event` for every recipient, with `fields` of that event. */
const _batch =
  (event: string, fields: object = {}): SampleBuilder =>
  (sample) => [
    {
      events: sample.recipients.map((email) => ({
        event,
        timestamp: unixSeconds(sample.now),
        sending_stream: 'transactional',
        category: 'welcome',
        custom_variables: { campaign: 'welcome' },
        message_id: uuid(),
        email,
        event_id: uuid(),
        sending_domain_name: 'example.com',
        ...fields,
      })),
    },
  ];

export const mailtrapSamples: CliProvider = {
  name: 'mailtrap',
  credentials: 'secret',
  signing: 'hex HMAC-SHA256 of the body in Mailtrap-Signature (--secret <signing secret>)',
  events: {
    delivered: _batch('delivery'),
    deferred: _batch('soft bounce', {
      response: '451 4.7.1 Temporary error, please retry',
      response_code: 451,
      bounce_category: 'greylisting',
    }),
    bounced: _batch('bounce', {
      response: 'bounced (550 5.1.1 The email account that you tried to reach does not exist.)',
      response_code: 550,
      bounce_category: 'hard',
    }),
    rejected: _batch('reject', {
      reason: 'Recipient in suppression list. Reason: unsubscription',
    }),
    opened: _batch('open', { ip: '192.0.2.1', user_agent: USER_AGENT }),
    clicked: _batch('click', {
      ip: '192.0.2.1',
      user_agent: USER_AGENT,
      url: 'https://example.com/welcome',
    }),
    complained: _batch('spam'),
    unsubscribed: _batch('unsubscribe', { ip: '192.0.2.1', user_agent: USER_AGENT }),
  },
  async sign(payload, credentials) {
    const body = JSON.stringify(payload);
    const signature = toHex(await hmac('SHA-256', credentials.secret ?? '', body));
    return {
      headers: { 'content-type': 'application/json', 'Mailtrap-Signature': signature },
      body,
    };
  },
};
