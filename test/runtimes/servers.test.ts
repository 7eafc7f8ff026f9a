/** The packaged Node, Deno and Bun servers, each started as a child process and put through the HTTP suite. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BUN,
  bundleNodeServer,
  CHILD_ENV,
  DENO,
  DENO_START_FLAGS,
  listeningPort,
} from '../helpers/child-runtime.js';
import { createSigner } from '../helpers/signing.js';
import { signedSesPost } from '../helpers/sns-request.js';
import { addHttpTests, ROUTE, SUITE_ENV } from './http-suite.js';
import { fetchWithHost, headReceived, parseResponse, rawSend, serverCaughtUp } from './raw-http.js';

const MAX_BODY_BYTES = 16_384;
const START_TIMEOUT_MS = 20_000;
const signer = await createSigner();
const work = mkdtempSync(join(tmpdir(), 'mailhooks-servers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A child cannot take an injected fetch: a preload module serves the test certificate at its
// URL instead, so the servers verify real signatures without reaching the internet.
const preload = join(work, 'serve-certificate.mjs');
writeFileSync(
  preload,
  `const served = ${JSON.stringify({ [signer.certUrl]: signer.certPem })};
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return url in served ? Promise.resolve(new Response(served[url])) : realFetch(input, init);
};
`,
);

const nodeEntry = join(work, 'node-server.mjs');
beforeAll(() => bundleNodeServer(nodeEntry));

interface Runtime {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** How a new request fares while in-flight ones finish (Deno: see src/adapters/deno.ts). */
  readonly whileClosing: 'refused' | 503;
  /**
   * Whether the runtime closes a connection whose body stalled once the 408 is sent. Deno 2.9
   * keeps it, and what it buffered of the body, until the client sends the rest or hangs up (its
   * body read stays pending; Deno.serve has no read timeout, denoland/deno#3515; docs/runtimes.md, "The
   * body deadline per runtime").
   */
  readonly closesStalledConnection: boolean;
  /**
   * Whether a request pipelined behind one refused before its body was read (a 413 for its
   * declared length) is still answered: Deno closes the connection after the refusal instead.
   */
  readonly answersAfterRefusal: boolean;
}

const RUNTIMES: readonly Runtime[] = [
  {
    name: 'Node',
    command: process.execPath,
    // As `npm run start:node` runs it, plus the preload.
    args: [
      '--max-semi-space-size=1',
      '--single-threaded-gc',
      '--import',
      pathToFileURL(preload).href,
      nodeEntry,
    ],
    whileClosing: 'refused',
    closesStalledConnection: true,
    answersAfterRefusal: true,
  },
  {
    name: 'Deno',
    command: DENO,
    // The flags of `npm run start:deno`, plus the preload.
    args: ['run', ...DENO_START_FLAGS, '--preload', preload, 'src/bin/deno.ts'],
    whileClosing: 503,
    closesStalledConnection: false,
    answersAfterRefusal: false,
  },
  {
    name: 'Bun',
    command: BUN,
    // As `npm run start:bun` runs it, plus the preload.
    args: ['--no-install', '--no-env-file', '--preload', preload, 'src/bin/bun.ts'],
    whileClosing: 'refused',
    closesStalledConnection: true,
    answersAfterRefusal: true,
  },
];

