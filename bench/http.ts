/**
 * HTTP on loopback: each runtime's packaged server (verification off, `examples/sns-bounce.json`)
 * beside two servers of the same runtime: a bare one that reads the body and answers a small JSON,
 * and a floor one, the least any receiver does with this message (decode the body, parse the
 * envelope and its Message, build one event and one JSON log line per bounced recipient).
 * Requests per second, per CPU-second of the server process, p99, errors, and RSS of every server
 * before and after its run (20,000 requests for mailhooks; bare and floor run for 3 seconds).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { snsHeaders } from '../test/helpers/envelope.js';
import { cpuSeconds, rssMb } from './measure.js';

const require = createRequire(import.meta.url);
interface CannonResult {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
const autocannon = require('autocannon') as (options: object) => Promise<CannonResult>;

export interface HttpRow {
  readonly runtime: string;
  readonly server: 'mailhooks' | 'bare' | 'floor';
  readonly rps: number;
  readonly perCpuSecond: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly requests: number;
  readonly rssStartMb: number;
  readonly rssAfterMb: number;
  /**
   * RSS once the server has been made to collect its garbage (SIGUSR2 to a hook; mailhooks
   * servers only, not workerd).
   */
  readonly rssAfterGcMb?: number;
}

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'node_modules/.bin');
const CONNECTIONS = 32;
const AMOUNT = Number(process.env.BENCH_HTTP_REQUESTS ?? 20_000);
const BARE_SECONDS = Number(process.env.BENCH_BARE_SECONDS ?? 3);
// Load before the measured window, the same for every server: long enough for the JITs to settle
// (after 1 s, the Bun and Deno mailhooks servers still spent 5 and 9 µs a request compiling over
// the next 20,000; the bare and floor servers, doing less, settle sooner).
const WARM_UP_SECONDS = Number(process.env.BENCH_HTTP_WARM_UP_S ?? 5);
const PATH = '/webhooks/mail/ses';
// BENCH_HTTP_ONLY=workerd runs only the runtimes whose name contains it (case-insensitive).
const ONLY = (process.env.BENCH_HTTP_ONLY ?? '').toLowerCase();

const ENV = {
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_PROVIDERS: 'ses',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  MAIL_WEBHOOK_SINKS: 'memory',
};

