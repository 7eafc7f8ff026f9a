/** Child processes under Deno, Bun or Node for the runtime tests: quiet, offline, on a free port. */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { expect } from 'vitest';

// Offline and quiet: no update check, no colours to parse around (vitest sets FORCE_COLOR).
const { FORCE_COLOR: _, ...inherited } = process.env;
export const CHILD_ENV = { ...inherited, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

/** A packaged server for a local trial: loopback, a port the system picks, verification off. */
export const TRIAL_SERVER_ENV = {
  ...CHILD_ENV,
  HOST: '127.0.0.1',
  // The system picks a free port; the server's `listening` line says which.
  PORT: '0',
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;

export interface Run {
  readonly code: number | null;
  readonly output: string;
}

/**
 * The limit of a test that runs a child to its end: a `deno test` or `bun test` of a store or
 * verify file takes 3 to 5 s on a quiet machine and took 39 s at load 20, against 60 s. The child
 * is killed 10 s before, so the test fails with the output so far rather than at vitest's limit.
 */
export const CHILD_TEST_TIMEOUT_MS = 180_000;

/**
 * Runs `command` to its end (killed 10 s before `CHILD_TEST_TIMEOUT_MS`): its exit code and its
 * output, without colours.
 */
export function runChild(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...CHILD_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TEST_TIMEOUT_MS - 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(ANSI, '') });
    });
  });
}

/**
 * The port of a server started with PORT=0, read from its `listening` line once it writes it.
 * The system picks the port at listen: a port found free beforehand could be taken by another
 * process (a connection's local port, another test's server) before the child starts.
 */
export async function listeningPort(
  output: () => string,
  exited: () => boolean,
  ms: number,
): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const port = /"msg":"listening".*?"url":"[^"]*:(\d+)"/.exec(output())?.[1];
    if (port) return Number(port);
    if (exited() || Date.now() > deadline) {
      throw new Error(`the server never said where it listens\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const DENO = 'node_modules/.bin/deno';
export const BUN = 'node_modules/.bin/bun';

/** The flags of `npm run start:deno` (after `run`), before any the test adds and the entry. */
export const DENO_START_FLAGS = [
  '--allow-net',
  '--allow-env',
  '--no-prompt',
  '--no-lock',
  '--no-remote',
  '--node-modules-dir=manual',
  '--v8-flags=--max-semi-space-size=1,--single-threaded-gc',
] as const;

/** `deno test` of one file: read access, no type check, no lock file, the installed node_modules. */
export const runDenoTest = (file: string): Promise<Run> =>
  runChild(DENO, [
    'test',
    '--allow-read',
    '--no-check',
    '--no-prompt',
    '--no-lock',
    '--node-modules-dir=manual',
    file,
  ]);

/** `bun test` of one file; a case gets 60 s, not Bun's 5 (as vitest.config.ts gives every test). */
export const runBunTest = (file: string): Promise<Run> =>
  runChild(BUN, ['test', '--timeout', '60000', file]);

/** Runs a `bun test` file and expects `passes` tests passed, none failed, exit code 0. */
export async function expectBunTestPasses(file: string, passes: number): Promise<void> {
  const { code, output } = await runBunTest(file);
  expect(output).toMatch(new RegExp(`\\b${passes} pass\\b`));
  expect(output).toMatch(/\b0 fail\b/);
  expect(code).toBe(0);
}

/**
 * Bundles the Node server's entry (`src/bin/node.ts`) to `outfile`, as `npm run build` would
 * compile it: Node 20 cannot run TypeScript. Returns `outfile`.
 */
export async function bundleNodeServer(outfile: string): Promise<string> {
  await build({
    entryPoints: ['src/bin/node.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
