/** Standard Webhooks signing (https://www.standardwebhooks.com): secrets, message ids, signatures. */
import type { EmailTrackingContext } from '../events.js';
import { encodeBase64, sha256, textEncoder } from '../providers/base64.js';
import { hmacBase64, importHmacKey } from '../providers/hmac.js';
import { decodeStandardWebhooksSecret } from '../providers/standard-webhooks.js';

/** Secrets are `whsec_` followed by the base64 key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const _SIGNATURE_VERSION = 'v1';
// 24 base64url characters carry 144 bits of the hash: ample to keep ids apart.
const _ID_HASH_CHARS = 24;

/** The key bytes of a `whsec_` secret (the prefix required here), or undefined when it is not one. */
export const decodeWebhookSecret = (secret: string): Uint8Array<ArrayBuffer> | undefined =>
  secret.startsWith(WEBHOOK_SECRET_PREFIX) ? decodeStandardWebhooksSecret(secret) : undefined;

/** Imports a `whsec_` secret as an HMAC-SHA256 signing key; throws when it is not one. */
export function importWebhookKey(secret: string): Promise<CryptoKey> {
  const bytes = decodeWebhookSecret(secret);
  if (!bytes) throw new TypeError('expected a whsec_ secret with a base64 key');
  return importHmacKey(bytes);
}

/** The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export async function signWebhook(
  key: CryptoKey,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const signed = textEncoder.encode(`${id}.${timestampSeconds}.${body}`);
  return `${_SIGNATURE_VERSION},${await hmacBase64(key, signed)}`;
}

/**
 * The `webhook-id` of a context: the same for every delivery of one (eventId, recipient,
 * eventType), so a receiver drops SNS redeliveries and our own retries by id. The three are
 * hashed joined by newlines; when one holds a newline itself (an ESP's id or address can), the
 * join is ambiguous (`a\nb`+`c` and `a`+`b\nc`), so they are hashed as a JSON array after one
 * newline instead: a plain join has exactly two, that form exactly one, and ids are unchanged
 * for every triple without a newline.
 */
export async function webhookMessageId(
  context: Pick<EmailTrackingContext, 'eventId' | 'recipient' | 'eventType'>,
): Promise<string> {
  const { eventId, recipient, eventType } = context;
  const joined = `${eventId}\n${recipient}\n${eventType}`;
  const hash = await sha256(
    joined.split('\n', 4).length === 3
      ? joined
      : `\n${JSON.stringify([eventId, recipient, eventType])}`,
  );
  const base64url = encodeBase64(hash).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `msg_${base64url.slice(0, _ID_HASH_CHARS)}`;
}
