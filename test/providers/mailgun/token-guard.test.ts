/** Mailgun's replay guard on its own: each signed block bound to one body, and a bounded memory. */
import { describe, expect, test } from 'vitest';
import { createTokenGuard } from '../../../src/providers/mailgun/token-guard.js';

const body = (text: string) => new TextEncoder().encode(text);

describe('the signature-block guard', () => {
  test('a block seen with one body passes again with it, and is 403 signature-replayed with another', async () => {
    const guard = createTokenGuard();
    expect(await guard('1700000000abc', body('{"a":1}'))).toBeUndefined();
    expect(await guard('1700000000abc', body('{"a":1}'))).toBeUndefined();
    expect(await guard('1700000000abc', body('{"a":2}'))).toMatchObject({
      status: 403,
      reason: 'signature-replayed',
    });
  });

  test('it holds at most its bound of blocks: the oldest is forgotten first', async () => {
    const guard = createTokenGuard(2);
    for (const block of ['first', 'second', 'third']) {
      expect(await guard(block, body(block))).toBeUndefined();
    }
    // 'first' made room for 'third'; the two latest are still bound to their bodies.
    expect(await guard('first', body('other'))).toBeUndefined();
    expect(await guard('third', body('other'))).toMatchObject({ reason: 'signature-replayed' });
  });
});
