/** `node:crypto` RSA verification for the Node adapter: a parsed key per certificate, verified synchronously. */
/// <reference types="node" preserve="true" />
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { MIN_RSA_BITS, type RsaVerify } from '../runtime-hooks.js';

// Keyed by the certificate's spki bytes, which the core's certificate cache keeps per URL: a
// certificate dropped from that cache drops its key here too.
const _keys = new WeakMap<Uint8Array, KeyObject | null>();

function _key(spki: Uint8Array): KeyObject | null {
  let key = _keys.get(spki);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) key = null;
    } catch {
      key = null;
    }
    _keys.set(spki, key);
  }
  return key;
}

/**
 * Verifies with `crypto.verify`, synchronously (`Buffer.from` decodes the base64 and encodes the
 * text natively): ~25 µs against ~70 µs for `crypto.subtle.verify`,
 * whose answer waits for a thread-pool hop.
 */
export const nodeVerifyRsa: RsaVerify = (spki, hash, signature, data) => {
  const key = _key(spki);
  if (!key) return undefined;
  try {
    return verify(
      hash === 'SHA-1' ? 'sha1' : 'sha256',
      Buffer.from(data, 'utf8'),
      key,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
};
