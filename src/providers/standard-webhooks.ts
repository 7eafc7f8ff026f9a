/** Standard Webhooks (Svix) verification over the raw body: any `v1,` signature, any secret, a bounded clock skew. */
import { equalBytes } from '../auth.js';
import { forbidden } from '../errors.js';
import { decodeBase64, prefixed, textEncoder } from './base64.js';
import { hmacBase64, importHmacKeys } from './hmac.js';
import { refuseOutsideWindow } from './replay-window.js';
import type { Refusal } from './types.js';

/** Secrets are `whsec_` followed by base64 key bytes; the prefix is optional, as in the standardwebhooks library. */
export const STANDARD_WEBHOOKS_SECRET_PREFIX = 'whsec_';
/** The refusal's message when neither signature header was sent. */
export const NO_SIGNATURE_HEADER = 'no webhook-signature (or svix-signature) header';
const _SIGNATURE_VERSION = 'v1';
const _UNIX_SECONDS = /^\d{1,12}$/;

export interface StandardWebhooksOptions {
  /** One or more secrets (rotation): a signature made with any one of them verifies. */
  readonly secrets: readonly string[];
  /** How old a timestamp may be, in seconds (the providers' default is 300); 0 turns the past check off. */
  readonly maxAgeSeconds: number;
  /** The option's name in a too-old refusal: `maxAgeSeconds` unless told (the receiver's is `toleranceSeconds`). */
  readonly maxAgeSetting?: string | undefined;
  readonly now: () => Date;
}

/** What a verified request carried: its message id (stable across retries) and Unix timestamp. */
export interface VerifiedWebhook {
  readonly id: string;
  readonly timestamp: number;
}

export type StandardWebhooksVerifier = (
  headers: Headers,
  body: Uint8Array,
) => Promise<Refusal | VerifiedWebhook>;

/** The key bytes of a secret (`whsec_` prefix optional), or undefined when it is not base64. */
export function decodeStandardWebhooksSecret(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = decodeBase64(
    secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)
      ? secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length)
      : secret,
  );
  return bytes?.length ? bytes : undefined;
}

/** The spec's headers, with Svix's `svix-*` names as the fallback (Resend sends those). */
export function standardWebhooksHeader(
  headers: Headers,
  name: 'id' | 'timestamp' | 'signature',
): string | null {
  return headers.get(`webhook-${name}`) ?? headers.get(`svix-${name}`);
}

/**
 * The `v1` signatures of a header (`v1,<b64> v1,<b64> v2,...`); other versions are ignored. Each
 * entry is read as the Svix libraries read it, up to a next comma: a header sent twice arrives
 * joined by ", ", and its first signature must not keep that comma.
 */
function _v1Signatures(header: string): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const entry of header.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version === _SIGNATURE_VERSION && signature) found.push(textEncoder.encode(signature));
  }
  return found;
}

/**
 * Makes a verifier for Standard Webhooks / Svix requests; the keys are imported once, here.
 * Throws a TypeError when a secret is not base64 (check secrets with
 * `decodeStandardWebhooksSecret` in the options schema first, to name the setting).
 * @example
 * const verify = createStandardWebhooksVerifier({
 *   secrets: ['whsec_...'],
 *   maxAgeSeconds: 300,
 *   now: () => new Date(),
 * });
 * const result = await verify(request.headers, body); // a Refusal, or { id, timestamp }
 */
export function createStandardWebhooksVerifier(
  options: StandardWebhooksOptions,
): StandardWebhooksVerifier {
  const maxAge = options.maxAgeSeconds;
  const keyBytes = options.secrets.map((secret, index) => {
    const bytes = decodeStandardWebhooksSecret(secret);
    // The index, never the secret: it must not reach a log.
    if (!bytes)
      throw new TypeError(`secret #${index + 1} is not a whsec_ secret with a base64 key`);
    return bytes;
  });
  if (keyBytes.length === 0) throw new TypeError('expected at least one secret');
  const keys = importHmacKeys(keyBytes);

  return async (headers, body) => {
    const id = standardWebhooksHeader(headers, 'id');
    const timestampText = standardWebhooksHeader(headers, 'timestamp');
    const signature = standardWebhooksHeader(headers, 'signature');
    if (!signature) {
      return forbidden('signature-missing', NO_SIGNATURE_HEADER);
    }
    if (!id || !timestampText) {
      return forbidden(
        'signature-missing',
        `the signature comes without its ${id ? 'webhook-timestamp' : 'webhook-id'} (or svix-*) header`,
      );
    }
    if (!_UNIX_SECONDS.test(timestampText)) {
      return forbidden('timestamp-invalid', 'webhook-timestamp is not Unix seconds');
    }
    const given = _v1Signatures(signature);
    // `id.timestamp.` followed by the body bytes exactly as received: never decoded and re-encoded.
    const content = prefixed(`${id}.${timestampText}.`, body);
    let matched = false;
    for (const key of await keys) {
      const expected = textEncoder.encode(await hmacBase64(key, content));
      // Every candidate is compared: how long this takes says nothing about which one matched.
      for (const candidate of given) matched = equalBytes(candidate, expected) || matched;
    }
    if (!matched) {
      return forbidden(
        'signature-invalid',
        given.length === 0
          ? 'the signature header holds no v1 signature'
          : 'no v1 signature matches the body under any configured secret',
      );
    }
    // Time is judged only once the signature holds: a forgery is `signature-invalid`, whatever its age.
    const timestamp = Number(timestampText);
    const ageMs = (Math.floor(options.now().getTime() / 1000) - timestamp) * 1000;
    return (
      refuseOutsideWindow('webhook-timestamp', ageMs, maxAge, options.maxAgeSetting) ?? {
        id,
        timestamp,
      }
    );
  };
}
