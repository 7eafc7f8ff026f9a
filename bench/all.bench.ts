/** Entry for `npm run bench` (vitest bench): the runner does the timing and prints one table. */
import { bench } from 'vitest';
import { runBenchmarks } from './run.js';

await runBenchmarks();

// vitest bench wants at least one bench(); the figures above are the ones that count.
bench.skip('see the table above', () => {});
