/** The slices of `bun:sqlite` and `node:sqlite` the store runners use, so tsc needs neither's types. */
declare module 'bun:sqlite' {
  export class Database {
    constructor(path: string);
    prepare(sql: string): { all(...params: (string | number | null)[]): unknown[] };
    exec(sql: string): void;
  }
}
declare module 'node:sqlite' {
  export class DatabaseSync {
    constructor(path: string);
    prepare(sql: string): { all(...params: (string | number | null)[]): unknown[] };
    exec(sql: string): void;
  }
}
