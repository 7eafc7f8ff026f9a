/**
 * The same request gets the same answer everywhere: DESIGN's table (test/runtimes/parity.ts) sent
 * to the core handler and mailhooks/node in process, and over HTTP to the Node, Deno and Bun
 * servers and the Worker under `wrangler dev`, one child process each for every row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHandlerFromEnv as nodeHandlerFromEnv } from '../../src/adapters/node.js';
import { createHandlerFromEnv } from '../../src/env/index.js';
import { createJsonLogger } from '../../src/log.js';
import {
  BUN,
  bundleNodeServer,
  CHILD_ENV,
  DENO,
  DENO_START_FLAGS,
  listeningPort,
} from '../helpers/child-runtime.js';
import { DISABLED_ROWS, HEALTH_ROWS, PARITY_ENV, PARITY_ROWS, type ParityRow } from './parity.js';
import {
  answerOf,
  expectParity,
  logged,
  type ParityAnswer,
  parityRequest,
} from './parity-check.js';
import { parseResponse } from './raw-http.js';

const START_TIMEOUT_MS = 60_000;
const DISABLE = { MAIL_WEBHOOK_ENABLED: 'false' };
const work = mkdtempSync(join(tmpdir(), 'mailhooks-parity-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) {
    try {
      // Each child leads a group of its own: wrangler's workerd goes with it.
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

describe.each([
  ['the core handler', createHandlerFromEnv, PARITY_ROWS, {}],
  ['mailhooks/node', nodeHandlerFromEnv, PARITY_ROWS, {}],
  ['the core handler, disabled', createHandlerFromEnv, DISABLED_ROWS, DISABLE],
  ['mailhooks/node, disabled', nodeHandlerFromEnv, DISABLED_ROWS, DISABLE],
] as const)('%s, called in process', (_name, fromEnv, rows, env) => {
  const lines: string[] = [];
  const handler = fromEnv(
    { ...PARITY_ENV, ...env },
    { logger: createJsonLogger((_level, line) => lines.push(line)) },
  );

  test.each(rows)('$situation', async (row) => {
    const before = lines.length;
    expectParity(row, await answerOf(await handler(parityRequest('http://127.0.0.1', row))), false);
    expect({ situation: row.situation, logged: logged(lines.slice(before), row) }).toEqual({
      situation: row.situation,
      logged: true,
    });
  });
});

/** A port free now, for wrangler (which cannot say which port it picked). */
const _freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

interface Target {
  readonly port: number;
  /** Everything the child wrote, both streams. */
  readonly output: () => string;
}

