/** src/providers/base64.ts: strict base64, exactly what `atob` takes once whitespace and stray `=` are refused. */
import { describe, expect, test } from 'vitest';
import { decodeBase64, decodePaddedBase64 } from '../../src/providers/base64.js';

/** The rule written out: the pattern, the length rule, then `atob`. */
function reference(text: string): number[] | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 === 1) return undefined;
  try {
    return [...atob(text)].map((c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const decoded = (text: string) => {
  const bytes = decodeBase64(text);
  return bytes ? [...bytes] : undefined;
};

describe('decodeBase64', () => {
  test.each([
    ['', undefined],
    ['TWFu', [77, 97, 110]],
    ['TWE=', [77, 97]],
    ['TWE', [77, 97]],
    ['TQ==', [77]],
    ['TQ', [77]],
    ['T', undefined],
    ['TQ=', undefined],
    ['T===', undefined],
    ['====', undefined],
    ['TW=u', undefined],
    ['TWFu\n', undefined],
    ['TW-u', undefined],
    ['TW_u', undefined],
    ['TWFué', undefined],
    ['+/+/', [251, 255, 191]],
  ])('%j', (text, bytes) => {
    expect(decoded(text)).toEqual(bytes);
    expect(decoded(text)).toEqual(reference(text));
  });

  test('100,000 generated strings, valid and not, decode as the rule says', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed >>> 16) % n;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const noise = '= -_\n\té\u0100';
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      let text = '';
      const length = next(14);
      for (let j = 0; j < length; j++) text += alphabet[next(64)];
      if (next(3) === 0) text += '='.repeat(next(3) + 1);
      if (next(8) === 0) {
        const at = next(text.length + 1);
        text = text.slice(0, at) + noise[next(noise.length)] + text.slice(at);
      }
      const mine = decoded(text);
      const theirs = reference(text);
      if (JSON.stringify(mine) !== JSON.stringify(theirs))
        expect({ text, mine }).toEqual({ text, mine: theirs });
      if (mine) accepted++;
    }
    expect(accepted).toBeGreaterThan(20_000);
    expect(accepted).toBeLessThan(90_000);
  });

  test('decodePaddedBase64 takes only canonical padded base64', () => {
    expect(decodePaddedBase64('TWE=')).toEqual(new Uint8Array([77, 97]));
    expect(decodePaddedBase64('TWE')).toBeUndefined();
    expect(decodePaddedBase64('TW E=')).toBeUndefined();
    expect(decodePaddedBase64('')).toBeUndefined();
    expect(decodePaddedBase64('TWE-')).toBeUndefined();
    expect(decodePaddedBase64('TWFu')).toEqual(new Uint8Array([77, 97, 110]));
    expect(decodePaddedBase64('TQ==')).toEqual(new Uint8Array([77]));
    // Padding only at the end, at most two, and whole groups of four.
    for (const text of [
      '====',
      'T===',
      '==TQ',
      'TQ==TQ==',
      'TWE=TWFu',
      'TWFu=',
      'TWFuTQ',
      'TWFu TQ==',
    ]) {
      expect({ text, bytes: decodePaddedBase64(text) }).toEqual({ text, bytes: undefined });
    }
  });
});
