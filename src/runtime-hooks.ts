/** What a runtime adapter may lend the core: native primitives it would otherwise do with Web APIs. */
import type { HttpError, JsonAnswer } from './errors.js';

/** The smallest RSA modulus, in bits, a signing certificate or a Scaleway trust anchor may have. */
export const MIN_RSA_BITS = 2048;

/**
 * RSASSA-PKCS1-v1_5 verification with the key in `spki` (DER SubjectPublicKeyInfo): true or
 * false, or `undefined` when that key cannot verify with `hash` (or is under `MIN_RSA_BITS`).
 * `spki` is the same object for every message signed with one certificate, so an implementation
 * may keep its parsed key.
 * `signature` is canonical padded base64 (already checked) and `data` the signed text, to be
 * UTF-8 encoded: given as strings, so a runtime decodes both natively (on Node, `Buffer.from`).
 */
export type RsaVerify = (
  spki: Uint8Array,
  hash: 'SHA-1' | 'SHA-256',
  signature: string,
  data: string,
) => boolean | undefined;

/**
 * Reads a request's whole body as `readBodyLimited` does (413 past `limit` bytes, 408 past
 * `timeoutMs`), or returns `undefined` for a request it does not know (the core then reads
 * `request.body`). The Node bridge reads its own requests straight from the socket.
 */
export type BodyReader = (
  request: Request,
  limit: number,
  timeoutMs: number,
) => Promise<Uint8Array | HttpError> | undefined;

/** Runtime hooks; each is optional and the core falls back to Web APIs without it. */
export interface RuntimeHooks {
  /** Default `crypto.subtle`. */
  readonly verifyRsa?: RsaVerify | undefined;
  /** Default: the body's web stream. */
  readonly readBody?: BodyReader | undefined;
  /** Default: `new Response(json, ...)`. */
  readonly jsonAnswer?: JsonAnswer | undefined;
}
