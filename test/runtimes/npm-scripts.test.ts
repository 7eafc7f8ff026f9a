/** `npm run start:deno` / `start:bun` / `start:node`: a signal sent to npm reaches the server, and Ctrl-C counts once. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { listeningPort, TRIAL_SERVER_ENV } from '../helpers/child-runtime.js';
import { rawSend, serverCaughtUp } from './raw-http.js';

const SCRIPTS = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
const BOUNCE = readFileSync('examples/sns-bounce.json', 'utf8');
const HEAD = [
  'POST /webhooks/mail/ses HTTP/1.1',
  'Host: 127.0.0.1',
  'x-amz-sns-message-type: Notification',
  'x-amz-sns-message-id: 5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01',
  `Content-Length: ${Buffer.byteLength(BOUNCE)}`,
  '',
  '',
].join('\r\n');

const started = new Set<ChildProcess>();
// Each npm runs in a group of its own: the group is killed, so a server left behind by a failed
// test (npm gone, the server not) does not outlive the run.
afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // The group has exited.
    }
  }
});

/** `npm run --silent <script>` in a process group of its own, as a terminal runs a job. */
function _npmRun(script: string) {
  const child = spawn('npm', ['run', '--silent', script], {
    detached: true,
    env: TRIAL_SERVER_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, output: () => output };
}

/** True when nothing listens on the port any more. */
const _refused = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    async (answer) => {
      await answer.body?.cancel();
      return false;
    },
    () => true,
  );

/** Starts `script`, sends `signal` to npm (or its whole group) mid-request, and checks the drain. */
async function _drainsOn(script: string, signal: NodeJS.Signals, to: 'npm' | 'group') {
  const run = _npmRun(script);
  const pid = run.child.pid as number;
  const port = await listeningPort(run.output, () => run.child.exitCode !== null, 30_000);
  const inFlight = rawSend(port, HEAD, BOUNCE.slice(0, 100));
  await serverCaughtUp(port);
  process.kill(to === 'group' ? -pid : pid, signal);
  // The server says it is shutting down before the rest of the body is sent.
  await expect.poll(run.output, { timeout: 20_000 }).toMatch(/"shutting down/);
  inFlight.socket.write(BOUNCE.slice(100));
  await expect.poll(inFlight.received, { timeout: 20_000 }).toContain('"events":2}');
  expect(inFlight.received().split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  expect(await run.exit).toEqual({ code: 0, signal: null });
  expect(await _refused(port)).toBe(true);
}

// start:node builds dist/ first, which other tests may be reading: its script is checked as
// text below, and Deno's and Bun's are run. (The Node and Bun servers' answer to the copy of a
// Ctrl-C that npm forwards is tested in node-server.test.ts: whether npm sends it within 100 ms
// is up to a loaded machine.)
test.each([
  ['start:deno', 'SIGTERM'],
  ['start:deno', 'SIGINT'],
  ['start:bun', 'SIGTERM'],
  ['start:bun', 'SIGINT'],
] as const)(
  'npm run %s, %s sent to npm (a container stop, a supervisor): the in-flight request is answered, then npm exits 0 and the port is free',
  (script, signal) => _drainsOn(script, signal, 'npm'),
);

test('npm run start:deno, Ctrl-C (SIGINT to the whole process group, which npm forwards again): the same', () =>
  _drainsOn('start:deno', 'SIGINT', 'group'));

test('every start script execs its server (npm start, wrangler), so npm hands it the signals it forwards', () => {
  // Without exec, npm's SIGTERM ended the shell between them and left the server running.
  expect(SCRIPTS['start:node']).toMatch(/^tsc -b tsconfig.build.json && exec node /);
  expect(SCRIPTS['start:deno']).toMatch(/^DENO_NO_UPDATE_CHECK=1 exec deno run /);
  expect(SCRIPTS['start:bun']).toMatch(/^exec bun /);
  expect(SCRIPTS.start).toMatch(/^WRANGLER_SEND_METRICS=false exec wrangler dev /);
});