interface Server {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Every server this file starts, stopped at its end whatever failed: a server whose start-up
// timed out, or that never exited when a test awaited its exit, is not left running.
const started = new Set<ChildProcess>();
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

function _start(runtime: Runtime, env: Record<string, string>): Server {
  const child = spawn(runtime.command, runtime.args, {
    // PORT 0 unless `env` names one: the system picks a free port (see _port).
    env: { ...CHILD_ENV, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** A process's resident memory, in MB (Linux). */
const _rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The port `server` (started with PORT=0: the system picks a free one) listens on. */
const _port = (server: Server): Promise<number> =>
  listeningPort(server.stdout, () => server.child.exitCode !== null, START_TIMEOUT_MS);

async function _waitHealthy(base: string, server: Server): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) break;
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await _sleep(100);
  }
  throw new Error(`server did not become healthy\n${server.stdout()}\n${server.stderr()}`);
}

/** True when nothing accepts a new TCP connection on the port. */
const _refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

// One server per runtime serves these tests, in the order written even in a shuffled run: the
// last ones read what the whole suite logged, then stop the server.
describe('a server serving the suite', { shuffle: false }, () => {
  describe.each(RUNTIMES)('the $name server', serveTheSuite);
});

function serveTheSuite(runtime: Runtime): void {
  let server: Server;
  let base = '';
  let port = 0;

  beforeAll(async () => {
    server = _start(runtime, {
      ...SUITE_ENV,
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
      // A typo: reported once at start-up, whatever the requests that follow.
      MAIL_WEBHOOK_SES_MAX_AGE: '60',
    });
    port = await _port(server);
    base = `http://127.0.0.1:${port}`;
    await _waitHealthy(base, server);
  }, START_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  });

  addHttpTests({
    fetch: (path, init) => fetch(`${base}${path}`, init),
    signer,
    maxBodyBytes: MAX_BODY_BYTES,
    stdout: () => server.stdout(),
    fetchWithHost: (path, host, init) => fetchWithHost(port, path, host, init),
  });

  test('refuses CONNECT host:port (authority form) as any other request off the routes, never 500', async () => {
    const head = `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`;
    const exchange = rawSend(port, head);
    const answered = await headReceived(exchange, 15_000);
    exchange.socket.destroy();
    // Node hands CONNECT to its own event (405); Deno and Bun to the handler: not a route (404).
    expect([404, 405]).toContain(parseResponse(answered).status);
  });

  test('a chunked body in 1-byte chunks is read whole and right, and costs the server its bytes, not a buffer per chunk', async () => {
    // Signed and delivered in one-byte chunks: the bytes come out exactly as sent.
    const post = await signedSesPost(signer);
    const fields = Object.entries({ ...post.headers, host: `127.0.0.1:${port}` })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const head = `POST ${ROUTE} HTTP/1.1\r\n${fields}transfer-encoding: chunked\r\nconnection: close\r\n\r\n`;
    const chunked = [...Buffer.from(post.body)].map(
      (byte) => `1\r\n${String.fromCharCode(byte)}\r\n`,
    );
    const whole = parseResponse(await rawSend(port, head, `${chunked.join('')}0\r\n\r\n`).closed);
    expect({ status: whole.status, body: await whole.json() }).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    // maxBodyBytes in 1-byte chunks, then a stall: each chunk kept held tens of KB on Deno (16,384
    // chunks: +694 MB of RSS), a few hundred bytes on Node and Bun; copied, Deno's own garbage stays.
    const pid = server.child.pid as number;
    const before = _rssMb(pid);
    const exchange = rawSend(port, head, '1\r\nx\r\n'.repeat(MAX_BODY_BYTES));
    await _sleep(1500);
    const grown = _rssMb(pid) - before;
    exchange.socket.destroy();
    expect(grown).toBeLessThan(150);
  });

  test('a body framed by both Content-Length and chunked is refused 400 and the connection closed: the request it hides never runs', async () => {
    const hidden = 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n';
    const head = `POST ${ROUTE} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n`;
    const received = await rawSend(port, head, `0\r\n\r\n${hidden}`).closed;
    expect(parseResponse(received).status).toBe(400);
    expect(received).not.toContain('{"ok":true}');
  });

  test('after a 413 for a declared length, the body is never read as requests; the next request is answered where the runtime keeps the connection', async () => {
    const smuggled = 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n';
    const body = smuggled.repeat(Math.ceil((MAX_BODY_BYTES + 1) / smuggled.length));
    const head = `POST ${ROUTE} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${body.length}\r\n\r\n`;
    const next = 'GET /nowhere HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n';
    const received = await rawSend(port, head, body + next).closed;
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual(runtime.answersAfterRefusal ? [413, 404] : [413]);
    expect(received).not.toContain('{"ok":true}');
  });

  test('a 64 KB query string of 16,000 repeated keys is refused or routed by its path, never a 5xx, and the next request is served', async () => {
    const query = 'a=1&'.repeat(16_000);
    const head = `POST ${ROUTE}?${query} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n`;
    const answer = parseResponse(await rawSend(port, head, '{}').closed);
    // Node and Bun refuse a request head over 16 KB themselves; Deno hands it to the handler,
    // which reads the pathname alone and refuses the body for what it is.
    if (runtime.name === 'Deno') {
      expect({ status: answer.status, body: await answer.json() }).toMatchObject({
        status: 400,
        body: { error: 'invalid-envelope' },
      });
    } else expect(answer.status).toBe(431);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
  });

  test('prints nothing but JSON log lines while serving the suite (no stack trace)', () => {
    const lines = `${server.stdout()}\n${server.stderr()}`.split('\n').filter(Boolean);
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
  });

  test('logs a 12 KB path as one short line, and the start-up warning once after the whole suite', async () => {
    const refusals = () => `${server.stderr()}`.split('"reason":"method-not-allowed"').length;
    const before = refusals();
    // Node and Deno keep the dot segments in the URL they hand over; Bun resolves them first.
    const path = `${ROUTE}${'/../ses'.repeat(1700)}`;
    const head = `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`;
    expect(parseResponse(await rawSend(port, head).closed).status).toBe(405);
    while (refusals() === before) await _sleep(20);
    const lines = `${server.stdout()}\n${server.stderr()}`.split('\n').filter(Boolean);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of parsed)
      expect(line).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(4000);
    expect(parsed.filter((line) => line.variable === 'MAIL_WEBHOOK_SES_MAX_AGE')).toEqual([
      expect.objectContaining({ level: 'warn', didYouMean: 'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS' }),
    ]);
  });

