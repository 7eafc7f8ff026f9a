/** One tiny async interface over D1 and the built-in SQLite drivers (`bun:sqlite`, `node:sqlite`). */

export type SqlValue = string | number | null;

export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

export type SqlRow = Record<string, unknown>;

/** What the store needs of a database: statements run in order, in one transaction. */
export interface SqlDatabase {
  /** Resolves with each statement's rows; rejects (and nothing is written) if any fails. */
  batch(statements: readonly SqlStatement[]): Promise<SqlRow[][]>;
}

/** The part of a D1 binding the store uses (`@cloudflare/workers-types` need not be installed). */
export interface D1DatabaseLike {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<{ results?: unknown[] }[]>;
}

export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
}

/** A `bun:sqlite` `Database` or a `node:sqlite` `DatabaseSync`: both have these two methods. */
export interface SqliteDatabaseLike {
  prepare(sql: string): { all(...params: SqlValue[]): unknown[] };
  exec(sql: string): unknown;
}

export const isD1Database = (value: unknown): value is D1DatabaseLike =>
  typeof (value as D1DatabaseLike | null)?.prepare === 'function' &&
  typeof (value as D1DatabaseLike).batch === 'function';

export const isSqliteDatabase = (value: unknown): value is SqliteDatabaseLike =>
  typeof (value as SqliteDatabaseLike | null)?.prepare === 'function' &&
  typeof (value as SqliteDatabaseLike).exec === 'function';

/** D1: `batch()` is one round trip and one transaction. */
export function fromD1(binding: D1DatabaseLike): SqlDatabase {
  return {
    async batch(statements) {
      const prepared = statements.map((s) => binding.prepare(s.sql).bind(...s.params));
      const results = await binding.batch(prepared);
      return results.map((result) => (result.results ?? []) as SqlRow[]);
    },
  };
}

/** How long a batch waits for another connection's write lock, and how often it looks. */
const _LOCK_WAIT_MS = 5_000;
const _LOCK_POLL_MS = 25;

/**
 * `BEGIN IMMEDIATE`: true once begun; false while another connection holds the write lock
 * (SQLITE_BUSY), unless this is the `last` try; any other failure throws.
 */
function _begun(db: SqliteDatabaseLike, last: boolean): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    // As bun:sqlite and node:sqlite word SQLITE_BUSY.
    if (last || !/database is locked/.test(String(error))) throw error;
    return false;
  }
}

/**
 * SQLite: the driver is synchronous, so a batch runs start to end inside one transaction before
 * any other request's batch can begin. Statements are prepared once and kept.
 */
export function fromSqlite(db: SqliteDatabaseLike): SqlDatabase {
  const prepared = new Map<string, ReturnType<SqliteDatabaseLike['prepare']>>();
  const statement = (sql: string) => {
    let found = prepared.get(sql);
    if (!found) {
      found = db.prepare(sql);
      prepared.set(sql, found);
    }
    return found;
  };
  return {
    async batch(statements) {
      // While another connection (a second server, the sqlite3 shell) holds the write lock, the
      // wait is here, between tries, not in the driver's busy_timeout: that one would hold the
      // event loop, every other request and every deadline timer with it, as long as the lock.
      for (let waited = 0; !_begun(db, waited >= _LOCK_WAIT_MS); waited += _LOCK_POLL_MS) {
        await new Promise((resolve) => setTimeout(resolve, _LOCK_POLL_MS));
      }
      // From BEGIN to COMMIT without a pause: no other batch starts on this connection meanwhile.
      try {
        const rows = statements.map((s) => statement(s.sql).all(...s.params) as SqlRow[]);
        db.exec('COMMIT');
        return rows;
      } catch (error) {
        // SQLite may have rolled back already (a full disk, say): the first error is the one to see.
        try {
          db.exec('ROLLBACK');
        } catch {}
        throw error;
      }
    },
  };
}
