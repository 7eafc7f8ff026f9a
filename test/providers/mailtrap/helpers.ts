/** Mailtrap test helpers: bodies signed with a test secret, a capturing handler, a fixed clock. */
import { type MailtrapOptions, mailtrap } from '../../../src/providers/mailtrap/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { hmacHex } from '../../helpers/hmac.js';

export const SECRET = 'mt-test-signing-secret-0123456789';
export const OTHER_SECRET = 'mt-other-signing-secret-987654321';
export const URL_MAILTRAP = 'http://localhost/webhooks/mail/mailtrap';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** Lowercase hex HMAC-SHA256 of `body` under `secret` (WebCrypto: runs in workerd too). */
export const sign = (body: string | Uint8Array, secret = SECRET): Promise<string> =>
  hmacHex(secret, body);

/** A POST to the Mailtrap route, signed with SECRET unless told; `null` sends no signature. */
export async function mailtrapRequest(
  body: string | Uint8Array<ArrayBuffer>,
  given?: string | null,
  contentType = 'application/json',
): Promise<Request> {
  const signature = given === undefined ? await sign(body) : given;
  const headers: Record<string, string> = { 'content-type': contentType };
  if (signature !== null) headers['mailtrap-signature'] = signature;
  return new Request(URL_MAILTRAP, { method: 'POST', body, headers });
}

/** A handler with one mailtrap provider, a capturing sink and logger, and a fixed clock. */
export const setup = (options: MailtrapOptions = { secret: SECRET }) =>
  captureHandler(mailtrap(options), { now: () => NOW });

export { answer } from '../../helpers/capture-handler.js';
