/** The command's DER writer for SendGrid's ECDSA signatures, on the integers that need care. */
import { describe, expect, test } from 'vitest';
import { p1363ToDer } from '../../src/cli/signing';

const bytes = (hex: string) =>
  Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
const hex = (data: Uint8Array) => Buffer.from(data).toString('hex');

describe('p1363ToDer', () => {
  test('drops leading zero bytes and keeps a leading 01', () => {
    // r = 00 00 7f ...: two zero bytes dropped; s = 01 80 ...: kept as is.
    const r = `00007f${'11'.repeat(29)}`;
    const s = `0180${'22'.repeat(30)}`;
    expect(hex(p1363ToDer(bytes(r + s)))).toBe(`3042021e7f${'11'.repeat(29)}0220${s}`);
  });

  test('an integer whose first byte has the high bit set gets a zero byte before it', () => {
    const r = `80${'33'.repeat(31)}`;
    const s = `7f${'44'.repeat(31)}`;
    expect(hex(p1363ToDer(bytes(r + s)))).toBe(`3045022100${r}0220${s}`);
  });
});
