/** What a runtime adapter may lend the core: native primitives it would otherwise do with Web APIs. */

/**
 * RSASSA-PKCS1-v1_5 verification with the key in `spki` (DER SubjectPublicKeyInfo): true or
 * false, or `undefined` when that key cannot verify with `hash`. `spki` is the same object for
 * every message signed with one certificate, so an implementation may keep its parsed key.
 */
export type RsaVerify = (
  spki: Uint8Array,
  hash: 'SHA-1' | 'SHA-256',
  signature: Uint8Array,
  data: Uint8Array,
) => boolean | undefined;

/** Runtime hooks; each is optional and the core falls back to `crypto.subtle` without it. */
export interface RuntimeHooks {
  readonly verifyRsa?: RsaVerify | undefined;
}
