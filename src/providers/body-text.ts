/** Raw body bytes to text and JSON, refusing what is not UTF-8 or not JSON with a 400 naming it. */
import { badRequest, type HttpError } from '../errors.js';

const _decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text, or 400 `body-not-utf8`. */
export function decodeUtf8(bytes: Uint8Array): string | HttpError {
  try {
    return _decoder.decode(bytes);
  } catch {
    return badRequest('body-not-utf8', 'request body is not valid UTF-8');
  }
}

/** The body parsed as JSON, or 400 `body-not-utf8` / `invalid-json`. */
export function parseJsonBody(bytes: Uint8Array): unknown | HttpError {
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return badRequest('invalid-json', 'request body is not JSON');
  }
}
