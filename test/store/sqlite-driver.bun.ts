/**
 * The SQLite store's transactions on a real file under Bun (runtimes.test.ts runs it): a batch
 * that fails is rolled back, so the next one runs; a write lock held past the wait is an error;
 * tables that could not be created are tried again; a D1 binding is refused.
 */
import { Database } from 'bun:sqlite';
import { test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createSqliteStore } from '../../src/index.js';
import { makeContext } from '../../src/providers/context.js';

const delivered = (recipient: string) =>
  makeContext({
    eventType: 'delivered',
    eventId: `driver-${recipient}`,
    messageId: 'driver-message',
    recipient,
    timestamp: new Date(),
    espName: 'acme-mail',
    rawEvent: {},
  });

/** What `work` settled with: the event ids it resolved with, or the rejection's message. */
const outcome = (work: Promise<{ eventId: string }[]>) =>
  work.then(
    (events) => events.map((c) => c.eventId).join(','),
    (error: Error) => `rejected: ${error.message}`,
  );

function same(actual: string, expected: string, what: string) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/** A fresh database file, removed after `run`. */
async function withFile(run: (path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'mailhooks-driver-'));
  try {
    await run(join(dir, 'store.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a batch a statement of which fails is rolled back: the next request is stored', () =>
  withFile(async (path) => {
    const db = new Database(path);
    const store = createSqliteStore(db);
    await store.events();
    // A disk that fills up, for one address only.
    db.exec(`CREATE TRIGGER full_disk BEFORE INSERT ON events WHEN NEW.recipient = 'full@example.com'
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    same(
      await outcome(store.record([delivered('full@example.com')])),
      'rejected: database or disk is full',
      'the failing batch',
    );
    same(
      await outcome(store.record([delivered('next@example.com')])),
      'driver-next@example.com',
      'the next batch',
    );
    same(
      (await store.events()).map((c) => c.recipient).join(','),
      'next@example.com',
      'the history',
    );
  }));

test(
  'a write lock another connection never releases: record rejects after its wait, database is locked',
  () =>
    withFile(async (path) => {
      const store = createSqliteStore(new Database(path));
      await store.events();
      const other = new Database(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const result = await outcome(store.record([delivered('locked@example.com')]));
        same(result.replace(/\.$/, ''), 'rejected: database is locked', 'record while locked');
      } finally {
        other.exec('ROLLBACK');
      }
    }),
  30_000,
);

test('tables that could not be created are created by the next call', async () => {
  const db = new Database(':memory:');
  let failures = 1;
  // The disk fails the first statement once (the schema's), then recovers.
  const flaky = {
    exec: (sql: string) => db.exec(sql),
    prepare: (sql: string) => {
      if (failures-- > 0) throw new Error('disk I/O error');
      return db.prepare(sql);
    },
  };
  const store = createSqliteStore(flaky);
  same(await outcome(store.events()), 'rejected: disk I/O error', 'the first call');
  same(
    await outcome(store.record([delivered('again@example.com')])),
    'driver-again@example.com',
    'the next',
  );
});

test('createSqliteStore refuses a D1 binding (it has prepare and exec too), pointing to createD1Store', async () => {
  const d1Like = { prepare: () => ({}), exec: () => undefined, batch: async () => [] };
  let message = 'accepted';
  try {
    createSqliteStore(d1Like as never);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    message = error.message;
  }
  same(
    /a D1 binding takes createD1Store/.test(message) ? 'refused' : message,
    'refused',
    'a D1 binding',
  );
});
