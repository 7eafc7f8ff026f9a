/** Blind, second pass: the packaged servers' store, body deadline, shutdown and HOST forms. */
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rawSend, serverCaughtUp } from '../runtimes/raw-http.js';
import { postSnsBounce as post, snsBounceText } from './deploy-helpers.js';
import {
  listeningPort,
  listeningUrl,
  local,
  localOn,
  logLines,
  start,
  startBun,
  startDeno,
  startupFailure,
  useInstalledPackage,
  withProc,
} from './deploy-proc.js';

const pkg = useInstalledPackage();
const nodeServer = (env: Record<string, string>) => start(process.execPath, [pkg.nodeServer], env);

/** The start of a POST whose body (100 bytes announced) stalls after its first four. */
const STALLED =
  'POST /webhooks/mail/ses HTTP/1.1\r\nHost: x\r\nx-amz-sns-message-type: Notification\r\nContent-Length: 100\r\n\r\n{"Ty';

/**
 * Sends a stalled request and reads the answer until the server closes the connection, or,
 * with `until`, until the answer contains it; after 30 s the client gives up (and says so): that
 * bounds a hang, however loaded the machine.
 */
function stalledAnswer(port: number, until?: string) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (value: string) => {
      socket.destroy();
      resolve(value);
    };
    socket.on('data', (c) => {
      text += c.toString();
      if (until && text.includes(until)) done(text);
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(STALLED);
    setTimeout(() => done(`${text}<<client gave up>>`), 30_000);
  });
}

describe.each([['bun'], ['deno']] as const)(
  '%s server with MAIL_WEBHOOK_SQLITE_PATH',
  (runtime) => {
    it('keeps the suppression list and serves it behind MAIL_WEBHOOK_API_TOKEN', async () => {
      const file = `${pkg.dir}/${runtime}-store.sqlite`;
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
        rmSync(f, { force: true });
      const env = {
        ...localOn(),
        MAIL_WEBHOOK_SQLITE_PATH: file,
        MAIL_WEBHOOK_API_TOKEN: 'tok-sqlite',
      };
      await withProc(
        runtime === 'bun'
          ? startBun(env)
          : startDeno(env, [`--allow-read=${file}`, `--allow-write=${file}`]),
        async (server) => {
          const base = `${await listeningUrl(server, 30_000)}/webhooks/mail`;
          const r = await post(`${base}/ses`);
          expect(r.status).toBe(200);
          expect(await r.json()).toEqual({ ok: true, events: 2 });
          const s = await fetch(`${base}/suppressions/jane@example.com`, {
            headers: { authorization: 'Bearer tok-sqlite' },
          });
          expect(s.status).toBe(200);
          expect(await s.json()).toEqual({
            suppressed: true,
            reason: 'bounced',
            provider: 'ses',
            since: '2016-01-27T14:59:38.237Z',
          });
          expect((await fetch(`${base}/suppressions/jane@example.com`)).status).toBe(401);
          const history = await fetch(`${base}/events?recipient=richard@example.com`, {
            headers: { authorization: 'Bearer tok-sqlite' },
          });
          const { events } = (await history.json()) as { events: { eventType: string }[] };
          expect(events.map((e) => e.eventType)).toEqual(['bounced']);
          server.kill('SIGTERM');
          expect(await server.exit).toBe(0);
        },
      );
    });
  },
);

describe.each([['bun'], ['deno']] as const)('%s server body deadline', (runtime) => {
  it('a body stalled past MAIL_WEBHOOK_BODY_TIMEOUT_MS is answered 408 body-timeout', async () => {
    const env = {
      ...localOn(),
      MAIL_WEBHOOK_BODY_TIMEOUT_MS: '400',
    };
    await withProc(runtime === 'bun' ? startBun(env) : startDeno(env), async (server) => {
      const answer = await stalledAnswer(await listeningPort(server, 30_000), 'body-timeout');
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toContain('body-timeout');
    });
  });
});

