/** The blind store cases under Bun's own test runner, each on a fresh in-memory `bun:sqlite`. */
import { Database } from 'bun:sqlite';
import { test } from 'bun:test';
import { createSqliteStore } from '../../src/index.js';
import { blindStoreCases } from './store-cases.js';

for (const { name, run } of blindStoreCases) {
  test(name, () =>
    run({
      make: (options) => createSqliteStore(new Database(':memory:'), options),
      broken: () => {
        const db = new Database(':memory:');
        const store = createSqliteStore(db);
        db.close();
        return store;
      },
    }),
  );
}
