/** JSON whose integers past 2^53 stay exact (Mailjet's MessageID, Postmark's bounce ID): such a number is read as the string of its digits. */
import { isHttpError } from '../errors.js';
import { decodeUtf8, parseJson } from './body-text.js';
import type { Refusal } from './types.js';

// A whole string literal (its escapes blanked first), or a whole number token: digits inside
// strings are never matched. `"(?:[^"\\]|\\.)*"` on the text itself kept a backtrack entry per
// character and overflowed V8's regexp stack on a string of some 9 million (a 500).
const _TOKENS = /"[^"]*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const _INTEGER = /^-?\d+$/;

const _exact = (token: string): string =>
  _INTEGER.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token;

/**
 * Parses the body as JSON (400 when it is not): `json` as `JSON.parse` reads it, and `exact` with
 * every integer that a JavaScript number cannot hold exactly kept as a string of its digits:
 * Mailjet's `MessageID` (such as 104427216766056450) would otherwise come out as another number.
 * `exact` is `json` itself when the body has no such integer.
 */
export function parseJsonExactIntegers(
  body: Uint8Array,
): { json: unknown; exact: unknown } | Refusal {
  const text = decodeUtf8(body);
  if (typeof text !== 'string') return text;
  // Parsed as sent first: quoting a number can make invalid JSON valid (`{12345678901234567890:1}`).
  const json = parseJson(text);
  if (isHttpError(json)) return json;
  // Only a run of 16 digits can exceed 2^53; the text is valid JSON, so the tokens line up.
  if (!/\d{16}/.test(text)) return { json, exact: json };
  const exact: unknown = JSON.parse(
    text
      .replace(/\\./g, '__')
      .replace(_TOKENS, (token, at: number) =>
        token[0] === '"' ? text.slice(at, at + token.length) : _exact(token),
      ),
  );
  return { json, exact };
}