  test('on SIGTERM stops accepting, finishes the in-flight request, then exits 0', async () => {
    const post = await signedSesPost(signer);
    const bytes = new TextEncoder().encode(post.body);
    const half = Math.floor(bytes.length / 2);
    let upload: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        upload = controller;
      },
    });
    const init = { method: 'POST', headers: post.headers, body, duplex: 'half' };
    const answer = fetch(`${base}${ROUTE}`, init as RequestInit);
    upload?.enqueue(bytes.slice(0, half));
    await serverCaughtUp(port);

    server.child.kill('SIGTERM');
    while (!server.stdout().includes('shutting down')) await _sleep(20);
    if (runtime.whileClosing === 'refused') expect(await _refused(port)).toBe(true);
    else {
      const draining = await fetch(`${base}/healthz`);
      expect(draining.status).toBe(runtime.whileClosing);
      // SNS and the other ESPs retry a 503; Retry-After says when.
      expect(draining.headers.get('retry-after')).toBe('1');
      await draining.body?.cancel();
      // Refused while draining, and logged as every refusal is.
      while (!server.stderr().includes('"reason":"shutting-down"')) await _sleep(20);
    }

    upload?.enqueue(bytes.slice(half));
    upload?.close();
    const response = await answer;
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    // Once the last in-flight request is answered, not at the shutdown grace (46 s here).
    const exited = await Promise.race([server.exit, _sleep(20_000).then(() => 'still running')]);
    expect(exited).toEqual({ code: 0, signal: null });
  });
}

describe.each(RUNTIMES)('the $name server shutting down with stalled clients', (runtime) => {
  test('exits 0 within the grace (bodyTimeoutMs + fetchTimeoutMs + deliveryTimeoutMs + 1 s) despite a client stalled in its headers and one stalled in its body', async () => {
    // Grace: 500 + 200 + 300 + 1000 ms. Without it, Bun waited for its idleTimeout (16 s here) on the
    // client stalled in its headers, and Deno for ever on the one stalled in its body (Deno
    // keeps that connection after its 408).
    const server = _start(runtime, {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
      MAIL_WEBHOOK_BODY_TIMEOUT_MS: '500',
      MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '300',
      MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '200',
    });
    const port = await _port(server);
    const inHeaders = rawSend(port, `POST ${ROUTE} HTTP/1.1\r\nHost: example.test\r\n`);
    const inBody = rawSend(
      port,
      `POST ${ROUTE} HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100\r\n\r\n{"Type":`,
    );
    await serverCaughtUp(port);
    const began = Date.now();
    server.child.kill('SIGTERM');
    // Bounds well past the 2 s grace on a loaded machine, and short of Bun's 16 s idleTimeout.
    const exited = await Promise.race([server.exit, _sleep(14_000).then(() => 'still running')]);
    expect(exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - began).toBeLessThan(12_000);
    // The client stalled in its body got its 408 before the process ended.
    expect(inBody.received()).toMatch(/^HTTP\/1\.1 408 /);
    inHeaders.socket.destroy();
    inBody.socket.destroy();
  });
});

