/** MailerSend test helpers: bodies signed with a test secret, a capturing handler, a fixed clock. */
import { createMailWebhookHandler, type EmailTrackingContext } from '../../../src/index.js';
import { type MailersendOptions, mailersend } from '../../../src/providers/mailersend/index.js';
import { memoryLogger } from '../../helpers/envelope.js';

export const SECRET = 'ms-test-signing-secret-0123456789';
export const OTHER_SECRET = 'ms-other-signing-secret-9876543210';
export const TEST_PING_SECRET = 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G';
export const URL_MAILERSEND = 'http://localhost/webhooks/mail/mailersend';
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
export function setup(options: MailersendOptions = { secret: SECRET }) {
  const events: EmailTrackingContext[] = [];
  const { lines, logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [mailersend(options)],
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