const BARE_NODE = `import { createServer } from 'node:http';
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    Buffer.concat(chunks).toString();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"ok":true,"events":2}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
const BARE_FETCH = `async (request) => {
  await request.text();
  return new Response('{"ok":true,"events":2}', { headers: { 'content-type': 'application/json; charset=utf-8' } });
}`;
const BARE_DENO = `Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen() {} }, ${BARE_FETCH});\n`;
const BARE_BUN = `Bun.serve({ port: Number(process.env.PORT), hostname: '127.0.0.1', fetch: ${BARE_FETCH} });\n`;
const BARE_WORKER = `export default { fetch: ${BARE_FETCH} };\n`;

// The floor: the least any receiver does with this message, synchronously, written once and shared
// by the four floor servers. The log lines are kept in a global (the last request's), not written
// out. An empty body (the GET /healthz readiness probe) answers without parsing.
const FLOOR_WORK = `const decoder = new TextDecoder();
globalThis.floorLog = '';
function work(bytes) {
  if (bytes.length === 0) return '{"ok":true}';
  const envelope = JSON.parse(decoder.decode(bytes));
  const message = JSON.parse(envelope.Message);
  const time = new Date().toISOString();
  let lines = '';
  let events = 0;
  for (const r of message.bounce.bouncedRecipients) {
    const event = {
      esp: 'ses',
      eventType: 'bounced',
      recipient: r.emailAddress,
      messageId: message.mail.messageId,
      eventId: envelope.MessageId,
      timestamp: message.bounce.timestamp,
    };
    lines += JSON.stringify({ level: 'info', msg: 'event', time, ...event }) + '\\n';
    events++;
  }
  globalThis.floorLog = lines;
  return '{"ok":true,"events":' + events + '}';
}
`;
// Node: an exception thrown in an 'end' handler would kill the process; any failure answers 400.
const FLOOR_NODE = `import { createServer } from 'node:http';
${FLOOR_WORK}
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    let status = 200;
    let body;
    try {
      body = work(Buffer.concat(chunks));
    } catch {
      status = 400;
      body = '{"ok":false}';
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
const FLOOR_FETCH = `async (request) => {
  let status = 200;
  let body;
  try {
    body = work(new Uint8Array(await request.arrayBuffer()));
  } catch {
    status = 400;
    body = '{"ok":false}';
  }
  return new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}`;
const FLOOR_DENO = `${FLOOR_WORK}Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen() {} }, ${FLOOR_FETCH});\n`;
const FLOOR_BUN = `${FLOOR_WORK}Bun.serve({ port: Number(process.env.PORT), hostname: '127.0.0.1', fetch: ${FLOOR_FETCH} });\n`;
const FLOOR_WORKER = `${FLOOR_WORK}export default { fetch: ${FLOOR_FETCH} };\n`;

// Forced collection on SIGUSR2, loaded before the mailhooks servers (Node with --expose-gc, Bun
// and Deno with --preload): RSS after the run is read raw and after two full collections (no
// runtime collects on request in production). workerd has no such hook: raw only.
const GC_NODE = `process.on('SIGUSR2', () => { globalThis.gc(); globalThis.gc(); });\n`;
const GC_BUN = `process.on('SIGUSR2', () => { Bun.gc(true); Bun.gc(true); });\n`;
const GC_DENO = `Deno.addSignalListener('SIGUSR2', () => { globalThis.gc(); globalThis.gc(); });\n`;

function _workerdConfig(dir: string, port: number, withVars: boolean): string {
  const bindings = withVars
    ? Object.entries(ENV)
        .map(([name, value]) => `(name = "${name}", text = "${value}")`)
        .join(', ')
    : '';
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed "index.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ ${bindings} ],
);
`;
  const file = join(dir, 'config.capnp');
  writeFileSync(file, config);
  return file;
}

interface Server {
  readonly runtime: string;
  readonly server: 'mailhooks' | 'bare' | 'floor';
  start(port: number): ChildProcess;
  /** Answers SIGUSR2 with a full garbage collection. */
  readonly collects?: boolean;
}

/** Builds what each server runs; returns the servers and the Worker bundle's gzip size. */
async function _prepare(work: string): Promise<{ servers: Server[]; workerGzipBytes: number }> {
  const nodeEntry = join(work, 'node-server.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/bin/node.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: nodeEntry,
    logLevel: 'silent',
  });
  const files: Record<string, string> = {
    'bare-node.mjs': BARE_NODE,
    'bare-deno.js': BARE_DENO,
    'bare-bun.js': BARE_BUN,
    'floor-node.mjs': FLOOR_NODE,
    'floor-deno.js': FLOOR_DENO,
    'floor-bun.js': FLOOR_BUN,
    'gc-node.mjs': GC_NODE,
    'gc-bun.js': GC_BUN,
    'gc-deno.js': GC_DENO,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
  const workerDir = join(work, 'worker');
  execFileSync(join(BIN, 'wrangler'), ['deploy', '--dry-run', '--outdir', workerDir], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  // wrangler names the bundle after the entry (cloudflare.js); workerd serves it as index.js.
  const bundle = readdirSync(workerDir).find((name) => name.endsWith('.js')) ?? 'index.js';
  renameSync(join(workerDir, bundle), join(workerDir, 'index.js'));
  const workerGzipBytes = gzipSync(readFileSync(join(workerDir, 'index.js'))).length;
  const bareDir = join(work, 'bare-worker');
  execFileSync('mkdir', ['-p', bareDir]);
  writeFileSync(join(bareDir, 'index.js'), BARE_WORKER);
  const floorDir = join(work, 'floor-worker');
  execFileSync('mkdir', ['-p', floorDir]);
  writeFileSync(join(floorDir, 'index.js'), FLOOR_WORKER);
  const env = (port: number) => ({ ...process.env, ...ENV, PORT: String(port), HOST: '127.0.0.1' });
  const io = { stdio: 'ignore' as const };
  const deno = ['run', '--allow-net', '--allow-env', '--no-prompt', '--no-lock', '--no-remote'];
  const workerd = (dir: string, vars: boolean) => (port: number) =>
    spawn(join(BIN, 'workerd'), ['serve', _workerdConfig(dir, port, vars)], { ...io, cwd: dir });
  // The Node and Deno mailhooks servers run as the packaged servers are documented to run, the
  // young generation capped at 1 MB semi-spaces (README, Memory): V8 otherwise grows it under load
  // and keeps it, ~25 MB of RSS, at no measured throughput gain; and with --single-threaded-gc
  // (README, Memory): the collections run on the main thread, ~10% less CPU a request in all.
  const servers: Server[] = [
    {
      runtime: 'Node',
      server: 'mailhooks',
      collects: true,
      start: (port) =>
        spawn(
          process.execPath,
          [
            '--expose-gc',
            '--max-semi-space-size=1',
            '--single-threaded-gc',
            '--import',
            join(work, 'gc-node.mjs'),
            nodeEntry,
          ],
          { ...io, env: env(port) },
        ),
    },
    {
      runtime: 'Node',
      server: 'bare',
      start: (port) =>
        spawn(process.execPath, [join(work, 'bare-node.mjs')], { ...io, env: env(port) }),
    },
    {
      runtime: 'Node',
      server: 'floor',
      start: (port) =>
        spawn(process.execPath, [join(work, 'floor-node.mjs')], { ...io, env: env(port) }),
    },
    {
      runtime: 'Bun',
      server: 'mailhooks',
      collects: true,
      start: (port) =>
        spawn(
          join(BIN, 'bun'),
          ['--no-install', '--preload', join(work, 'gc-bun.js'), 'src/bin/bun.ts'],
          {
            ...io,
            cwd: ROOT,
            env: env(port),
          },
        ),
    },
    {
      runtime: 'Bun',
      server: 'bare',
      start: (port) =>
        spawn(join(BIN, 'bun'), ['--no-install', join(work, 'bare-bun.js')], {
          ...io,
          env: env(port),
        }),
    },
    {
      runtime: 'Bun',
      server: 'floor',
      start: (port) =>
        spawn(join(BIN, 'bun'), ['--no-install', join(work, 'floor-bun.js')], {
          ...io,
          env: env(port),
        }),
    },
    {
      runtime: 'Deno',
      server: 'mailhooks',
      collects: true,
      start: (port) =>
        spawn(
          join(BIN, 'deno'),
          [
            ...deno,
            '--node-modules-dir=manual',
            '--v8-flags=--expose-gc,--max-semi-space-size=1,--single-threaded-gc',
            '--preload',
            join(work, 'gc-deno.js'),
            'src/bin/deno.ts',
          ],
          {
            ...io,
            cwd: ROOT,
            env: { ...env(port), DENO_NO_UPDATE_CHECK: '1' },
          },
        ),
    },
    {
      runtime: 'Deno',
      server: 'bare',
      start: (port) =>
        spawn(join(BIN, 'deno'), [...deno, join(work, 'bare-deno.js')], {
          ...io,
          env: { ...env(port), DENO_NO_UPDATE_CHECK: '1' },
        }),
    },
    {
      runtime: 'Deno',
      server: 'floor',
      start: (port) =>
        spawn(join(BIN, 'deno'), [...deno, join(work, 'floor-deno.js')], {
          ...io,
          env: { ...env(port), DENO_NO_UPDATE_CHECK: '1' },
        }),
    },
    { runtime: 'Worker (workerd)', server: 'mailhooks', start: workerd(workerDir, true) },
    { runtime: 'Worker (workerd)', server: 'bare', start: workerd(bareDir, false) },
    { runtime: 'Worker (workerd)', server: 'floor', start: workerd(floorDir, false) },
  ];
  return { servers, workerGzipBytes };
}

async function _ready(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not start`);
}

