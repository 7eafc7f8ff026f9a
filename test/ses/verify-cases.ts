/** Every SNS verification case, runtime-neutral: thin runners hand them to vitest, Deno, Bun, workerd. */
import { certificateCases } from './cases/certificates.js';
import { confirmationCases } from './cases/confirmations.js';
import type { VerifyCase } from './cases/harness.js';
import { realFixtureCases } from './cases/real-fixtures.js';
import { refusalCases } from './cases/refusals.js';

export type { VerifyCase };

export const verifyCases: readonly VerifyCase[] = [
  ...realFixtureCases,
  ...refusalCases,
  ...certificateCases,
  ...confirmationCases,
];
