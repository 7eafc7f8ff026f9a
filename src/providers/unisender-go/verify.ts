/** Unisender Go's signature: `auth` is the MD5 of the raw body with the `auth` value replaced by the API key. */
import { matchesAny } from '../../auth.js';
import { forbidden } from '../../errors.js';
import { textEncoder } from '../base64.js';
import { isObject, type JsonObject, own } from '../fields.js';
import type { Refusal } from '../types.js';
import { md5Hex } from './md5.js';

/** `bytes` with every occurrence of `needle` (not empty) replaced by `replacement`. */
function _replaceAll(bytes: Uint8Array, needle: Uint8Array, replacement: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length - needle.length; i++) {
    let j = 0;
    while (j < needle.length && bytes[i + j] === needle[j]) j++;
    if (j < needle.length) continue;
    parts.push(bytes.subarray(start, i), replacement);
    i += needle.length - 1;
    start = i + 1;
  }
  parts.push(bytes.subarray(start));
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Checks the body's `auth` against each API key (rotation: any one matches). The raw bytes are
 * hashed, never a re-serialization: Unisender Go escapes `/` as `\/`, and key order and spacing
 * are its own. Like django-anymail, every occurrence of the digest is replaced; it is 32 hex
 * digits, so it occurs only where Unisender Go put it.
 */
export async function checkUnisenderAuth(
  json: unknown,
  body: Uint8Array,
  apiKeys: readonly string[],
): Promise<Refusal | undefined> {
  const auth = isObject(json) ? own(json, 'auth') : undefined;
  if (typeof auth !== 'string' || auth === '') {
    return forbidden(
      'signature-missing',
      'the body has no "auth" field (Unisender Go signs every request there)',
    );
  }
  if (!/^[0-9a-f]{32}$/i.test(auth)) {
    return forbidden('signature-invalid', '"auth" is not an MD5 digest (32 hex digits)');
  }
  const needle = textEncoder.encode(auth);
  const expected = apiKeys.map((key) => md5Hex(_replaceAll(body, needle, textEncoder.encode(key))));
  if (await matchesAny(auth.toLowerCase(), expected)) return undefined;
  const project = _project(json as JsonObject);
  return forbidden(
    'signature-invalid',
    `"auth" is not the MD5 of the body with the API key in its place (check the API key: a project's webhooks use that project's key${project === undefined ? '' : `, and this one is for project ${project}`})`,
  );
}

/** The project a webhook is for (as anymail reports it), from the first user or the single event. */
function _project(json: JsonObject): string | undefined {
  const users = own(json, 'events_by_user');
  const first: unknown = Array.isArray(users) ? users[0] : json;
  const id = isObject(first) ? own(first, 'project_id') : undefined;
  return (typeof id === 'string' && id !== '') || typeof id === 'number'
    ? String(id).slice(0, 32)
    : undefined;
}
