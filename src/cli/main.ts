#!/usr/bin/env node
/** The `mailhooks` executable: the command line on Node's process, fetch and file system. */
/// <reference types="node" preserve="true" />
import { readFile } from 'node:fs/promises';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  fetch: globalThis.fetch,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFile(path, 'utf8'),
  now: () => new Date(),
  // dist/cli/main.js (or src/cli/main.ts) sits two folders below package.json.
  version: async () =>
    (
      JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      }
    ).version,
});
