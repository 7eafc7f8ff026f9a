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
      db.exec('BEGIN IMMEDIATE');
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
