/** The blind store cases under Deno's own test runner, each on a fresh in-memory `node:sqlite`. */
import { DatabaseSync } from 'node:sqlite';
import { createSqliteStore } from '../../src/index.js';
import { blindStoreCases } from './store-cases.js';

declare const Deno: { test(name: string, fn: () => Promise<void>): void };

for (const { name, run } of blindStoreCases) {
  Deno.test(name, () =>
    run({
      make: (options) => createSqliteStore(new DatabaseSync(':memory:'), options),
      broken: () => {
        const db = new DatabaseSync(':memory:');
        const store = createSqliteStore(db);
        db.close();
        return store;
      },
    }),
  );
}
