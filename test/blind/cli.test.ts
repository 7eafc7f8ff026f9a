// DESIGN "The mailhooks command": exit codes 0 / 1 / 2 against a local server.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  mailgun,
  postmark,
  resend,
  sendgrid,
  ses,
} from '../../src/index.js';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import { installPackage } from '../helpers/installed-package.js';
import { collector, must, newWhsec, recordingLogger } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
// The package is built and installed into a directory of its own (not the repository's dist/), so
// the command runs as `npx mailhooks` runs it where the package is installed.
const INSTALL = mkdtempSync(join(tmpdir(), 'blind-cli-install-'));
const CLI = join(INSTALL, 'node_modules/mailhooks/dist/cli/main.js');
// The server's own port, given by the system at listen (no fixed port to collide with).
let BASE = 'http://127.0.0.1:0';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as any).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const RESEND_SECRET = newWhsec();
const TRIGGER_SECRET = newWhsec();
const sink = collector();
let sendgridPublicKey = '';
let handler: (r: Request) => Promise<Response>;
const received: EmailTrackingContext[] = [];
let server: Server;

function build() {
  handler = createMailWebhookHandler({
    providers: [
      resend({ secret: RESEND_SECRET }),
      postmark({ password: 'pm-pass' }),
      mailgun({ signingKey: 'mg-key' }),
      ses({ verifySignature: false }),
      ...(sendgridPublicKey ? [sendgrid({ publicKey: sendgridPublicKey })] : []),
    ],
    sinks: [sink],
    logger: recordingLogger(),
  });
}

beforeAll(async () => {
  await installPackage(INSTALL);
  build();
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const request = new Request(`${BASE}${req.url}`, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    let response: Response;
    if (req.url === '/app') {
      try {
        received.push(await verifyTrackingWebhook(request, TRIGGER_SECRET));
        response = new Response('ok');
      } catch {
        response = new Response('bad', { status: 400 });
      }
    } else {
      response = await handler(request);
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  BASE = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(INSTALL, { recursive: true, force: true });
});

// Each test runs up to five CLI processes one after another: on a busy 2-CPU machine each start
// takes over a second, past vitest's default 5 s per test (the processes' own limit is 30 s).
describe('mailhooks command', { timeout: 60_000 }, () => {
  test('--help on every command exits 0', async () => {
    for (const args of [
      ['--help'],
      ['send', '--help'],
      ['trigger', '--help'],
      ['keys', '--help'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });

  test("--version (or -v) prints the installed package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const r = await cli([flag]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `${version}\n`, '']);
    }
    expect((await cli(['--version', 'extra'])).code).toBe(2);
  });

  test('usage errors exit 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['send', 'resend', 'delivered'])).code).toBe(2); // no --to
    expect((await cli(['send', 'nosuchesp', 'delivered', '--to', `${BASE}/x`])).code).toBe(2);
    expect(
      (await cli(['send', 'resend', 'exploded', '--to', `${BASE}/x`, '--secret', RESEND_SECRET]))
        .code,
    ).toBe(2);
  });

  test('send --list shows providers and their event types', async () => {
    const r = await cli(['send', '--list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('resend');
    expect(r.stdout).toContain('bounced');
  });

  test('send resend: signed sample accepted (0); wrong secret refused (1); unreachable (1)', async () => {
    const before = sink.events.length;
    const ok = await cli([
      'send',
      'resend',
      'bounced',
      '--to',
      `${BASE}/webhooks/mail/resend`,
      '--secret',
      RESEND_SECRET,
    ]);
    expect(ok.code).toBe(0);
    expect(sink.events.slice(before).map((e) => e.eventType)).toContain('bounced');
    const delivered = sink.events.length;
    const wrong = await cli([
      'send',
      'resend',
      'bounced',
      '--to',
      `${BASE}/webhooks/mail/resend`,
      '--secret',
      newWhsec(),
    ]);
    expect(wrong.code).toBe(1);
    // The server's refusal, as the command prints it.
    expect(wrong.stdout).toMatch(/^HTTP 403\b/);
    expect(wrong.stdout).toContain('"error":"signature-invalid"');
    expect(sink.events).toHaveLength(delivered);
    const down = await cli([
      'send',
      'resend',
      'bounced',
      '--to',
      // Port 1: nothing listens there, so the connection is refused.
      'http://127.0.0.1:1/nothing',
      '--secret',
      RESEND_SECRET,
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('could not reach http://127.0.0.1:1/nothing');
  });

  test('send postmark with --password, mailgun with --secret, ses unsigned', async () => {
    const before = sink.events.length;
    expect(
      (
        await cli([
          'send',
          'postmark',
          'delivered',
          '--to',
          `${BASE}/webhooks/mail/postmark`,
          '--password',
          'pm-pass',
        ])
      ).code,
    ).toBe(0);
    const refused = await cli([
      'send',
      'postmark',
      'delivered',
      '--to',
      `${BASE}/webhooks/mail/postmark`,
      '--password',
      'nope',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^HTTP 403\b/);
    expect(refused.stdout).toContain('"error":"secret-mismatch"');
    expect(
      (
        await cli([
          'send',
          'mailgun',
          'opened',
          '--to',
          `${BASE}/webhooks/mail/mailgun`,
          '--secret',
          'mg-key',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(['send', 'ses', 'complained', '--to', `${BASE}/webhooks/mail/ses`])).code,
    ).toBe(0);
    expect(sink.events.slice(before).map((e) => `${e.espName}:${e.eventType}`)).toEqual(
      expect.arrayContaining(['postmark:delivered', 'mailgun:opened', 'ses:complained']),
    );
  });

  test('keys sendgrid prints a pair; send sendgrid --private-key is accepted with its public half', async () => {
    const keys = await cli(['keys', 'sendgrid']);
    expect(keys.code).toBe(0);
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(
      keys.stdout,
    )?.[0];
    const pub = /MFkw[A-Za-z0-9+/=]+/.exec(keys.stdout)?.[0];
    expect(pem).toBeDefined();
    expect(pub).toBeDefined();
    sendgridPublicKey = must(pub);
    build();
    const dir = mkdtempSync(join(tmpdir(), 'blind-cli-'));
    writeFileSync(join(dir, 'sg.pem'), must(pem));
    const before = sink.events.length;
    const r = await cli([
      'send',
      'sendgrid',
      'delivered',
      '--to',
      `${BASE}/webhooks/mail/sendgrid`,
      '--private-key',
      join(dir, 'sg.pem'),
    ]).finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(r.code).toBe(0);
    expect(
      sink.events
        .slice(before)
        .some((e) => e.espName === 'sendgrid' && e.eventType === 'delivered'),
    ).toBe(true);
  });

  test('trigger posts a normalized event signed as the fan-out signs it', async () => {
    const ok = await cli(['trigger', 'bounced', '--to', `${BASE}/app`, '--secret', TRIGGER_SECRET]);
    expect(ok.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]?.eventType).toBe('bounced');
    expect(received[0]?.timestamp).toBeInstanceOf(Date);
    const wrong = await cli(['trigger', 'bounced', '--to', `${BASE}/app`, '--secret', newWhsec()]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^HTTP 400\b/);
    expect(received).toHaveLength(1);
    expect((await cli(['trigger', 'bounced', '--to', `${BASE}/app`])).code).toBe(2);
  });
});
