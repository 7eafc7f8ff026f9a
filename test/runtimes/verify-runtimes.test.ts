/** Runs the shared SNS verification cases under Deno and Bun, each with its own test runner. */
import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runBunTest, runDenoTest } from '../helpers/child-runtime.js';
import { verifyCases } from '../ses/verify-cases.js';

describe('SNS verification on other runtimes', () => {
  const expected = verifyCases.length;

  it(`passes all ${expected} cases under Deno`, { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const { code, output } = await runDenoTest('test/runtimes/verify.deno.ts');
    expect(output).toMatch(new RegExp(`ok \\| ${expected} passed \\| 0 failed`));
    expect(code).toBe(0);
  });

  it(`passes all ${expected} cases under Bun`, { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const { code, output } = await runBunTest('./test/runtimes/verify.bun.ts');
    expect(output).toMatch(new RegExp(`\\b${expected} pass\\b`));
    expect(output).toMatch(/\b0 fail\b/);
    expect(code).toBe(0);
  });
});
