/** MailerSend test helpers: bodies signed with a test secret, a capturing handler, a fixed clock. */
import { type MailersendOptions, mailersend } from '../../../src/providers/mailersend/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { hmacHex } from '../../helpers/hmac.js';

export const SECRET = 'ms-test-signing-secret-0123456789';
export const OTHER_SECRET = 'ms-other-signing-secret-9876543210';
export const TEST_PING_SECRET = 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G';
export const URL_MAILERSEND = 'http://localhost/webhooks/mail/mailersend';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** Lowercase hex HMAC-SHA256 of `body` under `secret` (WebCrypto: runs in workerd too). */
export const sign = (body: string | Uint8Array, secret = SECRET): Promise<string> =>
  hmacHex(secret, body);

/** A POST to the MailerSend route, signed with SECRET unless told; `signature: null` sends none. */
export async function mailersendRequest(
  body: string | Uint8Array<ArrayBuffer>,
  given?: string | null,
): Promise<Request> {
  const signature = given === undefined ? await sign(body) : given;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers.signature = signature;
  return new Request(URL_MAILERSEND, { method: 'POST', body, headers });
}

/** A handler with one mailersend provider, a capturing sink and logger, and a fixed clock. */
export const setup = (options: MailersendOptions = { secret: SECRET }) =>
  captureHandler(mailersend(options), { now: () => NOW });

export { answer } from '../../helpers/capture-handler.js';
