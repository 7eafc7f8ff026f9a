/** Byte encodings: strict base64 (with `atob` and `btoa`, which every target runtime has), hex, UTF-8, SHA-256. */

/** One UTF-8 encoder for the modules that sign, hash or compare text. */
export const textEncoder = new TextEncoder();

/** `text` as UTF-8 followed by `body` as received: what a signature over a prefix and the raw body covers. */
export function prefixed(text: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = textEncoder.encode(text);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return bytes;
}

/** SHA-256 of `bytes` (text as UTF-8): ids, replay guards and secret comparisons digest with it. */
export const sha256 = async (bytes: Uint8Array | string): Promise<Uint8Array> =>
  new Uint8Array(
    await crypto.subtle.digest(
      'SHA-256',
      (typeof bytes === 'string' ? textEncoder.encode(bytes) : bytes) as Uint8Array<ArrayBuffer>,
    ),
  );

/** One strict UTF-8 decoder: bytes that are not UTF-8 throw instead of turning into U+FFFD. */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const _BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Strict base64 (standard alphabet, padding optional) to bytes, or undefined. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  return _BASE64.test(text) && text.length % 4 !== 1 ? _decode(text) : undefined;
}

/** Canonical, padded base64: no whitespace, no URL alphabet, padding present, not empty. */
export function isPaddedBase64(text: string): boolean {
  // Whole groups of four, padding only at the end: quads with the padding in the last, in one
  // scan of the text where the pattern of quads cost twice as much.
  return text.length % 4 === 0 && _BASE64.test(text);
}

/** Decodes canonical, padded base64; anything else (whitespace, URL alphabet, no padding) gives `undefined`. */
export function decodePaddedBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  // The padded form is a stricter form of the one `decodeBase64` checks: one scan is enough.
  return isPaddedBase64(text) ? _decode(text) : undefined;
}

/** Bytes to standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes to lowercase hex. */
export const encodeHex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** `atob` to bytes, for text that passed one of the patterns above. */
function _decode(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text);
    // A loop, not Uint8Array.from(string, fn): that iterates the string and calls back per byte.
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
