// The blind store cases (store-cases.ts) on the runtimes' own SQLite: this Node has no
// node:sqlite before 22.5, so Bun (bun:sqlite) and Deno (node:sqlite) run them.
import { describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runBunTest, runDenoTest } from '../helpers/child-runtime.js';
import { blindStoreCases } from './store-cases.js';

describe('the blind store cases', () => {
  const expected = blindStoreCases.length;

  it(`pass all ${expected} under Bun (bun:sqlite)`, {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    const { code, output } = await runBunTest('./test/blind/store.bun.ts');
    expect(output).toMatch(new RegExp(`\\b${expected} pass\\b`));
    expect(output).toMatch(/\b0 fail\b/);
    expect(code).toBe(0);
  });

  it(`pass all ${expected} under Deno (node:sqlite)`, {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    const { code, output } = await runDenoTest('test/blind/store.deno.ts');
    expect(output).toMatch(new RegExp(`ok \\| ${expected} passed \\| 0 failed`));
    expect(code).toBe(0);
  });
});
