/** The slice of `bun:test` the Bun runner uses, so tsc needs no Bun types. */
declare module 'bun:test' {
  export function test(name: string, fn: () => Promise<void>, timeout?: number): void;
}
