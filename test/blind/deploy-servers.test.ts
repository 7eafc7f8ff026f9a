/** Blind: the packaged Node, Bun and Deno servers started as a user starts them. */
import { describe, expect, it } from 'vitest';
import { parseJsonLines, postSnsBounce as post } from './deploy-helpers.js';
import {
  listeningPort,
  listeningUrl,
  local,
  localOn,
  logLines,
  type Proc,
  start,
  startBun,
  startDeno,
  startupFailure,
  useInstalledPackage,
  withProc,
} from './deploy-proc.js';

const pkg = useInstalledPackage();

const nodeServer = (env: Record<string, string>) =>
  start(process.execPath, ['--max-semi-space-size=1', '--single-threaded-gc', pkg.nodeServer], env);

type Runtime = { name: string; launch: (env: Record<string, string>) => Proc };
const runtimes: Runtime[] = [
  { name: 'node', launch: nodeServer },
  { name: 'bun', launch: startBun },
  { name: 'deno', launch: (env) => startDeno(env) },
];

describe.each(runtimes.map((r) => [r.name, r] as const))('%s packaged server', (_name, runtime) => {
  it('PORT and HOST: healthz 200 while disabled, webhooks 404, a warning says so; SIGTERM exits 0', async () => {
    await withProc(runtime.launch(local()), async (server) => {
      const url = await listeningUrl(server);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });
      const hook = await post(`${url}/webhooks/mail/ses`);
      expect(hook.status).toBe(404);
      const lines = logLines(server);
      const disabled = lines.filter((l) => l.level === 'warn' && /disabled/.test(String(l.msg)));
      expect(disabled).toHaveLength(1);
      expect(String(disabled[0]?.msg)).toContain('MAIL_WEBHOOK_ENABLED=true');
      server.kill('SIGTERM');
      expect(await server.exit).toBe(0);
      expect(logLines(server).some((l) => String(l.msg).startsWith('shutting down'))).toBe(true);
    });
  });

  it('enabled, verification off: the bundled bounce is 200 with two events, each logged', async () => {
    await withProc(runtime.launch(localOn()), async (server) => {
      const url = await listeningUrl(server);
      const response = await post(`${url}/webhooks/mail/ses`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, events: 2 });
      await server.waitFor(/richard@example\.com/);
      const events = logLines(server).filter((l) => l.msg === 'event');
      expect(events.map((l) => l.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
      // Start-up warnings come before the listening line.
      const all = server.stdout();
      const lines = parseJsonLines(all);
      const listening = lines.findIndex((l) => l.msg === 'listening');
      const verifyOff = lines.findIndex((l) => l.level === 'warn' && l.esp === 'ses');
      if (verifyOff >= 0 && listening >= 0) expect(verifyOff).toBeLessThan(listening);
      server.kill('SIGINT');
      expect(await server.exit).toBe(0);
    });
  });

  it('a bad setting: one start-up failed JSON line on stderr naming the variable, exit 1', async () => {
    await withProc(
      runtime.launch({
        ...local(),
        MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots',
      }),
      async (server) => {
        expect(await server.exit).toBe(1);
        const failed = parseJsonLines(server.stderr()).filter((l) => l.msg === 'start-up failed');
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({
          level: 'error',
          setting: 'MAIL_WEBHOOK_MAX_BODY_BYTES',
        });
        expect(server.stdout()).not.toMatch(/"msg":"listening"/);
      },
    );
  });

  it('a port in use: exit 1, the error names the address and HOST, PORT', async () => {
    await withProc(runtime.launch(local()), async (first) => {
      const port = await listeningPort(first);
      await withProc(runtime.launch(local(port)), async (second) => {
        expect(await second.exit).toBe(1);
        const failed = startupFailure(second);
        expect(String(failed?.error)).toContain(`127.0.0.1:${port} (HOST, PORT)`);
      });
    });
  });

  it('a bad PORT stops start-up naming PORT', async () => {
    await withProc(runtime.launch({ PORT: 'eighty', HOST: '127.0.0.1' }), async (server) => {
      expect(await server.exit).toBe(1);
      const failed = startupFailure(server);
      expect(JSON.stringify(failed)).toContain('PORT');
    });
  });
});

describe('node server specifics', () => {
  it('MAIL_WEBHOOK_SQLITE_PATH on Node 20 stops start-up naming the version', async () => {
    if (Number(process.versions.node.split('.')[0]) >= 22) return;
    await withProc(
      nodeServer({
        ...local(),
        MAIL_WEBHOOK_SQLITE_PATH: `${pkg.dir}/never.sqlite`,
      }),
      async (server) => {
        expect(await server.exit).toBe(1);
        const failed = startupFailure(server);
        expect(failed?.setting).toBe('MAIL_WEBHOOK_SQLITE_PATH');
        expect(String(failed?.error)).toMatch(/22\.5/);
      },
    );
  });

  it('MAIL_WEBHOOK_PORT is reported with didYouMean PORT before the listening line', async () => {
    await withProc(
      nodeServer({
        ...local(),
        MAIL_WEBHOOK_PORT: '9999',
      }),
      async (server) => {
        const url = await listeningUrl(server);
        const lines = logLines(server);
        expect(lines.find((l) => l.variable === 'MAIL_WEBHOOK_PORT')).toMatchObject({
          level: 'warn',
          didYouMean: 'PORT',
        });
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
      },
    );
  });
});
