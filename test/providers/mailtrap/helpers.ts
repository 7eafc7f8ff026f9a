/** Mailtrap test helpers: bodies signed with a test secret, a capturing handler, a fixed clock. */
import { createMailWebhookHandler, type EmailTrackingContext } from '../../../src/index.js';
import { type MailtrapOptions, mailtrap } from '../../../src/providers/mailtrap/index.js';
import { memoryLogger } from '../../helpers/envelope.js';

export const SECRET = 'mt-test-signing-secret-0123456789';
export const OTHER_SECRET = 'mt-other-signing-secret-987654321';
export const URL_MAILTRAP = 'http://localhost/webhooks/mail/mailtrap';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

const _encoder = new TextEncoder();

/** Lowercase hex HMAC-SHA256 of `body` under `secret` (WebCrypto: runs in workerd too). */
export async function sign(body: string | Uint8Array, secret = SECRET): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    _encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const bytes = typeof body === 'string' ? _encoder.encode(body) : body;
  const mac = await crypto.subtle.sign('HMAC', key, bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

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
export function setup(options: MailtrapOptions = { secret: SECRET }) {
  const events: EmailTrackingContext[] = [];
  const { lines, logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [mailtrap(options)],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger,
    now: () => NOW,
  });
  return { handle, events, lines };
}

/** Status and JSON body of a response. */
export async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}
