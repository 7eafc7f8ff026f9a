/** Signing helpers for the command's samples: HMACs, shared-secret headers, PEM keys, DER signatures. */
import { encodeBase64, encodeHex } from '../providers/base64.js';
import type { Credentials } from './samples/types.js';

/**
 * A WebCrypto algorithm and its parameters, named without the DOM's dictionary types (Workers'
 * types name them otherwise, and the Worker's tests compile these modules too).
 */
export type CryptoAlgorithm = { readonly name: string } & Readonly<Record<string, unknown>>;

const _encoder = new TextEncoder();

export const base64 = encodeBase64;

export const toHex = encodeHex;

/** HMAC of `data` under the UTF-8 bytes of `secret`, as most ESPs sign. */
export async function hmac(
  hash: 'SHA-1' | 'SHA-256',
  secret: string,
  data: string,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    _encoder.encode(secret),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, _encoder.encode(data)));
}

/** The header a shared-secret ESP sends: Basic (any user name unless given), bearer, or a custom header. */
export function sharedSecretHeaders(credentials: Credentials): Record<string, string> {
  const headers: Record<string, string> = {};
  if (credentials.password !== undefined) {
    const user = credentials.username ?? 'mailhooks';
    const pair = _encoder.encode(`${user}:${credentials.password}`);
    headers.authorization = `Basic ${base64(pair)}`;
  } else if (credentials.token !== undefined) {
    headers.authorization = `Bearer ${credentials.token}`;
  }
  if (credentials.header) headers[credentials.header.name] = credentials.header.value;
  return headers;
}

/** The DER bytes inside a PEM block with `label` (e.g. `PRIVATE KEY`). */
export function pemToDer(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!match) throw new TypeError(`expected a PEM "${label}" block`);
  const text = (match[1] ?? '').replace(/\s+/g, '');
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** DER bytes as a PEM block, 64 characters a line. */
export function derToPem(der: Uint8Array, label: string): string {
  const lines = base64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A DER element: `tag`, its length (short or long form), `content`. */
function _der(tag: number, ...content: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const length = content.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const part of content) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// AlgorithmIdentifiers of PKCS#8: rsaEncryption (with NULL parameters), and id-ecPublicKey on P-256.
const _RSA_ALGORITHM = Uint8Array.of(
  0x30,
  0x0d,
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x01,
  0x01,
  0x05,
  0x00,
);
const _P256_ALGORITHM = Uint8Array.of(
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
);

/** A PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY` (P-256) as the PKCS#8 WebCrypto imports. */
function _pkcs8Of(pem: string): Uint8Array<ArrayBuffer> {
  for (const [label, algorithm] of [
    ['RSA PRIVATE KEY', _RSA_ALGORITHM],
    ['EC PRIVATE KEY', _P256_ALGORITHM],
  ] as const) {
    if (pem.includes(`-----BEGIN ${label}-----`)) {
      const key = pemToDer(pem, label);
      return _der(0x30, Uint8Array.of(0x02, 0x01, 0x00), algorithm, _der(0x04, key));
    }
  }
  return pemToDer(pem, 'PRIVATE KEY');
}

/**
 * Imports a private key PEM for signing with `algorithm`: PKCS#8 `PRIVATE KEY` (what
 * `mailhooks keys` prints), or the older forms OpenSSL and Postal write, PKCS#1
 * `RSA PRIVATE KEY` and SEC1 `EC PRIVATE KEY` (P-256).
 */
export function importPrivateKey(pem: string, algorithm: CryptoAlgorithm): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', _pkcs8Of(pem), algorithm, false, ['sign']);
}

function _derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  // A set high bit would read as negative: DER adds a zero byte.
  const padded = (value[0] ?? 0) & 0x80 ? Uint8Array.of(0, ...value) : value;
  return Uint8Array.of(0x02, padded.length, ...padded);
}

/** A WebCrypto ECDSA signature (r‖s) as the DER `SEQUENCE { r, s }` SendGrid sends. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  const r = _derInteger(signature.subarray(0, half));
  const s = _derInteger(signature.subarray(half));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}
