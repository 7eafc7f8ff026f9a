/** Mandrill (fixtures/esps/mandrill): a form-encoded `mandrill_events` batch, HMAC-SHA1 over the URL + params. */
import { base64, hmac } from '../signing.js';
import { hex, unixSeconds } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/125.0';

/** One batch: `event` for every recipient; `msg` adds to the message, `fields` to the event. */
const _batch =
  (event: string, msg: object = {}, fields: object = {}): SampleBuilder =>
  (sample) => {
    const ts = unixSeconds(sample.now);
    return [
      sample.recipients.map((email) => {
        const id = hex(16);
        return {
          event,
          _id: id,
          ts,
          msg: {
            ts: ts - 2,
            _id: id,
            state: 'sent',
            subject: 'mailhooks sample',
            email,
            sender: 'sender@example.com',
            tags: ['welcome'],
            opens: [],
            clicks: [],
            smtp_events: [],
            resends: [],
            metadata: { campaign: 'welcome' },
            subaccount: null,
            template: null,
            diag: null,
            bounce_description: null,
            _version: hex(11),
            ...msg,
          },
          ...fields,
        };
      }),
    ];
  };

const _engaged = { ip: '192.0.2.1', user_agent: USER_AGENT, location: null };

export const mandrillSamples: CliProvider = {
  name: 'mandrill',
  credentials: 'secret',
  signing:
    'base64 HMAC-SHA1 of the URL + params (--secret <webhook key>; --to exactly the configured url)',
  events: {
    sent: _batch('send'),
    delivered: _batch('delivered', {
      smtp_events: [{ destination_ip: '192.0.2.25', diag: '250 2.0.0 OK', type: 'sent' }],
    }),
    deferred: _batch('deferral', {
      state: 'deferred',
      diag: '451 4.3.0 Mailbox temporarily unavailable',
      smtp_events: [{ diag: '451 4.3.0 Mailbox temporarily unavailable', type: 'deferred' }],
    }),
    bounced: _batch('hard_bounce', {
      state: 'bounced',
      diag: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      bounce_description: 'bad_mailbox',
    }),
    rejected: _batch('reject', { state: 'rejected' }),
    opened: _batch('open', {}, _engaged),
    clicked: _batch('click', {}, { ..._engaged, url: 'https://example.com/welcome' }),
    complained: _batch('spam'),
    unsubscribed: _batch('unsub'),
  },
  async sign(payload, credentials, _now, url) {
    const events = JSON.stringify(payload);
    // What Mandrill signs: the webhook URL, then each POST param's name and value, sorted.
    const signature = base64(
      await hmac('SHA-1', credentials.secret ?? '', `${url}mandrill_events${events}`),
    );
    return {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'X-Mandrill-Signature': signature,
      },
      body: new URLSearchParams({ mandrill_events: events }).toString(),
    };
  },
};
