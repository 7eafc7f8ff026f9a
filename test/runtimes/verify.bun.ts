/** Runs the shared SNS verification cases under Bun's own test runner. */
import { test } from 'bun:test';
import { verifyCases } from '../ses/verify-cases.js';

for (const { name, run } of verifyCases) test(name, run);
