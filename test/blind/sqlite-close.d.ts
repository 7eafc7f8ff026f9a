/** `close()`, which the blind store runners use to make a store whose database fails. */
declare module 'bun:sqlite' {
  interface Database {
    close(): void;
  }
}
declare module 'node:sqlite' {
  interface DatabaseSync {
    close(): void;
  }
}
