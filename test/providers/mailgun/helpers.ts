/** Mailgun test helpers: sign bodies with a test key, post them, capture what the sinks receive. */
import type { MailWebhookOptions } from '../../../src/index.js';
import { type MailgunOptions, mailgun } from '../../../src/providers/mailgun/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { hmacHex } from '../../helpers/hmac.js';

export const TEST_KEY = 'key-mailhooks-test-0123456789abcdef';
export const OTHER_KEY = 'key-mailhooks-other-fedcba9876543210';
export const URL_MAILGUN = 'http://localhost/webhooks/mail/mailgun';
/** The handler's fixed clock. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const NOW_SECONDS = String(NOW.getTime() / 1000);

/** Lowercase hex HMAC-SHA256 of `message` under `key`. */
export { hmacHex };

export interface SignInit {
  readonly key?: string;
  readonly timestamp?: string;
  readonly token?: string;
}

let _tokens = 0;

/** A signature block for `timestamp` + `token` under `key`; each gets a fresh token, as from Mailgun. */
export async function signatureBlock(init: SignInit = {}) {
  const timestamp = init.timestamp ?? NOW_SECONDS;
  const token =
    init.token ?? `0123456789abcdef0123456789abcdef0123456789${String(++_tokens).padStart(8, '0')}`;
  const signature = await hmacHex(init.key ?? TEST_KEY, timestamp + token);
  return { timestamp, token, signature };
}

/** The payload with its signature block replaced by one computed here, as JSON text. */
export async function resign(payload: object, init: SignInit = {}): Promise<string> {
  return JSON.stringify({ ...payload, signature: await signatureBlock(init) });
}

/** A POST to the Mailgun route. */
export const mailgunRequest = (
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  url = URL_MAILGUN,
): Request => new Request(url, { method: 'POST', body, headers });

/** A handler with one mailgun provider, a capturing sink, a capturing logger and a fixed clock. */
export const setup = (
  options: MailgunOptions = { signingKey: TEST_KEY },
  extra: Partial<MailWebhookOptions> = {},
) => captureHandler(mailgun(options), { now: () => NOW, ...extra });

/** Status and parsed JSON body of a response. */
export { answer } from '../../helpers/capture-handler.js';
