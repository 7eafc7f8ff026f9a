/** SendGrid's verification key: base64 SPKI of a P-256 point, checked before start-up ends. */
import { decodeBase64, encodeHex } from '../base64.js';

// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0x04 (uncompressed) ... } }:
// 30 59 30 13 06 07 2a 86 48 ce 3d 02 01 06 08 2a 86 48 ce 3d 03 01 07 03 42 00 04, in base64.
const _SPKI_PREFIX = decodeBase64('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE') as Uint8Array;
const _SPKI_LENGTH = _SPKI_PREFIX.length + 64;

// The P-256 curve (FIPS 186-4 D.1.2.3): y² = x³ - 3x + b over the prime field p.
const _P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const _B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/** Big-endian bytes (never none) as one number. */
const _bigint = (bytes: Uint8Array): bigint => BigInt(`0x${encodeHex(bytes)}`);

const _mod = (n: bigint): bigint => ((n % _P) + _P) % _P;

function _onCurve(point: Uint8Array): boolean {
  const x = _bigint(point.subarray(0, 32));
  const y = _bigint(point.subarray(32, 64));
  return x < _P && y < _P && _mod(y * y) === _mod(x * x * x - 3n * x + _B);
}

/**
 * The SPKI bytes of a key as SendGrid shows it (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`; PEM
 * armour and line breaks tolerated), or a sentence saying what is wrong, never the key itself.
 */
export function decodePublicKey(text: string): Uint8Array<ArrayBuffer> | string {
  const bare = text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  const bytes = decodeBase64(bare);
  if (!bytes) return 'is not base64';
  if (bytes.length !== _SPKI_LENGTH || !_SPKI_PREFIX.every((b, i) => bytes[i] === b)) {
    return 'is not a P-256 public key in SPKI form (it should start with MFkwEwYH)';
  }
  if (!_onCurve(bytes.subarray(_SPKI_PREFIX.length))) return 'is not a point on the P-256 curve';
  return bytes;
}

/** Imports checked SPKI bytes for ECDSA verification. */
export const importPublicKey = (spki: Uint8Array<ArrayBuffer>): Promise<CryptoKey> =>
  crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
