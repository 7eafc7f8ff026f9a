/** Postal (fixtures/esps/postal): one event per request, RSA signed (`X-Postal-Signature-256` and `X-Postal-Signature`). */
import { base64, importPrivateKey } from '../signing.js';
import { UsageError } from '../usage.js';
import { hex, perRecipient, uuid } from './ids.js';
import type { CliProvider } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0';
const _encoder = new TextEncoder();

/** Postal's tokens: 12 letters and digits. */
const _token = () => base64(crypto.getRandomValues(new Uint8Array(9))).replace(/[+/]/g, 'x');

function _message(to: string, now: Date, direction = 'outgoing') {
  return {
    id: Math.floor(Math.random() * 1e6),
    token: _token(),
    direction,
    message_id: `${uuid()}@rp.postal.example.com`,
    to,
    from: 'sender@example.com',
    subject: 'mailhooks sample',
    timestamp: (now.getTime() - 2000) / 1000,
    spam_status: 'NotSpam',
    tag: 'welcome',
  };
}

/** An event named `event` for one recipient; `payload` adds the event's own fields. */
const _event = (event: string, payload: (to: string, now: Date) => object) =>
  perRecipient((to, now) => ({
    event,
    timestamp: now.getTime() / 1000,
    payload: payload(to, now),
    uuid: uuid(),
  }));

/** A delivery status event (MessageSent, MessageDelayed...). */
const _status = (event: string, status: string, details: string, output: string) =>
  _event(event, (to, now) => ({
    message: _message(to, now),
    status,
    details,
    output,
    sent_with_ssl: true,
    timestamp: now.getTime() / 1000,
    time: 0.42,
  }));

const _engaged =
  (fields: object = {}) =>
  (to: string, now: Date) => ({
    ...fields,
    ip_address: '192.0.2.1',
    user_agent: USER_AGENT,
    message: _message(to, now),
  });

export const postalSamples: CliProvider = {
  name: 'postal',
  credentials: 'private-key',
  signing:
    'RSA over the body, X-Postal-Signature(-256) (--private-key <pem file>, `mailhooks keys postal`)',
  events: {
    queued: _status(
      'MessageHeld',
      'Held',
      'Message held for review',
      'The message was held by the server',
    ),
    delivered: _status(
      'MessageSent',
      'Sent',
      'Message for the recipient accepted by mx.example.com',
      '250 2.0.0 OK\n',
    ),
    deferred: _status(
      'MessageDelayed',
      'SoftFail',
      'Temporary failure: the server will retry',
      '451 4.3.0 Mailbox temporarily unavailable\n',
    ),
    failed: _status(
      'MessageDeliveryFailed',
      'HardFail',
      'Permanent SMTP delivery error when sending to mx.example.com',
      '550 5.7.1 Message rejected\n',
    ),
    bounced: _event('MessageBounced', (to, now) => ({
      original_message: _message(to, now),
      bounce: {
        ..._message(`${hex(5)}@psrp.postal.example.com`, now, 'incoming'),
        from: 'postmaster@mx.example.com',
        subject: 'Delivery Status Notification (Failure)',
      },
    })),
    opened: _event('MessageLoaded', _engaged()),
    clicked: _event(
      'MessageLinkClicked',
      _engaged({ url: 'https://example.com/welcome', token: _token() }),
    ),
  },
  async sign(payload, credentials) {
    const pem = credentials.privateKey ?? '';
    let keys: CryptoKey[];
    try {
      keys = await Promise.all(
        (['SHA-256', 'SHA-1'] as const).map((hash) =>
          importPrivateKey(pem, { name: 'RSASSA-PKCS1-v1_5', hash }),
        ),
      );
    } catch {
      throw new UsageError(
        '--private-key must be an RSA private key PEM: PKCS#8, or PKCS#1 as Postal writes it (make one with `mailhooks keys postal`)',
      );
    }
    const body = JSON.stringify(payload);
    const [sha256, sha1] = await Promise.all(
      keys.map(async (key) =>
        base64(
          new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, _encoder.encode(body))),
        ),
      ),
    );
    return {
      headers: {
        'content-type': 'application/json',
        'X-Postal-Signature-256': sha256 ?? '',
        'X-Postal-Signature': sha1 ?? '',
      },
      body,
    };
  },
};
