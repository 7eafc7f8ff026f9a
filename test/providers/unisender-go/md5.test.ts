import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { md5Hex } from '../../../src/providers/unisender-go/md5.js';

const encode = (text: string) => new TextEncoder().encode(text);

describe('md5Hex', () => {
  // RFC 1321, appendix A.5 ("test suite").
  const RFC_1321: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
      'd174ab98d277d9f5a5611c2c9f419d9f',
    ],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ];

  for (const [input, digest] of RFC_1321) {
    test(`RFC 1321: MD5("${input.length > 20 ? `${input.slice(0, 20)}…` : input}")`, () => {
      expect(md5Hex(encode(input))).toBe(digest);
    });
  }

  test('every length around the 64-byte block and its 56-byte padding edge matches node:crypto', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(md5Hex(bytes), `length ${length}`).toBe(createHash('md5').update(bytes).digest('hex'));
    }
  });

  test('multi-byte UTF-8 and a megabyte body match node:crypto', () => {
    const text = 'Тест — ✓ 🚀 '.repeat(100);
    expect(md5Hex(encode(text))).toBe(createHash('md5').update(text, 'utf8').digest('hex'));
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    expect(md5Hex(big)).toBe(createHash('md5').update(big).digest('hex'));
  });
});
