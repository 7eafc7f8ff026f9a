/**
 * MD5 (RFC 1321) in plain JavaScript: WebCrypto has none, and Unisender Go signs with it. Used
 * for that check alone; MD5 is not collision resistant and is nothing to reach for elsewhere.
 */

// Per-round left rotations, and K[i] = floor(abs(sin(i + 1)) * 2^32) (RFC 1321, section 3.4).
const _S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const _K = Int32Array.from({ length: 64 }, (_, i) =>
  Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32),
);

/** The message padded to a multiple of 64 bytes: 0x80, zeros, then the bit length (little endian). */
function _pad(message: Uint8Array): DataView {
  const length = (((message.length + 8) >>> 6) + 1) << 6;
  const padded = new Uint8Array(length);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = message.length * 8;
  view.setUint32(length - 8, bits >>> 0, true);
  view.setUint32(length - 4, Math.floor(bits / 2 ** 32), true);
  return view;
}

/** MD5 of `message` as 32 lowercase hex digits. */
export function md5Hex(message: Uint8Array): string {
  const view = _pad(message);
  let [h0, h1, h2, h3] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const words = new Int32Array(16);
  for (let offset = 0; offset < view.byteLength; offset += 64) {
    for (let i = 0; i < 16; i++) words[i] = view.getInt32(offset + i * 4, true);
    let [a, b, c, d] = [h0, h1, h2, h3];
    for (let i = 0; i < 64; i++) {
      const round = i >>> 4;
      let f: number;
      let g: number;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + (_K[i] as number) + (words[g] as number)) | 0;
      const shift = _S[(round << 2) | (i & 3)] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
  }
  const digest = new DataView(new ArrayBuffer(16));
  for (const [i, word] of [h0, h1, h2, h3].entries()) digest.setInt32(i * 4, word, true);
  return Array.from(new Uint8Array(digest.buffer), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}
