/** HMACs as the ESPs send them, computed with WebCrypto (so workerd runs them too). */

const _encoder = new TextEncoder();

async function _mac(
  secret: string,
  data: string | Uint8Array,
  hash: 'SHA-256' | 'SHA-1',
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    _encoder.encode(secret),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  );
  const bytes = typeof data === 'string' ? _encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes as Uint8Array<ArrayBuffer>));
}

/** Lowercase hex HMAC (SHA-256 unless told) of `data` under `secret`. */
export const hmacHex = async (
  secret: string,
  data: string | Uint8Array,
  hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
): Promise<string> =>
  Array.from(await _mac(secret, data, hash), (b) => b.toString(16).padStart(2, '0')).join('');

/** base64 HMAC (SHA-256 unless told) of `data` under `secret`. */
export const hmacBase64 = async (
  secret: string,
  data: string | Uint8Array,
  hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
): Promise<string> => btoa(String.fromCharCode(...(await _mac(secret, data, hash))));
