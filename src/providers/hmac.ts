/** HMAC signatures as several ESPs send them (hex or base64, SHA-256 or SHA-1), checked in constant time. */
import { equalBytes } from '../auth.js';
import { forbidden, type HttpError } from '../errors.js';
import { encodeBase64, encodeHex, textEncoder } from './base64.js';

/** Imports `bytes` as an HMAC key for signing (the one import every HMAC check here makes). */
export const importHmacKey = (
  bytes: Uint8Array,
  hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
): Promise<CryptoKey> =>
  // The cast only narrows: Workers types widen encode()'s buffer to ArrayBufferLike.
  crypto.subtle.importKey('raw', bytes as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, [
    'sign',
  ]);

/** The HMAC of `data` under `key` (imported by `importHmacKey`), as standard base64. */
export const hmacBase64 = async (key: CryptoKey, data: Uint8Array): Promise<string> =>
  encodeBase64(
    new Uint8Array(await crypto.subtle.sign('HMAC', key, data as Uint8Array<ArrayBuffer>)),
  );

/**
 * Imports each secret (its text's UTF-8, or its bytes) once, at start-up; the promise never
 * rejects unhandled (callers await it).
 */
export function importHmacKeys(
  secrets: readonly (string | Uint8Array)[],
  hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
): Promise<CryptoKey[]> {
  const keys = Promise.all(
    secrets.map((secret) =>
      importHmacKey(typeof secret === 'string' ? textEncoder.encode(secret) : secret, hash),
    ),
  );
  keys.catch(() => undefined);
  return keys;
}

/**
 * True when `sent` is the HMAC of `message` under any of `keys`, written in `encoding` (hex is
 * compared case-insensitively). Every key is compared, in constant time.
 */
export async function hmacMatchesAny(
  keys: readonly CryptoKey[],
  message: Uint8Array,
  sent: string,
  encoding: 'hex' | 'base64',
): Promise<boolean> {
  const given = textEncoder.encode(encoding === 'hex' ? sent.trim().toLowerCase() : sent.trim());
  const macs = await Promise.all(
    keys.map((key) => crypto.subtle.sign('HMAC', key, message as Uint8Array<ArrayBuffer>)),
  );
  let ok = false;
  for (const mac of macs) {
    const expected = textEncoder.encode(
      encoding === 'hex' ? encodeHex(mac) : encodeBase64(new Uint8Array(mac)),
    );
    ok = equalBytes(expected, given) || ok;
  }
  return ok;
}

/**
 * The check MailerSend and Mailtrap share: `header` holds the hex HMAC-SHA256 of the raw body.
 * 403 `signature-missing` without the header, `signature-invalid` when no key made it.
 */
export async function checkHexBodyHmac(
  request: Request,
  body: Uint8Array,
  keys: Promise<CryptoKey[]>,
  header: string,
): Promise<HttpError | undefined> {
  const sent = request.headers.get(header);
  if (!sent) return forbidden('signature-missing', `the ${header} header is missing`);
  if (await hmacMatchesAny(await keys, body, sent, 'hex')) return undefined;
  return forbidden(
    'signature-invalid',
    `${header} is not the HMAC-SHA256 of the body under the signing secret`,
  );
}
