/** Mandrill test helpers: form bodies signed over a URL with a test key, a capturing handler. */
import { createMailWebhookHandler, type EmailTrackingContext } from '../../../src/index.js';
import { type MandrillOptions, mandrill } from '../../../src/providers/mandrill/index.js';
import { memoryLogger } from '../../helpers/envelope.js';

export const KEY = 'mandrill-test-webhook-key-01';
export const OTHER_KEY = 'mandrill-other-webhook-key-02';
/** The URL "configured in Mandrill": a public name a proxy forwards to localhost. */
export const PUBLIC_URL = 'https://hooks.example.com/webhooks/mail/mandrill';
export const URL_LOCAL = 'http://localhost/webhooks/mail/mandrill';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

const _encoder = new TextEncoder();

/** base64 HMAC-SHA1 of `url` + `mandrill_events` + its value, as Mandrill signs a form post. */
export async function sign(url: string, events: string, key = KEY): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    _encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign(
    'HMAC',
    cryptoKey,
    _encoder.encode(`${url}mandrill_events${events}`),
  );
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

export interface PostInit {
  /** The signature header; undefined: signed over PUBLIC_URL with KEY; null: none. */
  readonly signature?: string | null;
  readonly key?: string;
  readonly url?: string;
}

/** A form POST of `mandrill_events` (a JSON text, or a value to serialize). */
export async function mandrillRequest(events: unknown, init: PostInit = {}): Promise<Request> {
  const text = typeof events === 'string' ? events : JSON.stringify(events);
  const signature =
    init.signature === undefined
      ? await sign(init.url ?? PUBLIC_URL, text, init.key)
      : init.signature;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (signature !== null) headers['x-mandrill-signature'] = signature;
  const body = new URLSearchParams({ mandrill_events: text }).toString();
  return new Request(URL_LOCAL, { method: 'POST', body, headers });
}

/** A handler with one mandrill provider, a capturing sink and logger, and a fixed clock. */
export function setup(options: MandrillOptions = { webhookKey: KEY, url: PUBLIC_URL }) {
  const events: EmailTrackingContext[] = [];
  const { lines, logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [mandrill(options)],
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
