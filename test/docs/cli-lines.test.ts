/**
 * Every `npx mailhooks …` line of the README and of the pages under docs/ (the provider pages'
 * own lines are run by provider-pages.test.ts), in a ```sh block or inline, run as printed
 * (placeholders filled in, a key pair from the `npx mailhooks keys` line) against a handler set up
 * as the docs say, or, for `trigger`, the receiving app of docs/receiving.md: each one exits 0,
 * and a `send` is answered 200. A flag renamed in the CLI, or a doc line that drifts from it,
 * fails here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/run';
import { optionsFromEnv } from '../../src/from-env';
import { createMailWebhookHandler } from '../../src/handler';
import { silentLogger } from '../../src/log';
import { verifyTrackingWebhook } from '../../src/receiver';
import { docPages, ROOT } from '../helpers/docs.js';

const WHSEC = `whsec_${btoa('docs-cli-lines-secret-32-bytes!!')}`;
const SECRET = 'docs-cli-lines-secret';
const HEADER_VALUE = 'docs-cli-lines-header-value';
const MANDRILL_URL = 'https://hooks.example.com/webhooks/mail/mandrill';

/** The shell variables and placeholders the lines use, as a reader fills them in. */
const FILL: [RegExp, string][] = [
  [/whsec_\.\.\./g, WHSEC],
  [/\$SECRET\b/g, WHSEC],
  [/\$URL\b/g, 'http://localhost:8787/webhooks/mail'],
  [/\$(SIGNING_KEY|PASSWORD|WEBHOOK_KEY)\b/g, SECRET],
  [/: \.\.\.'/g, `: ${HEADER_VALUE}'`],
];

/** Each `npx mailhooks …` line of the non-provider pages, as [page, argv]. */
function docLines(): [string, string[]][] {
  return docPages()
    .filter((page) => !page.startsWith('docs/providers/'))
    .flatMap((page) =>
      [...readFileSync(join(ROOT, page), 'utf8').matchAll(/npx mailhooks ([^`\n#]*)/g)]
        .map((match) => FILL.reduce((line, [from, to]) => line.replace(from, to), match[1] ?? ''))
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line): [string, string[]] => [
          page,
          [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''),
        ]),
    );
}

async function run(argv: string[], fetchFn: (request: Request) => Promise<Response> | Response) {
  const out: string[] = [];
  const io: CliIo = {
    fetch: async (input, init) => fetchFn(new Request(input, init)),
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    readFile: async (path) => readFileSync(path, 'utf8'),
    now: () => new Date(),
  };
  return { code: await runCli(argv, io), out: out.join('\n') };
}

const lines = docLines();
const keyDir = mkdtempSync(join(tmpdir(), 'mailhooks-doc-cli-'));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

/** The server the docs set up for these lines: each provider a line posts to, with its secret. */
async function server() {
  const env: Record<string, string> = {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_PROVIDERS: 'ses,resend,mailgun,postmark,mandrill,sendgrid',
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
    MAIL_WEBHOOK_RESEND_SECRET: WHSEC,
    MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: SECRET,
    MAIL_WEBHOOK_POSTMARK_PASSWORD: SECRET,
    MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Webhook-Token',
    MAIL_WEBHOOK_POSTMARK_VALUE: HEADER_VALUE,
    MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: SECRET,
    MAIL_WEBHOOK_MANDRILL_URL: MANDRILL_URL,
  };
  // `npx mailhooks keys <provider>`: its variable line configures the server, its PEM block is
  // saved as `<provider>.pem`, the name the send line passes to --private-key.
  for (const [, argv] of lines.filter(([, argv]) => argv[0] === 'keys')) {
    const printed = (await run(argv, () => new Response(null, { status: 599 }))).out;
    const variable = /^(MAIL_WEBHOOK_[A-Z_]+)=(.+)$/m.exec(printed);
    const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n?/.exec(printed);
    env[variable?.[1] ?? ''] = variable?.[2] ?? '';
    writeFileSync(join(keyDir, `${argv[1]}.pem`), pem?.[0] ?? '');
  }
  const handler = createMailWebhookHandler({ ...optionsFromEnv(env), logger: silentLogger });
  // docs/receiving.md's app, behind the fan-out (and `trigger`): verify, answer 204.
  return async (request: Request) => {
    if (new URL(request.url).pathname.startsWith('/webhooks/mail/')) return handler(request);
    await verifyTrackingWebhook(request, WHSEC);
    return new Response(null, { status: 204 });
  };
}

describe('the `npx mailhooks` lines of the README and docs/', () => {
  it('finds the lines of docs/cli.md and the README', () => {
    const pages = new Set(lines.map(([page]) => page));
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/cli.md');
    expect(lines.map(([, argv]) => argv[0]).sort()).toEqual(
      expect.arrayContaining(['keys', 'send', 'trigger']),
    );
  });

  it.each(lines.filter(([, argv]) => argv[0] !== 'keys'))(
    '%s: mailhooks %j exits 0',
    async (_page, argv) => {
      const keyAt = argv.indexOf('--private-key');
      const args = argv.map((arg, i) => (keyAt >= 0 && i === keyAt + 1 ? join(keyDir, arg) : arg));
      const result = await run(args, await server());
      expect(result.out).not.toMatch(/^mailhooks \w+:/m);
      if (args[0] === 'send' && !args.includes('--list')) expect(result.out).toMatch(/^HTTP 200/m);
      expect(result.code, result.out).toBe(0);
    },
  );
});
