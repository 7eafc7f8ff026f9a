/** The shared SNS verification cases again, with `mailhooks/node`'s own RSA check (`node:crypto`). */
import { describe, expect, it } from 'vitest';
import { nodeVerifyRsa } from '../../src/adapters/node-crypto.js';
import type { RsaVerify } from '../../src/runtime-hooks.js';
import { withVerifyRsa } from '../ses/cases/harness.js';
import { verifyCases } from '../ses/verify-cases.js';

let calls = 0;
let valid = 0;
const counted: RsaVerify = (spki, hash, signature, data) => {
  const result = nodeVerifyRsa(spki, hash, signature, data);
  calls++;
  if (result === true) valid++;
  return result;
};

// In the order written even in a shuffled run: the last test counts what the cases did.
describe('the SNS verification cases through node:crypto', { shuffle: false }, () => {
  for (const { name, run } of withVerifyRsa(counted, verifyCases)) it(`node:crypto: ${name}`, run);

  it('node:crypto checked the signatures, accepting the genuine ones', () => {
    // Runs after the cases above: every real AWS message, v1 and v2, passed through node:crypto.
    // 158 checks reach the key and 112 of them are genuine (non-ASCII text, v1 and v2 among them).
    expect(calls).toBeGreaterThan(100);
    expect(valid).toBeGreaterThan(80);
    expect(valid).toBeLessThan(calls);
  });
});
