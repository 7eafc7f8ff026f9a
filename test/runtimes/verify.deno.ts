/** Runs the shared SNS verification cases under Deno's own test runner. */
import { verifyCases } from '../ses/verify-cases.js';

declare const Deno: { test(name: string, fn: () => Promise<void>): void };

for (const { name, run } of verifyCases) Deno.test(name, run);
