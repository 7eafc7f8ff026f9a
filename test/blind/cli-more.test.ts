// DESIGN "The mailhooks command", beyond cli.test.ts: every provider's samples end to end, the
// trigger body and its signature for every event type, exit codes on refusals; and the packaged
// Node server reading its settings from the environment.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/env/index.js';
import {
  brevo,
  createMailWebhookHandler,
  decodeTrackingEvent,
  type EmailTrackingContext,
  loops,
  mailersend,
  mailgun,
  mailjet,
  mailpace,
  mailtrap,
  mandrill,
  postal,
  postmark,
  resend,
  type Sink,
  scaleway,
  sendgrid,
  ses,
  sesEventBridge,
  sparkpost,
  TRACKING_EVENT_TYPES,
  unisenderGo,
} from '../../src/index.js';
import { CHILD_ENV, listeningPort } from '../helpers/child-runtime.js';
import { installPackage } from '../helpers/installed-package.js';
import { newWhsec, recordingLogger } from './helpers.js';

const INSTALL = mkdtempSync(join(tmpdir(), 'blind-cli-more-'));
const PACKAGE = join(INSTALL, 'node_modules/mailhooks');
const CLI = join(PACKAGE, 'dist/cli/main.js');
const KEYS = mkdtempSync(join(tmpdir(), 'blind-cli-keys-'));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: INSTALL, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs `jobs` with at most `width` at a time, in order of their results. */
async function pooled<T>(jobs: (() => Promise<T>)[], width = 6): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await (jobs[i] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

let BASE = '';
let server: Server;
const taken: EmailTrackingContext[] = [];
const captured: { path: string; headers: Record<string, string>; body: string }[] = [];
const RESEND = newWhsec();
const LOOPS = newWhsec();
const keyFiles: Record<string, string> = {};
const publicKeys: Record<string, string> = {};
let handler: (request: Request) => Promise<Response>;

function build(): void {
  const sink: Sink = {
    name: 'taken',
    async send(events) {
      taken.push(...events);
    },
  };
  handler = createMailWebhookHandler({
    providers: [
      ses({ verifySignature: false }),
      resend({ secret: RESEND }),
      sendgrid({ publicKey: publicKeys.sendgrid as string }),
      mailgun({ signingKey: 'mg-key' }),
      postmark({ password: 'pm-pass' }),
      brevo({ token: 'brevo-token' }),
      mailjet({ header: 'X-Hook', value: 'mj-value' }),
      sparkpost({ password: 'sp-pass', username: 'sp-user' }),
      unisenderGo({ apiKey: 'usg-key' }),
      mailersend({ secret: 'ms-secret' }),
      mailtrap({ secret: 'mt-secret' }),
      mandrill({ webhookKey: 'md-key', url: `${BASE}/webhooks/mail/mandrill` }),
      postal({ publicKey: publicKeys.postal as string }),
      sesEventBridge({ token: 'eb-token', accounts: ['123456789012'] }),
      mailpace({ publicKey: publicKeys.mailpace as string }),
      loops({ secret: LOOPS }),
      scaleway({ verifySignature: false }),
    ],
    sinks: [sink],
    logger: recordingLogger(),
  });
}

/** The credentials `send` takes for each provider (DESIGN "The mailhooks command", docs/cli.md). */
const CREDENTIALS: Record<string, () => string[]> = {
  ses: () => [],
  resend: () => ['--secret', RESEND],
  sendgrid: () => ['--private-key', keyFiles.sendgrid as string],
  mailgun: () => ['--secret', 'mg-key'],
  postmark: () => ['--password', 'pm-pass'],
  brevo: () => ['--token', 'brevo-token'],
  mailjet: () => ['--header', 'X-Hook: mj-value'],
  sparkpost: () => ['--username', 'sp-user', '--password', 'sp-pass'],
  'unisender-go': () => ['--secret', 'usg-key'],
  mailersend: () => ['--secret', 'ms-secret'],
  mailtrap: () => ['--secret', 'mt-secret'],
  mandrill: () => ['--secret', 'md-key'],
  postal: () => ['--private-key', keyFiles.postal as string],
  'ses-eventbridge': () => ['--token', 'eb-token'],
  mailpace: () => ['--private-key', keyFiles.mailpace as string],
  loops: () => ['--secret', LOOPS],
  scaleway: () => [],
};

beforeAll(async () => {
  await installPackage(INSTALL);
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const path = req.url ?? '/';
    if (path.startsWith('/capture') || path.startsWith('/status/')) {
      captured.push({ path, headers, body: body.toString('utf8') });
      const status = path.startsWith('/status/') ? Number(path.slice('/status/'.length)) : 204;
      res.writeHead(status);
      res.end();
      return;
    }
    const response = await handler(
      new Request(`${BASE}${path}`, {
        method: req.method,
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  BASE = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  for (const esp of ['sendgrid', 'postal', 'mailpace']) {
    const out = (await cli(['keys', esp])).stdout;
    const variable = new RegExp(`MAIL_WEBHOOK_${esp.toUpperCase()}_PUBLIC_KEY=(\\S+)`).exec(out);
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(
      out,
    );
    if (!variable?.[1] || !pem) throw new Error(`keys ${esp} printed no pair:\n${out}`);
    publicKeys[esp] = variable[1];
    keyFiles[esp] = join(KEYS, `${esp}.pem`);
    writeFileSync(keyFiles[esp] as string, pem[0]);
  }
  build();
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(INSTALL, { recursive: true, force: true });
  rmSync(KEYS, { recursive: true, force: true });
});

/** `send --list` as provider → event types. */
function parseList(stdout: string): Map<string, string[]> {
  const list = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s{2,}(.+)$/.exec(line);
    if (m?.[1] && m[2] && /^[a-z]+(, [a-z]+)*$/.test(m[2].trim())) {
      list.set(
        m[1],
        m[2].split(',').map((t) => t.trim()),
      );
    }
  }
  return list;
}

describe('mailhooks send, every provider', { timeout: 240_000 }, () => {
  test('send --list shows every provider of the registry, each with event types of ours', async () => {
    const r = await cli(['send', '--list']);
    expect(r.code).toBe(0);
    const list = parseList(r.stdout);
    expect([...list.keys()].sort()).toEqual(BUILTIN_PROVIDERS.map((p) => p.name).sort());
    for (const [name, types] of list) {
      expect(types.length, name).toBeGreaterThan(0);
      for (const t of types) expect(TRACKING_EVENT_TYPES, `${name} ${t}`).toContain(t);
    }
  });

  test('each provider: its samples are accepted (exit 0) and normalizes to that type', async () => {
    const list = parseList((await cli(['send', '--list'])).stdout);
    const jobs: (() => Promise<string | null>)[] = [];
    for (const [name, types] of list) {
      // delivered, bounced where listed, and the last type listed (one process each: ~45 runs)
      const some = new Set([
        ...types.filter((t) => t === 'delivered' || t === 'bounced'),
        types.at(-1) ?? 'delivered',
      ]);
      for (const type of some) {
        jobs.push(async () => {
          const recipient = `${name}.${type}@example.com`;
          const r = await cli([
            'send',
            name,
            type,
            '--to',
            `${BASE}/webhooks/mail/${name}`,
            '--recipients',
            recipient,
            ...(CREDENTIALS[name] as () => string[])(),
          ]);
          if (r.code !== 0) return `${name} ${type}: exit ${r.code} ${r.stdout}${r.stderr}`;
          const got = taken.filter((e) => e.recipient === recipient).map((e) => e.eventType);
          // `unknown` samples may come with no recipient of ours; the rest must arrive as typed.
          if (!got.includes(type as never)) {
            return `${name} ${type}: the server saw ${JSON.stringify(got)} ${r.stdout}`;
          }
          return null;
        });
      }
    }
    expect(jobs.length).toBeGreaterThan(40);
    const problems = (await pooled(jobs)).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  test('a refusal exits 1 and prints the answer; a usage error exits 2', async () => {
    const refused = await cli([
      'send',
      'brevo',
      'delivered',
      '--to',
      `${BASE}/webhooks/mail/brevo`,
      '--token',
      'wrong',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^HTTP 403\b/);
    const unauth = await cli(['send', 'brevo', 'delivered', '--to', `${BASE}/webhooks/mail/brevo`]);
    expect([1, 2]).toContain(unauth.code);
    expect((await cli(['send', '--list', 'extra'])).code).toBe(2);
    expect(
      (await cli(['send', 'resend', 'delivered', '--to', 'not a url', '--secret', RESEND])).code,
    ).toBe(2);
    expect((await cli(['send', 'resend', 'delivered', '--to', `${BASE}/x`, '--bogus'])).code).toBe(
      2,
    );
    expect((await cli(['keys', 'resend'])).code).toBe(2);
  });

  test('--help on every command, also after other arguments', async () => {
    const runs = await pooled(
      [
        ['send', 'resend', 'bounced', '--help'],
        ['trigger', 'bounced', '--help'],
        ['keys', 'sendgrid', '--help'],
      ].map((args) => async () => ({ args, r: await cli(args) })),
    );
    for (const { args, r } of runs) {
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/usage/i);
    }
  });
});

describe('mailhooks trigger', { timeout: 120_000 }, () => {
  test('every event type: {type: "email.<type>", timestamp, data} signed as Standard Webhooks', async () => {
    const secret = newWhsec();
    const results = await pooled(
      TRACKING_EVENT_TYPES.map((type) => async () => ({
        type,
        r: await cli(['trigger', type, '--to', `${BASE}/capture/${type}`, '--secret', secret]),
      })),
    );
    for (const { type, r } of results) {
      expect(r.code, `${type}: ${r.stdout}${r.stderr}`).toBe(0);
      const got = captured.filter((c) => c.path === `/capture/${type}`);
      expect(got, type).toHaveLength(1);
      const { headers, body } = got[0] as (typeof captured)[number];
      expect(headers['webhook-id'], type).toBeTruthy();
      expect(headers['webhook-timestamp'], type).toMatch(/^\d+$/);
      expect(headers['webhook-signature'], type).toMatch(/^v1,/);
      const payload = new Webhook(secret).verify(body, headers) as Record<string, any>;
      expect(Object.keys(payload).sort(), type).toEqual(['data', 'timestamp', 'type']);
      expect(payload.type).toBe(`email.${type}`);
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      const context = decodeTrackingEvent(payload.data);
      expect(context.eventType).toBe(type);
      expect(typeof payload.data.timestamp).toBe('string');
      // A wrong secret does not verify it.
      expect(() => new Webhook(newWhsec()).verify(body, headers)).toThrow();
    }
  });

  test('--recipients: one POST each; --provider picks the ESP', async () => {
    const secret = newWhsec();
    const r = await cli([
      'trigger',
      'delivered',
      '--to',
      `${BASE}/capture/multi`,
      '--secret',
      secret,
      '--recipients',
      'a@example.com,b@example.com',
      '--provider',
      'postmark',
    ]);
    expect(r.code).toBe(0);
    const got = captured
      .filter((c) => c.path === '/capture/multi')
      .map((c) => (new Webhook(secret).verify(c.body, c.headers) as any).data);
    expect(got.map((d) => d.recipient).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(got.map((d) => d.espName)).toEqual(['postmark', 'postmark']);
  });

  test('exit 1 on a non-2xx answer or an unreachable URL; 2 on usage errors', async () => {
    const secret = newWhsec();
    const [redirect, error, down, noType, badType, noSecret, notWhsec] = await pooled([
      () => cli(['trigger', 'bounced', '--to', `${BASE}/status/302`, '--secret', secret]),
      () => cli(['trigger', 'bounced', '--to', `${BASE}/status/500`, '--secret', secret]),
      () => cli(['trigger', 'bounced', '--to', 'http://127.0.0.1:1/x', '--secret', secret]),
      () => cli(['trigger', '--to', `${BASE}/capture/x`, '--secret', secret]),
      () => cli(['trigger', 'exploded', '--to', `${BASE}/capture/x`, '--secret', secret]),
      () => cli(['trigger', 'bounced', '--to', `${BASE}/capture/x`]),
      () => cli(['trigger', 'bounced', '--to', `${BASE}/capture/x`, '--secret', 'not base64 !!']),
    ]);
    expect(redirect?.code).toBe(1);
    expect(error?.code).toBe(1);
    expect(down?.code).toBe(1);
    expect(noType?.code).toBe(2);
    expect(badType?.code).toBe(2);
    expect(noSecret?.code).toBe(2);
    expect(notWhsec?.code).toBe(2);
    expect(captured.filter((c) => c.path === '/capture/x')).toEqual([]);
  });
});

describe('the packaged Node server reads its settings from the environment', {
  timeout: 60_000,
}, () => {
  function start(env: Record<string, string>) {
    const child = spawn(process.execPath, [join(PACKAGE, 'dist/bin/node.js')], {
      env: { ...CHILD_ENV, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void exited.then(() => (done = true));
    return {
      child,
      exited,
      out: () => stdout + stderr,
      stdout: () => stdout,
      stderr: () => stderr,
      port: () =>
        listeningPort(
          () => stdout + stderr,
          () => done,
          20_000,
        ),
    };
  }

  test('a listed provider without its secret: exit 1, one JSON line naming the variable', async () => {
    const s = start({ MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'ses,mailgun' });
    expect(await s.exited).toBe(1);
    const line = s
      .stderr()
      .split('\n')
      .filter((l) => l.includes('start-up failed'))
      .map((l) => JSON.parse(l));
    expect(line).toHaveLength(1);
    expect(JSON.stringify(line[0])).toContain('MAIL_WEBHOOK_MAILGUN_SIGNING_KEY');
    expect(line[0].level).toBe('error');
  });

  test('disabled by default (404, and a warning); an unknown variable is reported with the closest name', async () => {
    const s = start({
      MAIL_WEBHOOK_PROVIDERS: 'unisender-go',
      MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'k, with spaces',
      MAIL_WEBHOOK_UNISENDER_GO_APY_KEY: 'typo',
    });
    try {
      const port = await s.port();
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/mail/unisender-go`);
      expect(res.status).toBe(404);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const lines = s
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const unknown = lines.find((l) =>
        JSON.stringify(l).includes('MAIL_WEBHOOK_UNISENDER_GO_APY_KEY'),
      );
      expect(unknown?.level).toBe('warn');
      expect(JSON.stringify(unknown)).toContain('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
      expect(
        lines.some((l) => l.level === 'warn' && /MAIL_WEBHOOK_ENABLED/.test(JSON.stringify(l))),
      ).toBe(true);
      expect(s.out()).not.toContain('typo');
      expect(s.out()).not.toContain('k, with spaces');
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  test('enabled: a secret from the environment verifies, _PREVIOUS too, a stranger is 403', async () => {
    const s = start({
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: 'mailersend',
      MAIL_WEBHOOK_MAILERSEND_SECRET: 'new, secret',
      MAIL_WEBHOOK_MAILERSEND_SECRET_PREVIOUS: 'old secret',
    });
    try {
      const port = await s.port();
      const url = `http://127.0.0.1:${port}/webhooks/mail/mailersend`;
      const send = (secret: string) =>
        cli(['send', 'mailersend', 'delivered', '--to', url, '--secret', secret]);
      const [current, previous, stranger, half] = await pooled([
        () => send('new, secret'),
        () => send('old secret'),
        () => send('another'),
        () => send('new'),
      ]);
      expect(current?.code).toBe(0);
      expect(previous?.code).toBe(0);
      expect(stranger?.code).toBe(1);
      expect(stranger?.stdout).toMatch(/^HTTP 403\b/);
      expect(half?.code).toBe(1);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  test('MAIL_WEBHOOK_SQLITE_PATH: on a Node without node:sqlite, start-up stops naming the variable and the version', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const s = start({
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_SQLITE_PATH: join(KEYS, 'store.sqlite'),
      MAIL_WEBHOOK_API_TOKEN: 'blind-token-0123456789',
    });
    if (major > 22 || (major === 22 && minor >= 13)) {
      // This Node has it: the store serves its routes.
      const port = await s.port();
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/mail/suppressions/a@example.com`, {
        headers: { authorization: 'Bearer blind-token-0123456789' },
      });
      expect(await res.json()).toEqual({ suppressed: false });
      s.child.kill('SIGTERM');
      await s.exited;
      return;
    }
    expect(await s.exited).toBe(1);
    const failed = s
      .stderr()
      .split('\n')
      .filter((l) => l.includes('start-up failed'))
      .map((l) => JSON.parse(l));
    expect(failed).toHaveLength(1);
    expect(failed[0].setting).toBe('MAIL_WEBHOOK_SQLITE_PATH');
    expect(failed[0].error).toContain(process.versions.node);
  });
});
