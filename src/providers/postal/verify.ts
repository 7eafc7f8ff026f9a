/** Postal's RSA signatures over the raw body: X-Postal-Signature-256 (SHA-256) preferred, X-Postal-Signature (SHA-1) accepted. */
import { forbidden, type HttpError } from '../../errors.js';
import { decodeBase64 } from '../base64.js';

export const SHA256_HEADER = 'X-Postal-Signature-256';
export const SHA1_HEADER = 'X-Postal-Signature';

// AlgorithmIdentifier { rsaEncryption, NULL }, as it follows the SPKI's outer SEQUENCE header.
const _RSA_ALGORITHM = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/**
 * The SPKI bytes of a key as Postal shows it (base64, `MIGfMA0GCSqGSIb3DQEBAQUAA4...`; PEM
 * armour and line breaks tolerated), or a sentence saying what is wrong, never the key.
 */
export function decodeRsaSpki(text: string): Uint8Array<ArrayBuffer> | string {
  const bare = text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  const bytes = decodeBase64(bare);
  if (!bytes) return 'is not base64';
  // The outer SEQUENCE's length takes 1 to 3 bytes: the algorithm follows at offset 2, 3 or 4.
  const at = bytes[1] === 0x81 ? 3 : bytes[1] === 0x82 ? 4 : 2;
  const isRsa = bytes[0] === 0x30 && _RSA_ALGORITHM.every((b, i) => bytes[at + i] === b);
  return isRsa
    ? bytes
    : 'is not an RSA public key in SPKI form (it should start with MIGfMA0GCSqGSIb3DQEBAQUAA or MIIBIjANBgkqhkiG9w0BAQEFAAOC)';
}

export interface PostalKeys {
  readonly sha256: readonly CryptoKey[];
  readonly sha1: readonly CryptoKey[];
}

/** Imports each key once for each hash (WebCrypto binds the hash to the key). */
export async function importPostalKeys(
  spkis: readonly Uint8Array<ArrayBuffer>[],
): Promise<PostalKeys> {
  const load = (hash: 'SHA-256' | 'SHA-1') =>
    Promise.all(
      spkis.map((spki) =>
        crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
          'verify',
        ]),
      ),
    );
  const [sha256, sha1] = await Promise.all([load('SHA-256'), load('SHA-1')]);
  return { sha256, sha1 };
}

async function _verifiesWithAny(
  keys: readonly CryptoKey[],
  signature: Uint8Array<ArrayBuffer>,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  let ok = false;
  for (const key of keys) {
    try {
      ok = (await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, body)) || ok;
    } catch {
      // A signature of the wrong length for this key: simply not valid.
    }
  }
  return ok;
}

/**
 * Undefined when the body carries a valid signature. A request with a SHA-256 header is judged
 * by it alone (a downgrade to the SHA-1 header is not offered); otherwise the SHA-1 header.
 */
export async function checkPostalSignature(
  request: Request,
  body: Uint8Array,
  keys: PostalKeys,
): Promise<HttpError | undefined> {
  const sha256 = request.headers.get(SHA256_HEADER);
  const sha1 = sha256 === null ? request.headers.get(SHA1_HEADER) : null;
  const header = sha256 !== null ? SHA256_HEADER : SHA1_HEADER;
  const sent = sha256 ?? sha1;
  if (sent === null) {
    return forbidden('signature-missing', `neither ${SHA256_HEADER} nor ${SHA1_HEADER} was sent`);
  }
  const signature = decodeBase64(sent.trim());
  const valid =
    signature !== undefined &&
    (await _verifiesWithAny(
      sha256 !== null ? keys.sha256 : keys.sha1,
      signature,
      body as Uint8Array<ArrayBuffer>,
    ));
  return valid
    ? undefined
    : forbidden('signature-invalid', `${header} is not a signature of the body by the public key`);
}
