/** The event-store cases under Bun's own test runner, each on a fresh in-memory `bun:sqlite`. */
import { Database } from 'bun:sqlite';
import { test } from 'bun:test';
import { createSqliteStore } from '../../src/index.js';
import { sqliteCases, storeCases } from './cases.js';

for (const { name, run } of [...storeCases, ...sqliteCases]) {
  test(name, () => run(async (options) => createSqliteStore(new Database(':memory:'), options)));
}