describe.each(RUNTIMES)('the $name server whose stdout reader has gone', (runtime) => {
  test('keeps answering, and still writes its refusals to stderr', async () => {
    // docs/runtimes.md: a stream that cannot be written loses its lines and only those. Node's stdout
    // reported the closed pipe as an 'error' event nobody heard, and the process exited 1.
    const server = _start(runtime, {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
    });
    const port = await _port(server);
    server.child.stdout?.destroy();
    for (let round = 0; round < 3; round++) {
      const post = await signedSesPost(signer);
      const response = await fetch(`http://127.0.0.1:${port}${ROUTE}`, {
        method: 'POST',
        headers: post.headers,
        body: post.body,
      });
      expect({ round, body: await response.json() }).toEqual({
        round,
        body: { ok: true, events: 1 },
      });
      await _sleep(100);
    }
    const refused = await fetch(`http://127.0.0.1:${port}/nowhere`);
    expect(refused.status).toBe(404);
    await refused.body?.cancel();
    while (!server.stderr().includes('"reason":"not-found"')) await _sleep(20);
    expect(server.child.exitCode).toBe(null);
    server.child.kill('SIGKILL');
  });
});

describe.each(RUNTIMES)('the $name server at start-up', (runtime) => {
  test('a bad setting prints one JSON line naming the variable and exits 1', async () => {
    const server = _start(runtime, { MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots', PORT: '0' });
    expect(await server.exit).toEqual({ code: 1, signal: null });
    const lines = server.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'error',
      setting: 'MAIL_WEBHOOK_MAX_BODY_BYTES',
    });
  });

  test('a port in use prints one JSON line naming the address and its variables, and exits 1', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const server = _start(runtime, {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
        PORT: String(port),
      });
      expect(await server.exit).toEqual({ code: 1, signal: null });
      const lines = server.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] ?? '');
      expect(line).toMatchObject({ level: 'error', msg: 'start-up failed' });
      expect(line.error).toContain(`cannot listen on 127.0.0.1:${port} (HOST, PORT): `);
    } finally {
      taken.close();
    }
  });

  test('without HOST, the listening line names the every-interface address it listens on, not localhost', async () => {
    // docs/runtimes.md: HOST defaults to every interface. A line saying localhost would pass an exposed
    // server off as a loopback-only one (Bun's server.url says localhost for its wildcard).
    const server = _start(runtime, { HOST: '', PORT: '0' });
    try {
      const port = await _port(server);
      const line = server
        .stdout()
        .split('\n')
        .find((text) => text.includes('"msg":"listening"'));
      expect(JSON.parse(line ?? '{}').url).toMatch(/^http:\/\/(\[::\]|0\.0\.0\.0):\d+$/);
      // Every interface, IPv4 and IPv6 alike (Deno's own default was 0.0.0.0: IPv4 alone).
      for (const host of ['127.0.0.1', '[::1]']) {
        const answer = await fetch(`http://${host}:${port}/healthz`);
        expect({ host, status: answer.status }).toEqual({ host, status: 200 });
        await answer.body?.cancel();
      }
    } finally {
      server.child.kill('SIGKILL');
      await server.exit;
    }
  });

  test('HOST=[::1], an IPv6 address written as in a URL, listens there as HOST=::1 does', async () => {
    const server = _start(runtime, { HOST: '[::1]', PORT: '0' });
    try {
      const port = await _port(server);
      const line = server
        .stdout()
        .split('\n')
        .find((text) => text.includes('"msg":"listening"'));
      expect(JSON.parse(line ?? '{}').url).toBe(`http://[::1]:${port}`);
      const answer = await fetch(`http://[::1]:${port}/healthz`);
      expect(await answer.json()).toEqual({ ok: true });
    } finally {
      server.child.kill('SIGKILL');
      await server.exit;
    }
  });

  test('start-up warnings come out before the line saying why start-up failed', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const misspelt = { MAIL_WEBHOOK_SES_TOPIC_ARN: signer.topicArn };
    const messages = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
    try {
      // A port in use, and a bad setting: each after the misspelt variable's warning.
      for (const env of [
        { ...misspelt, PORT: String(port) },
        { ...misspelt, MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots', PORT: String(port) },
      ]) {
        const failed = _start(runtime, env);
        expect(await failed.exit).toEqual({ code: 1, signal: null });
        const said = messages(failed.stderr());
        expect(said[0]).toMatch(/^unknown variable MAIL_WEBHOOK_SES_TOPIC_ARN: /);
        expect(said.at(-1)).toBe('start-up failed');
      }
    } finally {
      taken.close();
    }
  });
});

