/** The blind store cases under Bun's own test runner, each on a fresh in-memory `bun:sqlite`. */
import { Database } from 'bun:sqlite';
import { test } from 'bun:test';
import { createSqliteStore } from '../../src/index.js';
import { blindStoreCases } from './store-cases.js';

// Bun cuts a test off at 5 s; the limit case records 1,100 events and reads 1,000 back several
// times, past that on a busy 2-CPU machine. Deno's runner has no such bound.
const _CASE_TIMEOUT_MS = 30_000;

for (const { name, run } of blindStoreCases) {
  test(
    name,
    () =>
      run({
        make: (options) => createSqliteStore(new Database(':memory:'), options),
        broken: () => {
          const db = new Database(':memory:');
          const store = createSqliteStore(db);
          db.close();
          return store;
        },
      }),
    _CASE_TIMEOUT_MS,
  );
}
