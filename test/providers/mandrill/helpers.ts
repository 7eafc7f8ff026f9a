/** Mandrill test helpers: form bodies signed over a URL with a test key, a capturing handler. */
import { type MandrillOptions, mandrill } from '../../../src/providers/mandrill/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { hmacBase64 } from '../../helpers/hmac.js';

export const KEY = 'mandrill-test-webhook-key-01';
export const OTHER_KEY = 'mandrill-other-webhook-key-02';
/** The URL "configured in Mandrill": a public name a proxy forwards to localhost. */
export const PUBLIC_URL = 'https://hooks.example.com/webhooks/mail/mandrill';
export const URL_LOCAL = 'http://localhost/webhooks/mail/mandrill';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** base64 HMAC-SHA1 of `url` + `mandrill_events` + its value, as Mandrill signs a form post. */
export const sign = (url: string, events: string, key = KEY): Promise<string> =>
  hmacBase64(key, `${url}mandrill_events${events}`, 'SHA-1');

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
export const setup = (options: MandrillOptions = { webhookKey: KEY, url: PUBLIC_URL }) =>
  captureHandler(mandrill(options), { now: () => NOW });

export { answer } from '../../helpers/capture-handler.js';
