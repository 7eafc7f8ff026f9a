/** The event-store cases under Deno's own test runner, each on a fresh in-memory `node:sqlite`. */
import { DatabaseSync } from 'node:sqlite';
import { createSqliteStore } from '../../src/index.js';
import { sqliteCases, storeCases } from './cases.js';

declare const Deno: { test(name: string, fn: () => Promise<void>): void };

for (const { name, run } of [...storeCases, ...sqliteCases]) {
  Deno.test(name, () =>
    run(async (options) => createSqliteStore(new DatabaseSync(':memory:'), options)),
  );
}
