/** Runs the Bun server's long-deadline test under Bun's own test runner. */
import { expect, test } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runBunTest } from '../helpers/child-runtime.js';

test('on the Bun server, deadlines past Bun’s largest idle timeout (255 s) still end in an answer, not a dropped connection', {
  timeout: CHILD_TEST_TIMEOUT_MS,
}, async () => {
  const { code, output } = await runBunTest('./test/runtimes/bun-long-deadlines.bun.ts');
  expect(output).toMatch(/\b1 pass\b/);
  expect(output).toMatch(/\b0 fail\b/);
  expect(code).toBe(0);
});
