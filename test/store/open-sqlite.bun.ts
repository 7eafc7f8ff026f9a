/** The servers' MAIL_WEBHOOK_SQLITE_PATH file under Bun: how it is opened, and how a bad path is said. */

import { test } from 'bun:test';
import { deepStrictEqual, ok, strictEqual } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBuiltinSqlite } from '../../src/adapters/_sqlite.js';
import { ConfigError } from '../../src/errors.js';

test('the file is left with no busy timeout: a lock is waited for by the store, never inside the driver', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailhooks-open-'));
  try {
    const db = openBuiltinSqlite(join(dir, 'events.sqlite'));
    const [row] = db.prepare('PRAGMA busy_timeout').all() as Record<string, unknown>[];
    deepStrictEqual(Object.values(row ?? {}), [0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that cannot be opened names the variable and says so', async () => {
  let thrown: unknown;
  try {
    openBuiltinSqlite(join(tmpdir(), 'mailhooks-no-such-dir', 'deeper', 'events.sqlite'));
  } catch (error) {
    thrown = error;
  }
  ok(thrown instanceof ConfigError);
  strictEqual((thrown as ConfigError).setting, 'MAIL_WEBHOOK_SQLITE_PATH');
  ok((thrown as ConfigError).message.includes('cannot open the database file: '));
});