function _spawn(command: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    detached: true,
    env: { ...CHILD_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** A packaged server of `command args`, on the port it picked. */
async function _server(command: string, args: readonly string[]): Promise<Target> {
  const { child, output } = _spawn(command, args, { ...PARITY_ENV, HOST: '127.0.0.1', PORT: '0' });
  const port = await listeningPort(output, () => child.exitCode !== null, START_TIMEOUT_MS);
  return { port, output };
}

/** `wrangler dev` as `npm start` runs it, with the table's settings as variables. */
async function _wranglerDev(): Promise<Target> {
  const [port, inspector] = [await _freePort(), await _freePort()];
  // A developer's .dev.vars must not change the Worker under test: each of its variables is
  // blanked (an empty variable is unset), as vitest.config.ts does for the workerd project.
  const devVars = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
  const blanked = [...devVars.matchAll(/^\s*([A-Z_][A-Z0-9_]*)\s*=/gm)].map(([, name]) => [
    name,
    '',
  ]);
  const vars = Object.entries({ ...Object.fromEntries(blanked), ...PARITY_ENV }).flatMap(
    ([name, value]) => ['--var', `${name}:${value}`],
  );
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port'];
  const { child, output } = _spawn(
    'node_modules/.bin/wrangler',
    [...args, String(inspector), '--persist-to', join(work, 'wrangler'), ...vars],
    { WRANGLER_SEND_METRICS: 'false' },
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!/Ready on http/.test(output())) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`wrangler dev did not start\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, output };
}

/** Whether `raw` holds a whole answer (a HEAD's head; else as long as its Content-Length). */
function _whole(raw: string, head: boolean): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1];
  if (head || length === undefined) return head || raw.endsWith('0\r\n\r\n');
  return Buffer.byteLength(raw.slice(end + 4), 'latin1') >= Number(length);
}

/** Sends `row` over a connection of its own; resolves with the answer once it is whole. */
function _send(port: number, { request }: Omit<ParityRow, 'log'>): Promise<ParityAnswer> {
  const { method, path, headers = {}, body, chunked, stalled } = request;
  const fields = Object.entries({ host: `127.0.0.1:${port}`, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  let framing = '';
  if (chunked !== undefined) framing = 'transfer-encoding: chunked\r\n';
  else if (stalled !== undefined) framing = `content-length: ${stalled.length}\r\n`;
  else if (body !== undefined) framing = `content-length: ${Buffer.byteLength(body)}\r\n`;
  const socket = connect(port, '127.0.0.1');
  socket.write(`${method} ${path} HTTP/1.1\r\n${fields}${framing}\r\n`);
  if (stalled !== undefined) socket.write(stalled.slice(0, 40));
  else if (chunked !== undefined) {
    const chunk = `1000\r\n${'a'.repeat(0x1000)}\r\n`;
    socket.write(`${chunk.repeat(Math.ceil(chunked / 0x1000))}0\r\n\r\n`);
  } else if (body !== undefined) socket.write(body);
  return new Promise((resolve, reject) => {
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole answer in 30 s: ${JSON.stringify(raw.slice(0, 300))}`));
    }, 30_000);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (!_whole(raw, method === 'HEAD')) return;
      clearTimeout(timer);
      socket.destroy();
      const response = parseResponse(raw);
      const headers = new Headers(response.headers);
      // parseResponse drops it once the body is unchunked: put back whether it was chunked.
      if (/\r\ntransfer-encoding: *chunked/i.test(raw)) headers.set('transfer-encoding', 'chunked');
      response.text().then((text) => resolve({ status: response.status, headers, text }), reject);
    });
  });
}

/** Whether `target` logged `row`'s line, within 15 s (lines are written in batches). */
async function _loggedBy(target: Target, row: ParityRow, from: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (logged(target.output().slice(from).split('\n'), row)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const nodeEntry = join(work, 'node-server.mjs');

const SERVERS: readonly (readonly [string, () => Promise<Target>])[] = [
  ['the Node server', async () => _server(process.execPath, [await bundleNodeServer(nodeEntry)])],
  ['the Deno server', () => _server(DENO, ['run', ...DENO_START_FLAGS, 'src/bin/deno.ts'])],
  ['the Bun server', () => _server(BUN, ['--no-install', '--no-env-file', 'src/bin/bun.ts'])],
  ['the Worker under wrangler dev', _wranglerDev],
];

/**
 * A chunked body the Worker stopped reading past maxBodyBytes leaves `wrangler dev`'s proxy unable
 * to pass on the next request, whoever sends it (its own 503 "Your worker restarted
 * mid-request"): that row is the in-process Worker's (test/workerd/parity.test.ts).
 */
const _readWhole = (row: ParityRow) => row.request.chunked === undefined;

describe.each(SERVERS)('%s, over HTTP', (name, start) => {
  const worker = name.includes('Worker');
  let target: Target;
  beforeAll(async () => {
    target = await start();
  }, START_TIMEOUT_MS + 10_000);

  test.each(worker ? PARITY_ROWS.filter(_readWhole) : PARITY_ROWS)('$situation', async (row) => {
    const from = target.output().length;
    expectParity(row, await _send(target.port, row), true, worker);
    expect({ situation: row.situation, logged: await _loggedBy(target, row, from) }).toEqual({
      situation: row.situation,
      logged: true,
    });
  });

  test.each(HEALTH_ROWS)('$situation', async (row) => {
    expectParity(row, await _send(target.port, row), true, worker);
  });

  test('after refusals sent before the body was read, the next requests are answered', async () => {
    // Under wrangler dev, a body the Worker cancelled unread broke the request after it: GET
    // /healthz never answered, a POST got wrangler's 503 "Your worker restarted mid-request".
    const refusals = PARITY_ROWS.filter((row) => /^(401|413|404)$/.test(String(row.status)));
    for (const row of refusals.filter(_readWhole)) {
      for (const next of [row, ...HEALTH_ROWS]) {
        expectParity(next, await _send(target.port, next), true, worker);
      }
    }
  });
});
