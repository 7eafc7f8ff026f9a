/** MailPace (fixtures/esps/mailpace): one event per email (every recipient in `to`), Ed25519 signed. */
import { base64, importPrivateKey } from '../signing.js';
import { UsageError } from '../usage.js';
import { hex } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const _encoder = new TextEncoder();

/** `event` about one email to every recipient; `status` as MailPace writes it. */
const _event =
  (event: string, status: string): SampleBuilder =>
  (sample) => {
    const at = sample.now.toISOString();
    return [
      {
        event: `email.${event}`,
        payload: {
          status,
          id: Math.floor(Math.random() * 1e6),
          domain_id: 1,
          created_at: new Date(sample.now.getTime() - 2000).toISOString(),
          updated_at: at,
          from: 'sender@example.com',
          to: sample.recipients.join(', '),
          htmlbody: '<p>mailhooks sample</p>',
          textbody: 'mailhooks sample',
          cc: null,
          bcc: null,
          subject: 'mailhooks sample',
          replyto: null,
          message_id: `<${hex(16)}@mailpace.com>`,
          list_unsubscribe: null,
          tags: ['welcome'],
        },
      },
    ];
  };

export const mailpaceSamples: CliProvider = {
  name: 'mailpace',
  credentials: 'private-key',
  signing: 'Ed25519 over the body (--private-key <pem file>, from `mailhooks keys mailpace`)',
  events: {
    queued: _event('queued', 'queued'),
    delivered: _event('delivered', 'delivered'),
    deferred: _event('deferred', 'deferred'),
    bounced: _event('bounced', 'bounced'),
    rejected: _event('spam', 'spam'),
  },
  async sign(payload, credentials) {
    let key: CryptoKey;
    try {
      key = await importPrivateKey(credentials.privateKey ?? '', { name: 'Ed25519' });
    } catch {
      throw new UsageError(
        '--private-key must be an Ed25519 PKCS#8 PEM (make one with `mailhooks keys mailpace`)',
      );
    }
    const body = JSON.stringify(payload);
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, key, _encoder.encode(body));
    return {
      headers: {
        'content-type': 'application/json',
        'X-MailPace-Signature': base64(new Uint8Array(signature)),
      },
      body,
    };
  },
};
