/** Signing helpers for the command's samples: HMACs, shared-secret headers, PEM keys, DER signatures. */
import { encodeBase64, encodeHex } from '../providers/base64.js';
import type { Credentials } from './samples/types.js';

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

/** Imports a PKCS#8 `PRIVATE KEY` PEM for signing with `algorithm`. */
export function importPrivateKey(
  pem: string,
  algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm,
): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pemToDer(pem, 'PRIVATE KEY'), algorithm, false, ['sign']);
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