describe('node server', () => {
  it('MAIL_WEBHOOK_API_TOKEN without a store stops start-up naming it', async () => {
    await withProc(
      nodeServer({
        ...local(),
        MAIL_WEBHOOK_API_TOKEN: 'tok',
      }),
      async (server) => {
        expect(await server.exit).toBe(1);
        const failed = startupFailure(server);
        expect(failed?.setting).toBe('MAIL_WEBHOOK_API_TOKEN');
        expect(server.stderr()).not.toContain('"tok"');
      },
    );
  });

  it('a body stalled past MAIL_WEBHOOK_BODY_TIMEOUT_MS is answered 408 body-timeout and the connection closed', async () => {
    await withProc(
      nodeServer({
        ...localOn(),
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '400',
      }),
      async (server) => {
        const answer = await stalledAnswer(await listeningPort(server));
        expect(answer).toMatch(/^HTTP\/1\.1 408/);
        expect(answer).toContain('body-timeout');
        expect(answer).not.toContain('<<client gave up>>');
      },
    );
  });

  it('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    await withProc(nodeServer(localOn()), async (server) => {
      const body = Buffer.from(snsBounceText);
      const request = await openRequest(
        await listeningPort(server),
        `POST /webhooks/mail/ses HTTP/1.1\r\nHost: x\r\nx-amz-sns-message-type: Notification\r\nx-amz-sns-message-id: 5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body.subarray(0, 50)}`,
      );
      // The signal arrives while the body is still on its way.
      server.kill('SIGTERM');
      await server.waitFor(/shutting down/);
      request.socket.write(body.subarray(50));
      const result = await request.closed;
      expect(result).toMatch(/^HTTP\/1\.1 200/);
      expect(result).toContain('"events":2');
      expect(await server.exit).toBe(0);
    });
  });

  it('Worker-only variables (dead-letter replay, the queue binding) are reported, not silently ignored', async () => {
    await withProc(
      nodeServer({
        ...local(),
        MAIL_WEBHOOK_DLQ_REPLAY: 'true',
        MAIL_WEBHOOK_DLQ_NAME: 'mailhooks-events-dlq',
        MAIL_WEBHOOK_QUEUE: 'mailhooks-events',
      }),
      async (server) => {
        await server.waitFor(/listening/);
        const lines = logLines(server);
        for (const variable of [
          'MAIL_WEBHOOK_DLQ_REPLAY',
          'MAIL_WEBHOOK_DLQ_NAME',
          'MAIL_WEBHOOK_QUEUE',
        ]) {
          const line = lines.find((l) => l.variable === variable);
          expect(line, variable).toMatchObject({ level: 'warn' });
          expect(String(line?.msg)).toContain('Worker');
        }
      },
    );
  });

  it('HOST=[::1] (bracketed IPv6) is accepted', async () => {
    await withProc(nodeServer({ PORT: '0', HOST: '[::1]' }), async (server) => {
      const outcome = await Promise.race([
        listeningUrl(server),
        server.exit.then((c) => `exit ${c}`),
      ]);
      if (outcome.startsWith('http')) {
        expect(outcome).toMatch(/^http:\/\/\[::1\]:\d+$/);
        const health = await fetch(`${outcome}/healthz`);
        expect(health.status).toBe(200);
      } else {
        // No IPv6 on this host: the failure must name the address and the variables, not the syntax.
        const failed = startupFailure(server);
        expect(String(failed?.error)).toContain('(HOST, PORT)');
      }
    });
  });
});

/** Sends `head` (a request whose body has not all arrived) and returns once the server has taken it. */
async function openRequest(port: number, head: string) {
  const exchange = rawSend(port, head);
  await serverCaughtUp(port);
  return exchange;
}

/** A request whose body stalls after its first bytes; the socket stays open until closed. */
const stalledRequest = (port: number) => openRequest(port, STALLED);

describe.each([['node'], ['bun']] as const)('%s server shutdown', (runtime) => {
  it('a second signal ends the process at once, without waiting for the stalled request', async () => {
    const env = localOn();
    const server = runtime === 'node' ? nodeServer(env) : startBun(env);
    let stalled: Awaited<ReturnType<typeof stalledRequest>> | undefined;
    try {
      stalled = await stalledRequest(await listeningPort(server, 30_000));
      server.kill('SIGTERM');
      await server.waitFor(/shutting down/);
      await new Promise((r) => setTimeout(r, 200));
      // Still draining: the stalled body has 30 s (bodyTimeoutMs) to arrive.
      expect(server.child.exitCode).toBeNull();
      server.kill('SIGTERM');
      const code = await Promise.race([
        server.exit,
        new Promise((r) => setTimeout(() => r('still running'), 20_000)),
      ]);
      expect(code).not.toBe('still running');
    } finally {
      stalled?.socket.destroy();
      server.kill('SIGKILL');
    }
  });
});

describe('deno server shutdown', () => {
  it('while draining, a new request is answered 503 with Retry-After: 1', async () => {
    const server = startDeno(localOn());
    let stalled: Awaited<ReturnType<typeof stalledRequest>> | undefined;
    try {
      const url = await listeningUrl(server, 30_000);
      stalled = await stalledRequest(Number(new URL(url).port));
      server.kill('SIGTERM');
      await server.waitFor(/shutting down/);
      const response = await post(`${url}/webhooks/mail/ses`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect((await response.json()).error).toBe('shutting-down');
      // The in-flight request still gets its answer once its body arrives.
      stalled.socket.write(`${'x'.repeat(96)}`);
      stalled.socket.end();
      expect(await server.exit).toBe(0);
      expect(stalled.received()).toMatch(/^HTTP\/1\.1 400/);
    } finally {
      stalled?.socket.destroy();
      server.kill('SIGKILL');
    }
  });
});

describe('HOST', () => {
  it('a host name that does not resolve stops start-up naming HOST and PORT', async () => {
    await withProc(
      nodeServer({
        PORT: '0',
        HOST: 'no-such-host.invalid',
      }),
      async (server) => {
        expect(await server.exit).toBe(1);
        const failed = startupFailure(server);
        expect(String(failed?.error)).toContain('(HOST, PORT)');
      },
    );
  });

  it('PORT out of range stops start-up naming PORT', async () => {
    await withProc(nodeServer(local(70000)), async (server) => {
      expect(await server.exit).toBe(1);
      expect(JSON.stringify(startupFailure(server))).toContain('PORT');
    });
  });
});
