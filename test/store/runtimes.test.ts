/** The store on Bun's and Deno's own SQLite: the shared cases, and the servers with MAIL_WEBHOOK_SQLITE_PATH. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import {
  BUN,
  bundleNodeServer,
  CHILD_TEST_TIMEOUT_MS,
  DENO,
  DENO_START_FLAGS,
  expectBunTestPasses,
  listeningPort,
  runChild,
  runDenoTest,
  TRIAL_SERVER_ENV,
} from '../helpers/child-runtime.js';
import { envelope, snsHeaders } from '../helpers/envelope.js';
import { sqliteCases, storeCases, TOKEN } from './cases.js';

const work = mkdtempSync(join(tmpdir(), 'mailhooks-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the store cases on other runtimes', () => {
  const expected = storeCases.length + sqliteCases.length;

  it(`passes all ${expected} under Deno (node:sqlite)`, {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    const { code, output } = await runDenoTest('test/store/store.deno.ts');
    expect(output).toMatch(new RegExp(`ok \\| ${expected} passed \\| 0 failed`));
    expect(code).toBe(0);
  });

  it(`passes all ${expected} under Bun (bun:sqlite)`, {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    await expectBunTestPasses('./test/store/store.bun.ts', expected);
  });
});

describe("the SQLite store's transactions under Bun", () => {
  it('rolls a failed batch back, gives up on a lock held past its wait, retries the tables, refuses D1', {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    await expectBunTestPasses('./test/store/sqlite-driver.bun.ts', 4);
  });
});

describe('MAIL_WEBHOOK_SQLITE_PATH opened under Bun (bun:sqlite)', () => {
  it('leaves no busy timeout, and names the variable for a file it cannot open', {
    timeout: CHILD_TEST_TIMEOUT_MS,
  }, async () => {
    await expectBunTestPasses('./test/store/open-sqlite.bun.ts', 2);
  });
});

describe('a SQLite file whose write lock another connection holds', () => {
  // The store waits for the lock between tries: a timer of the same process releases it. A wait
  // inside the driver (busy_timeout) would hold the event loop, so the timer could not fire and
  // the bounce would be refused 503 store-failed.
  const script = 'test/store/write-lock.run.ts';
  const runs = [
    { name: 'Bun', run: (db: string) => runChild(BUN, ['--no-install', script, db]) },
    {
      name: 'Deno',
      run: (db: string) =>
        runChild(DENO, [
          'run',
          ...DENO_START_FLAGS,
          `--allow-read=${work}`,
          `--allow-write=${work}`,
          script,
          db,
        ]),
    },
  ];
  it.each(runs)(
    'under $name: the request waits, the server still running, and is answered 200 once it is released',
    { timeout: CHILD_TEST_TIMEOUT_MS },
    async ({ name, run }) => {
      const { code, output } = await run(join(work, `${name}-locked.sqlite`));
      expect(output.trim()).toBe('200 {"ok":true,"events":1}');
      expect(code).toBe(0);
    },
  );
});

const SERVERS = [
  {
    name: 'Bun',
    command: BUN,
    args: ['--no-install', '--no-env-file', 'src/bin/bun.ts'],
  },
  {
    name: 'Deno',
    command: DENO,
    // The flags of `npm run start:deno`, and the database file's directory.
    args: [
      'run',
      ...DENO_START_FLAGS,
      `--allow-read=${work}`,
      `--allow-write=${work}`,
      'src/bin/deno.ts',
    ],
  },
  {
    // The script itself: it lets Deno read and write MAIL_WEBHOOK_SQLITE_PATH (and only that
    // file) when the variable is set. In its own process group, so npm, sh and Deno all stop.
    name: 'npm run start:deno',
    command: 'npm',
    args: ['run', '--silent', 'start:deno'],
    group: true,
  },
];

describe.each(SERVERS)(
  'the $name server with MAIL_WEBHOOK_SQLITE_PATH',
  ({ name, command, args, group }) => {
    it('keeps a bounce in the file, in write-ahead-log mode, serves the suppression, and on SIGTERM exits 0 with no -wal file left', async () => {
      const child = spawn(command, args, {
        detached: group === true,
        env: {
          ...TRIAL_SERVER_ENV,
          MAIL_WEBHOOK_SQLITE_PATH: join(work, `${name}.sqlite`),
          MAIL_WEBHOOK_API_TOKEN: TOKEN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      try {
        const port = await listeningPort(
          () => output,
          () => child.exitCode !== null,
          20_000,
        );
        const base = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 20_000;
        while (
          !(await fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(output);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const message = envelope(bounce, { timestamp: new Date().toISOString() });
        const posted = await fetch(`${base}/webhooks/mail/ses`, {
          method: 'POST',
          body: JSON.stringify(message),
          headers: snsHeaders(message),
        });
        expect(posted.status).toBe(200);
        // Bytes 18 and 19 of a SQLite file: 2 when it is in write-ahead-log mode.
        expect([...readFileSync(join(work, `${name}.sqlite`)).subarray(18, 20)]).toEqual([2, 2]);
        const asked = await fetch(`${base}/webhooks/mail/suppressions/recipient@example.com`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(await asked.json()).toEqual({
          suppressed: true,
          reason: 'bounced',
          provider: 'ses',
          since: bounce.bounce.timestamp,
        });
        // The routes' bearer check, the history and the lift, as on the Worker.
        const route = `${base}/webhooks/mail/suppressions/recipient@example.com`;
        const bare = await fetch(route);
        expect([bare.status, bare.headers.get('www-authenticate')]).toEqual([
          401,
          'Bearer realm="mailhooks"',
        ]);
        await bare.body?.cancel();
        const wrong = await fetch(route, { headers: { authorization: 'Bearer not-the-token' } });
        expect(await wrong.json()).toMatchObject({ ok: false, error: 'secret-mismatch' });
        const history = await fetch(`${base}/webhooks/mail/events?type=bounced&limit=5`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const { events } = (await history.json()) as { events: { recipient: string }[] };
        expect(events.map((event) => event.recipient)).toEqual(['recipient@example.com']);
        const lifted = await fetch(route, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(await lifted.json()).toEqual({ suppressed: false });
        expect(output).not.toContain(TOKEN);
        expect(output).not.toContain('not-the-token');
        // Stopped (the npm run by a terminal's Ctrl-C to its group, npm forwarding a copy), the
        // server exits 0 and closes the file: the log is written into it, no `-wal` left beside.
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        if (group && child.pid) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(existsSync(join(work, `${name}.sqlite-wal`))).toBe(false);
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          if (group && child.pid) process.kill(-child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        }
      }
    });
  },
);

describe('the Node server with MAIL_WEBHOOK_SQLITE_PATH', () => {
  it.runIf(!process.getBuiltinModule?.('node:sqlite'))(
    'stops at start-up naming the variable and the Node version without node:sqlite',
    { timeout: CHILD_TEST_TIMEOUT_MS },
    async () => {
      const entry = join(work, 'node-server.mjs');
      await bundleNodeServer(entry);
      const { code, output } = await runChild(process.execPath, [entry], {
        PORT: '0',
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SQLITE_PATH: join(work, 'node.sqlite'),
      });
      expect(code).toBe(1);
      const line = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
      expect(line).toMatchObject({ level: 'error', setting: 'MAIL_WEBHOOK_SQLITE_PATH' });
      expect(line.error).toContain(`Node ${process.versions.node}`);
      expect(line.error).toContain('22.5');
    },
  );
});