const _stop = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });

export async function overHttp(
  work: string,
  log: (line: string) => void,
): Promise<{ rows: HttpRow[]; workerGzipBytes: number }> {
  const { servers, workerGzipBytes } = await _prepare(work);
  const example = JSON.parse(readFileSync(join(ROOT, 'examples/sns-bounce.json'), 'utf8'));
  const body = JSON.stringify(example);
  const headers = snsHeaders(example);
  const rows: HttpRow[] = [];
  // BENCH_HTTP_PORT: the first port less one (each server takes the next).
  let port = Number(process.env.BENCH_HTTP_PORT ?? 18_700);
  for (const entry of servers.filter((s) => s.runtime.toLowerCase().includes(ONLY))) {
    port++;
    const child = entry.start(port);
    const url = `http://127.0.0.1:${port}`;
    try {
      await _ready(`${url}/healthz`, child);
      const pid = child.pid as number;
      const rssStartMb = rssMb(pid);
      const load = { url: url + PATH, method: 'POST', body, headers, connections: CONNECTIONS };
      await autocannon({ ...load, duration: WARM_UP_SECONDS });
      const cpuBefore = cpuSeconds(pid);
      const result = await autocannon(
        entry.server === 'mailhooks'
          ? { ...load, amount: AMOUNT }
          : { ...load, duration: BARE_SECONDS },
      );
      const cpu = cpuSeconds(pid) - cpuBefore;
      await new Promise((r) => setTimeout(r, 500));
      const requests = result['2xx'] + result.non2xx;
      const rssAfterMb = rssMb(pid);
      let rssAfterGcMb: number | undefined;
      if (entry.collects && entry.server === 'mailhooks') {
        child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 1000));
        rssAfterGcMb = rssMb(pid);
      }
      const row: HttpRow = {
        runtime: entry.runtime,
        server: entry.server,
        rps: requests / result.duration,
        perCpuSecond: requests / cpu,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
        requests,
        rssStartMb,
        rssAfterMb,
        ...(rssAfterGcMb !== undefined ? { rssAfterGcMb } : {}),
      };
      rows.push(row);
      log(
        `HTTP ${entry.runtime} ${entry.server}: ${row.rps.toFixed(0)} rps, ${row.perCpuSecond.toFixed(0)} per CPU-s, p99 ${row.p99Ms} ms, errors ${row.errors}` +
          `, RSS ${row.rssStartMb.toFixed(1)} -> ${row.rssAfterMb.toFixed(1)} MB` +
          (row.rssAfterGcMb !== undefined
            ? ` (${row.rssAfterGcMb.toFixed(1)} MB after a forced GC)`
            : ''),
      );
    } finally {
      await _stop(child);
    }
  }
  return { rows, workerGzipBytes };
}