test('npm run start:bun reads the environment alone, as the Node and Deno servers: not a .env file', async () => {
  // Bun loads .env from the working directory on its own: there, MAIL_WEBHOOK_ENABLED=true in a
  // stray file turned the webhooks on where Node and Deno kept them off.
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<
    string,
    string
  >;
  const [exec, command, ...args] = (scripts['start:bun'] ?? '').split(' ');
  expect([exec, command]).toEqual(['exec', 'bun']);
  const dir = mkdtempSync(join(work, 'dotenv-'));
  writeFileSync(join(dir, '.env'), 'MAIL_WEBHOOK_ENABLED=true\n');
  const child = spawn(
    join(process.cwd(), BUN),
    args.map((arg) => (arg.endsWith('.ts') ? join(process.cwd(), arg) : arg)),
    {
      cwd: dir,
      env: { ...CHILD_ENV, HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    const port = await listeningPort(
      () => output,
      () => child.exitCode !== null,
      START_TIMEOUT_MS,
    );
    expect(output).toContain('mail webhooks are disabled');
    const answer = await fetch(`http://127.0.0.1:${port}${ROUTE}`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(404);
    await answer.body?.cancel();
  } finally {
    child.kill('SIGKILL');
  }
});

const BODY_TIMEOUT_MS = 300;

/** Starts `runtime`'s server with MAIL_WEBHOOK_BODY_TIMEOUT_MS set; resolves once it is healthy. */
async function _serveWithBodyTimeout(runtime: Runtime, bodyTimeoutMs: number) {
  const server = _start(runtime, {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
    MAIL_WEBHOOK_BODY_TIMEOUT_MS: String(bodyTimeoutMs),
  });
  const port = await _port(server);
  await _waitHealthy(`http://127.0.0.1:${port}`, server);
  return { server, port };
}

/** A signed SES POST that declares its whole length and then stops after 40 bytes of body. */
async function _stalledPost(port: number) {
  const post = await signedSesPost(signer);
  const fields = Object.entries({ ...post.headers, host: `127.0.0.1:${port}` })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const head = `POST ${ROUTE} HTTP/1.1\r\n${fields}content-length: ${post.body.length}\r\n\r\n`;
  return { started: Date.now(), exchange: rawSend(port, head, post.body.slice(0, 40)) };
}

describe.each(RUNTIMES)('the $name server with MAIL_WEBHOOK_BODY_TIMEOUT_MS', (runtime) => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    ({ server, port } = await _serveWithBodyTimeout(runtime, BODY_TIMEOUT_MS));
  }, START_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  });

  test('answers a stalled body 408 body-timeout in time, and closes the connection where the runtime can', async () => {
    const { started, exchange } = await _stalledPost(port);
    // The upper bounds catch a deadline not applied (the default is 30 s), not a slow answer: a
    // loaded machine took seconds more than the 300 ms.
    const answered = await headReceived(exchange, BODY_TIMEOUT_MS + 15_000);
    const elapsed = Date.now() - started;
    expect(answered.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(elapsed).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + 12_000);
    if (runtime.closesStalledConnection) {
      const closed = await Promise.race([
        exchange.closed.then(() => 'closed'),
        _sleep(10_000).then(() => 'still open 10 s after the answer'),
      ]);
      expect(closed).toBe('closed');
    } else {
      exchange.socket.destroy();
    }
    const response = parseResponse(exchange.received());
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ ok: false, error: 'body-timeout' });
  });

  test('logs a body stalled after slow headers once, as a 408 naming the route', async () => {
    // Node's clock starts at the first byte, the body read's later: Node's 408 came first and was
    // logged without a path, then the handler's read failed as the connection closed (a second
    // line, 400 body-unreadable), where Deno and Bun log the one 408. The route with a trailing
    // slash tells this request's lines from an earlier test's.
    const path = `${ROUTE}/`;
    const refusals = () =>
      server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('"msg":"request refused"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.path === path || line.path === undefined);
    const before = refusals().length;
    const since = () => refusals().slice(before);
    const exchange = rawSend(port, `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
    await _sleep(BODY_TIMEOUT_MS / 2);
    exchange.socket.write('content-length: 100\r\n\r\n{"Type":');
    expect((await headReceived(exchange, BODY_TIMEOUT_MS + 15_000)).split('\r\n')[0]).toBe(
      'HTTP/1.1 408 Request Timeout',
    );
    while (!since().some((line) => line.path === path)) await _sleep(20);
    exchange.socket.destroy();
    expect(since()).toEqual([
      expect.objectContaining({ esp: 'ses', path, status: 408, reason: 'body-timeout' }),
    ]);
  });

  test('still serves a whole request after one stalled', async () => {
    const post = await signedSesPost(signer);
    const response = await fetch(`http://127.0.0.1:${port}${ROUTE}`, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
    });
    expect(await response.json()).toEqual({ ok: true, events: 1 });
  });
});

