/** Spawning the packaged servers and the CLI as child processes, and always stopping them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { installPackage } from '../helpers/installed-package.js';
import { type LogLine, parseJsonLines, root } from './deploy-helpers.js';

export const children = new Set<ChildProcess>();

/**
 * The package built as a user installs it, in a directory of its own (never the repository's
 * dist/, which another test file may be rebuilding): its CLI, its Node server, a scratch folder.
 */
export async function installed() {
  const dir = mkdtempSync(join(tmpdir(), 'mailhooks-deploy-'));
  await installPackage(dir);
  const dist = join(dir, 'node_modules/mailhooks/dist');
  return {
    dir,
    cli: join(dist, 'cli/main.js'),
    nodeServer: join(dist, 'bin/node.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The installed package for every test of the file: installed before the first, removed (and
 * every child process stopped) after the last.
 */
export function useInstalledPackage() {
  let pkg: Awaited<ReturnType<typeof installed>> | undefined;
  beforeAll(async () => {
    pkg = await installed();
  }, 60_000);
  afterAll(() => {
    killAll();
    pkg?.cleanup();
  });
  const get = () => {
    if (!pkg) throw new Error('the package is not installed yet');
    return pkg;
  };
  return {
    get dir() {
      return get().dir;
    },
    get cli() {
      return get().cli;
    },
    get nodeServer() {
      return get().nodeServer;
    },
  };
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

const base = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('MAIL_WEBHOOK_') && k !== 'PORT' && k !== 'HOST') env[k] = v;
  env.WRANGLER_SEND_METRICS = 'false';
  env.DENO_NO_UPDATE_CHECK = '1';
  env.NO_COLOR = '1';
  return env;
};

export function start(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...base(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    async waitFor(pattern, ms = 15_000) {
      const until = Date.now() + ms;
      while (!pattern.test(out + err)) {
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`);
        if (child.exitCode !== null)
          throw new Error(
            `exited ${child.exitCode} before ${pattern}; stdout: ${out}; stderr: ${err}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.pid) child.kill(signal);
    },
  };
}

export function killAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

export const bin = (name: 'bun' | 'deno') => `${root}node_modules/.bin/${name}`;

/** The packaged Bun server. */
export const startBun = (env: Record<string, string>) =>
  start(bin('bun'), ['--no-install', '--no-env-file', 'src/bin/bun.ts'], env);

/** The packaged Deno server, with `permissions` added to --allow-net --allow-env. */
export const startDeno = (env: Record<string, string>, permissions: string[] = []) =>
  start(
    bin('deno'),
    [
      'run',
      '--allow-net',
      '--allow-env',
      ...permissions,
      '--no-prompt',
      '--no-lock',
      '--no-remote',
      '--node-modules-dir=manual',
      'src/bin/deno.ts',
    ],
    env,
  );

/** Runs `body` with `proc`, then SIGKILLs it however `body` ended. */
export async function withProc(proc: Proc, body: (proc: Proc) => Promise<void>): Promise<void> {
  try {
    await body(proc);
  } finally {
    proc.kill('SIGKILL');
  }
}

/** The `start-up failed` line a server wrote to stderr, if any. */
export const startupFailure = (proc: Proc): LogLine | undefined =>
  parseJsonLines(proc.stderr()).find((l) => l.msg === 'start-up failed');

/** Every JSON line a process wrote, stdout then stderr. */
export const logLines = (proc: Proc): LogLine[] => parseJsonLines(proc.stdout() + proc.stderr());

/**
 * Listening on 127.0.0.1:port; by default on a port the system picks (read it with
 * `listeningUrl`), never a fixed one another test or process may hold.
 */
export const local = (port: number | string = 0) => ({ PORT: String(port), HOST: '127.0.0.1' });

/** The URL a server's `listening` line names, once it is written. */
export async function listeningUrl(proc: Proc, ms?: number): Promise<string> {
  await proc.waitFor(/"msg":"listening".*\n/, ms);
  return String(logLines(proc).find((l) => l.msg === 'listening')?.url);
}

/** The port a server's `listening` line names. */
export const listeningPort = async (proc: Proc, ms?: number): Promise<number> =>
  Number(new URL(await listeningUrl(proc, ms)).port);

/** On 127.0.0.1:port (by default one the system picks), routes on, SES signature checks off. */
export const localOn = (port = 0) => ({
  ...local(port),
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
});
