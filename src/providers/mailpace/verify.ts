/** MailPace's signature: Ed25519 over the raw body, base64 in `X-MailPace-Signature`. */
import { forbidden, type HttpError } from '../../errors.js';
// SendGrid's reader: strict standard alphabet, padding optional, as keys are pasted.
import { decodeBase64 } from '../base64.js';
import { refuse } from '../types.js';

export const SIGNATURE_HEADER = 'X-MailPace-Signature';
const _KEY_BYTES = 32;
const _SIGNATURE_BYTES = 64;

/**
 * The 32 key bytes of a public key as MailPace shows it (base64 of the raw Ed25519 key), or a
 * sentence saying what is wrong, never the key itself.
 */
export function decodeMailpaceKey(text: string): Uint8Array<ArrayBuffer> | string {
  const bytes = decodeBase64(text.trim());
  if (!bytes) return 'is not base64';
  if (bytes.length !== _KEY_BYTES) {
    return `is ${bytes.length} bytes; an Ed25519 public key is ${_KEY_BYTES} (base64 of the raw key, 44 characters)`;
  }
  return bytes;
}

/**
 * Imports checked key bytes for Ed25519 verification. Node 20+, Deno, Bun and workerd know the
 * `Ed25519` algorithm; a runtime that does not makes this reject.
 */
export const importMailpaceKey = (raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);

async function _verifiesWithAny(
  keys: readonly CryptoKey[],
  signature: Uint8Array<ArrayBuffer>,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  let matched = false;
  for (const key of keys) {
    // Every key is tried: how long this takes says nothing about which one matched.
    const valid = await crypto.subtle
      .verify({ name: 'Ed25519' }, key, signature, body)
      .catch(() => false);
    matched = valid || matched;
  }
  return matched;
}

/** The request check: undefined when the raw body carries a valid signature from any key. */
export function createMailpaceVerifier(keys: Promise<readonly CryptoKey[] | Error>) {
  return async (request: Request, body: Uint8Array): Promise<HttpError | undefined> => {
    const header = request.headers.get(SIGNATURE_HEADER)?.trim();
    if (!header) {
      return forbidden('signature-missing', `${SIGNATURE_HEADER} is missing`);
    }
    const signature = decodeBase64(header);
    if (!signature || signature.length !== _SIGNATURE_BYTES) {
      return forbidden(
        'signature-invalid',
        `${SIGNATURE_HEADER} is not a base64 Ed25519 signature (${_SIGNATURE_BYTES} bytes)`,
      );
    }
    const imported = await keys;
    if (imported instanceof Error) {
      // 503, never 500: the ESP retries while the runtime (or the key) is fixed.
      return refuse(
        503,
        'key-unavailable',
        'the MailPace public key could not be imported: this runtime may lack Ed25519 in WebCrypto',
      );
    }
    if (await _verifiesWithAny(imported, signature, body as Uint8Array<ArrayBuffer>)) {
      return undefined;
    }
    return forbidden(
      'signature-invalid',
      `${SIGNATURE_HEADER} does not match the body for any configured public key`,
    );
  };
}
