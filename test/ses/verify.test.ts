/** Runs the shared SNS verification cases under vitest (Node). */
import { expect, it } from 'vitest';
import { verifyCases } from './verify-cases.js';

for (const { name, run } of verifyCases) it(name, run);

it('has the expected number of shared cases', () => {
  expect(verifyCases.length).toBeGreaterThan(100);
});
