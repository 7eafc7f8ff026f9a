/** `MAIL_WEBHOOK_SQLITE_PATH` on the servers: the file opened with the runtime's own SQLite. */
import { ConfigError } from '../errors.js';
import type { SqliteDatabaseLike } from '../store/database.js';
import { createSqliteStore } from '../store/store.js';
import type { EventStore, StoreOptions } from '../store/types.js';

type _Driver = new (path: string) => SqliteDatabaseLike;

// Only what this file uses; getBuiltinModule loads a built-in synchronously, on all three
// runtimes, and answers undefined for one the runtime lacks (node:sqlite before Node 22.5).
declare const process: {
  getBuiltinModule?(name: string): Record<string, unknown> | undefined;
  versions: Record<string, string | undefined>;
};

function _load(name: string, exported: string): _Driver | undefined {
  try {
    const driver = process.getBuiltinModule?.(name)?.[exported];
    return typeof driver === 'function' ? (driver as _Driver) : undefined;
  } catch {
    return undefined;
  }
}

// The files the server opened, closed when it stops: closing checkpoints the write-ahead log into
// the file and removes the `-wal` and `-shm` beside it (Deno's exit left them, the newest events
// in the log alone, so a copy of the stopped server's file missed them).
const _opened = new Set<SqliteDatabaseLike & { close?(): unknown }>();

/** Closes every file `openBuiltinSqlite` opened (the packaged server, once it has stopped). */
export function closeBuiltinSqlite(): void {
  for (const db of _opened) {
    try {
      db.close?.();
    } catch {
      // Closed already, or the driver failed: the log is replayed at the next open.
    }
  }
  _opened.clear();
}

/** Opens (creating when missing) the SQLite file: `bun:sqlite` on Bun, `node:sqlite` elsewhere. */
export function openBuiltinSqlite(path: string): SqliteDatabaseLike {
  const Driver = process.versions.bun
    ? _load('bun:sqlite', 'Database')
    : _load('node:sqlite', 'DatabaseSync');
  if (!Driver) {
    const version = process.versions.node ?? 'unknown';
    throw new ConfigError(
      'MAIL_WEBHOOK_SQLITE_PATH',
      `needs node:sqlite, which Node has from 22.5 (before 22.13 with --experimental-sqlite); this is Node ${version}`,
    );
  }
  try {
    const db = new Driver(path);
    _opened.add(db);
    // The drivers are synchronous: the event loop, every request's deadline timer included, waits
    // on each commit's fsyncs (a request commits twice). A write-ahead log syncs once a commit,
    // where the rollback journal syncs three times: a burst of requests no longer outlasts its
    // deadlines several times over. Switching waits for a lock another process may hold; later,
    // the store waits for locks itself, between tries (a busy_timeout would freeze the server).
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA busy_timeout = 0');
    return db;
  } catch (error) {
    throw new ConfigError(
      'MAIL_WEBHOOK_SQLITE_PATH',
      `cannot open the database file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The event store on that file: the servers' `openSqlite`. */
export const openBuiltinSqliteStore = (path: string, options: StoreOptions): EventStore =>
  createSqliteStore(openBuiltinSqlite(path), options);
