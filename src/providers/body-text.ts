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

/**
 * `JSON.parse` of request text, throwing a SyntaxError (as for text that is not JSON) when arrays
 * and objects nest more than 64 deep. An ESP's events nest a few levels; deeper JSON parses, but
 * `JSON.stringify` recurses, so a digest id, a sink or the store could never write it back and
 * would throw on every retry. One pass over the text, strings skipped.
 */
export function parseJson(text: string): unknown {
  for (let i = 0, depth = 0, quoted = false; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 92 is "\\" and 34 '"'; c | 32 is 123 for "[" and "{", 125 for "]" and "}".
    if (quoted) {
      if (c === 92) i++;
      else quoted = c !== 34;
    } else if (c === 34) quoted = true;
    else if ((c | 32) === 123 && ++depth > 64) throw SyntaxError();
    else if ((c | 32) === 125) depth--;
  }
  return JSON.parse(text);
}

/** The body parsed as JSON, or 400 `body-not-utf8` / `invalid-json`. */
export function parseJsonBody(bytes: Uint8Array): unknown | HttpError {
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') return text;
  try {
    return parseJson(text);
  } catch {
    return badRequest('invalid-json', 'request body is not JSON');
  }
}
