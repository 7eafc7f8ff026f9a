/** Postal test helpers: a fresh RSA key pair (WebCrypto, so workerd runs them too), signed requests, a capturing handler. */
import { type PostalOptions, postal } from '../../../src/providers/postal/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';

export const URL_POSTAL = 'http://localhost/webhooks/mail/postal';
export const NOW = new Date('2026-03-01T12:00:00.000Z');

const _encoder = new TextEncoder();
const _base64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

export interface TestKey {
  /** base64 SPKI, as Postal shows the public key. */
  readonly publicKey: string;
  sign(body: string | Uint8Array, hash: 'SHA-256' | 'SHA-1'): Promise<string>;
}

/** A new RSA-2048 key pair that signs with either hash. */
export async function makeKey(): Promise<TestKey> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  const pair = (await crypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
  const spki = (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer;
  const sha1 = await crypto.subtle.importKey(
    'pkcs8',
    pkcs8,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  return {
    publicKey: _base64(spki),
    async sign(body, hash) {
      const bytes = typeof body === 'string' ? _encoder.encode(body) : body;
      const key = hash === 'SHA-256' ? pair.privateKey : sha1;
      return _base64(
        await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, bytes as Uint8Array<ArrayBuffer>),
      );
    },
  };
}

/** Made once per test file: RSA key generation is slow. */
export const KEY = makeKey();
export const OTHER_KEY = makeKey();

export interface PostInit {
  /** Which headers to sign: both (Postal's default), one, or none. */
  readonly headers?: ('SHA-256' | 'SHA-1')[];
  readonly key?: TestKey;
  readonly extra?: Record<string, string>;
}

/** A POST to the Postal route, signed the way Postal signs it. */
export async function postalRequest(body: string, init: PostInit = {}): Promise<Request> {
  const key = init.key ?? (await KEY);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const hash of init.headers ?? ['SHA-256', 'SHA-1']) {
    const name = hash === 'SHA-256' ? 'x-postal-signature-256' : 'x-postal-signature';
    headers[name] = await key.sign(body, hash);
  }
  return new Request(URL_POSTAL, { method: 'POST', body, headers: { ...headers, ...init.extra } });
}

/** A handler with one postal provider, a capturing sink and logger, and a fixed clock. */
export const setup = async (options?: PostalOptions) =>
  captureHandler(postal(options ?? { publicKey: (await KEY).publicKey }), { now: () => NOW });

export { answer } from '../../helpers/capture-handler.js';
