/** Runs the Bun server's long-deadline test under Bun's own test runner. */
import { test } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, expectBunTestPasses } from '../helpers/child-runtime.js';

test('on the Bun server, deadlines past Bun’s largest idle timeout (255 s) still end in an answer, not a dropped connection', {
  timeout: CHILD_TEST_TIMEOUT_MS,
}, async () => {
  await expectBunTestPasses('./test/runtimes/bun-long-deadlines.bun.ts', 1);
});