// Above Bun's own idle timeout (10 s by default), which dropped such a body with no answer.
const LONG_BODY_TIMEOUT_MS = 12_000;

describe('the Bun server with a body deadline past Bun’s default idle timeout', () => {
  const bun = RUNTIMES.find((runtime) => runtime.name === 'Bun') as Runtime;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    ({ server, port } = await _serveWithBodyTimeout(bun, LONG_BODY_TIMEOUT_MS));
  }, START_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  });

  test('answers a body stalled for 12 s 408 body-timeout instead of dropping the connection at 10 s', async () => {
    const { started, exchange } = await _stalledPost(port);
    const answered = await headReceived(exchange, LONG_BODY_TIMEOUT_MS + 20_000);
    const elapsed = Date.now() - started;
    exchange.socket.destroy();
    expect(answered.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(elapsed).toBeGreaterThanOrEqual(LONG_BODY_TIMEOUT_MS - 50);
    expect(await parseResponse(exchange.received()).json()).toMatchObject({
      ok: false,
      error: 'body-timeout',
    });
  });
});

// Few enough that a crowd of clients holds every one (a server starts with a few dozen open).
const FEW_DESCRIPTORS = 64;
const CROWD = 150;

describe.each(RUNTIMES)('the $name server out of file descriptors', (runtime) => {
  test('keeps running while clients hold every descriptor, and serves again once they let go', {
    timeout: START_TIMEOUT_MS + 30_000,
  }, async () => {
    const limited = {
      ...runtime,
      command: 'sh',
      args: [
        '-c',
        `ulimit -n ${FEW_DESCRIPTORS} && exec "$0" "$@"`,
        runtime.command,
        ...runtime.args,
      ],
    };
    const server = _start(limited, {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
    });
    try {
      const base = `http://127.0.0.1:${await _port(server)}`;
      await _waitHealthy(base, server);
      const port = Number(new URL(base).port);
      const crowd = Array.from({ length: CROWD }, () =>
        rawSend(port, `POST ${ROUTE} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100\r\n\r\n{`),
      );
      await _sleep(1500);
      for (const exchange of crowd) exchange.socket.destroy();
      // Deno's accept loop ended at the first "too many open files", and the process with it.
      await _waitHealthy(base, server);
      const post = await signedSesPost(signer);
      const response = await fetch(`${base}${ROUTE}`, {
        method: 'POST',
        headers: post.headers,
        body: post.body,
      });
      expect(await response.json()).toEqual({ ok: true, events: 1 });
      const lines = `${server.stdout()}\n${server.stderr()}`.split('\n').filter(Boolean);
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
