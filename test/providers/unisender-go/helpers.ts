/** Unisender Go test helpers: bodies signed as Unisender Go signs them, with MD5 from node:crypto. */
import { createHash } from 'node:crypto';

export const API_KEY = 'test-api-key-0123456789';

/**
 * Signs as Unisender Go does (and as django-anymail's tests do): compact JSON with the API key
 * as `auth`, then the key replaced by the MD5 of that text. MD5 comes from node:crypto, apart
 * from the code under test.
 */
export function signed(payload: Record<string, unknown>, key = API_KEY): string {
  const text = JSON.stringify({ ...payload, auth: key });
  return text.replace(key, createHash('md5').update(text).digest('hex'));
}
