/** The cheap half of a header signature check, run before the body is read. */
import { forbidden } from '../errors.js';
import type { ProviderInstance } from './types.js';

/**
 * An `authenticate` that refuses a POST carrying none of `headers` with 403
 * `signature-missing` (`message` says which), before a byte of its body is read: an unsigned
 * request costs no body read. The full check stays with the verifier, on the raw bytes.
 */
export const requireSignatureHeader =
  (headers: readonly string[], message: string): ProviderInstance['authenticate'] =>
  (request) =>
    request.method !== 'POST' || headers.some((name) => request.headers.get(name))
      ? undefined
      : forbidden('signature-missing', message);
