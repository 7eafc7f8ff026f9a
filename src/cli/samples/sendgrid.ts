/** SendGrid (test/fixtures/esps/sendgrid): a batch with one event per recipient, ECDSA P-256 signed. */
import { base64, importPrivateKey, p1363ToDer } from '../signing.js';
import { UsageError } from '../usage.js';
import { hex, unixSeconds } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0';
const _encoder = new TextEncoder();

/** One batch: `event` for every recipient, with `fields` of that event. */
const _batch =
  (event: string, fields: object = {}): SampleBuilder =>
  (sample) => {
    // SendGrid's message id: the X-Message-Id the send API returned, then a filter suffix.
    const messageId = `${base64(crypto.getRandomValues(new Uint8Array(16))).replace(/[+/=]/g, '')}`;
    return [
      sample.recipients.map((email) => ({
        email,
        timestamp: unixSeconds(sample.now),
        'smtp-id': `<${messageId}@ismtpd0001p1lon1.sendgrid.net>`,
        event,
        category: ['welcome'],
        sg_event_id: base64(crypto.getRandomValues(new Uint8Array(16))).replace(/=+$/, ''),
        sg_message_id: `${messageId}.filterdrecv-${hex(4)}-1-${hex(6)}.0`,
        campaign: 'welcome',
        ...fields,
      })),
    ];
  };

export const sendgridSamples: CliProvider = {
  name: 'sendgrid',
  credentials: 'private-key',
  signing:
    'ECDSA P-256 over timestamp + body (--private-key <pem file>, from `mailhooks keys sendgrid`)',
  events: {
    queued: _batch('processed'),
    deferred: _batch('deferred', {
      response: '400 try again later',
      attempt: '5',
    }),
    delivered: _batch('delivered', { response: '250 OK', ip: '167.89.17.173', tls: 1 }),
    bounced: _batch('bounce', {
      type: 'bounce',
      status: '5.1.1',
      reason: '550 5.1.1 The email account that you tried to reach does not exist.',
      ip: '167.89.17.173',
      tls: 1,
    }),
    rejected: _batch('dropped', { reason: 'Bounced Address', status: '5.0.0' }),
    opened: _batch('open', { useragent: USER_AGENT, ip: '192.0.2.1' }),
    clicked: _batch('click', {
      useragent: USER_AGENT,
      ip: '192.0.2.1',
      url: 'https://example.com/welcome',
      url_offset: { index: 0, type: 'html' },
    }),
    complained: _batch('spamreport'),
    unsubscribed: _batch('unsubscribe'),
  },
  async sign(payload, credentials, now) {
    let key: CryptoKey;
    try {
      key = await importPrivateKey(credentials.privateKey ?? '', {
        name: 'ECDSA',
        namedCurve: 'P-256',
      });
    } catch {
      throw new UsageError(
        '--private-key must be a P-256 private key PEM, PKCS#8 or SEC1 (make one with `mailhooks keys sendgrid`)',
      );
    }
    const timestamp = String(unixSeconds(now));
    const body = JSON.stringify(payload);
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      _encoder.encode(timestamp + body),
    );
    return {
      headers: {
        'content-type': 'application/json',
        'X-Twilio-Email-Event-Webhook-Signature': base64(p1363ToDer(new Uint8Array(signature))),
        'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
      },
      body,
    };
  },
};
