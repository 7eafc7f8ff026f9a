/** MailPace test helpers: fresh Ed25519 keys, signed requests, a capturing handler (runtime-neutral). */
import { mailpace } from '../../../src/index.js';
import type { MailpaceOptions } from '../../../src/providers/mailpace/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';

export const URL_MAILPACE = 'http://localhost/webhooks/mail/mailpace';

const _base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

export interface TestKey {
  /** Base64 of the raw 32-byte public key, as MailPace shows it. */
  readonly publicKey: string;
  sign(body: string | Uint8Array<ArrayBuffer>): Promise<string>;
}

/** A fresh Ed25519 key pair. */
export async function makeKey(): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return {
    publicKey: _base64(raw),
    async sign(body) {
      const bytes =
        typeof body === 'string'
          ? (new TextEncoder().encode(body) as Uint8Array<ArrayBuffer>)
          : body;
      const signature = await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes);
      return _base64(new Uint8Array(signature as ArrayBuffer));
    },
  };
}

/** A POST to the MailPace route with the body signed by `key`. */
export async function signedRequest(key: TestKey, body: string | object): Promise<Request> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(URL_MAILPACE, {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'application/json', 'x-mailpace-signature': await key.sign(text) },
  });
}

/** A handler with one MailPace provider and a sink that keeps what it is given. */
export function mailpaceHandler(options: MailpaceOptions) {
  const { handle, events: received, lines } = captureHandler(mailpace(options));
  return { handle, received, lines };
}

export { jsonAnswer as answer } from '../../helpers/capture-handler.js';
