// `mailhooks send` against a handler configured the way a deployment is: from MAIL_WEBHOOK_*
// variables, the key-signing ESPs from what `mailhooks keys <provider>` prints (docs/cli.md, "The
// mailhooks command"). Every provider, every type `send --list` shows; wrong credentials; and no
// run prints a secret.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index';
import type { EmailTrackingContext } from '../../src/events';
import { EmailTrackingEvent, EventBus } from '../../src/index';
import { silentLogger } from '../../src/log';
import { BASE, cli } from './harness';

const ENV: Record<string, string> = {
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_PROVIDERS:
    'ses,resend,sendgrid,mailgun,postmark,brevo,mailjet,sparkpost,unisender-go,mailersend,mailtrap,mandrill,postal,ses-eventbridge,mailpace,loops,scaleway',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  MAIL_WEBHOOK_SES_SECRET: 'env-ses-secret-1',
  MAIL_WEBHOOK_SCALEWAY_VERIFY_SIGNATURE: 'false',
  MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('env-matrix-resend-secret-32bytes')}`,
  MAIL_WEBHOOK_LOOPS_SECRET: `whsec_${btoa('env-matrix-loops-secret-32-bytes')}`,
  MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: 'env-mailgun-secret-2',
  MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Webhook-Token',
  MAIL_WEBHOOK_POSTMARK_VALUE: 'env-postmark-secret-3',
  MAIL_WEBHOOK_BREVO_TOKEN: 'env-brevo-secret-4',
  MAIL_WEBHOOK_MAILJET_PASSWORD: 'env-mailjet-secret-5',
  MAIL_WEBHOOK_SPARKPOST_USERNAME: 'sparky',
  MAIL_WEBHOOK_SPARKPOST_PASSWORD: 'env-sparkpost-secret-6',
  MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'env-unisender-secret-7',
  MAIL_WEBHOOK_MAILERSEND_SECRET: 'env-mailersend-secret-8',
  MAIL_WEBHOOK_MAILTRAP_SECRET: 'env-mailtrap-secret-9',
  MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: 'env-mandrill-secret-10',
  MAIL_WEBHOOK_MANDRILL_URL: `${BASE}/mandrill`,
  MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 'env-eventbridge-secret-11',
  MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '123456789012',
};

/** The flags for each provider: right (from ENV) and wrong. */
const RIGHT: Record<string, string[]> = {
  ses: ['--password', ENV.MAIL_WEBHOOK_SES_SECRET as string],
  scaleway: [],
  resend: ['--secret', ENV.MAIL_WEBHOOK_RESEND_SECRET as string],
  loops: ['--secret', ENV.MAIL_WEBHOOK_LOOPS_SECRET as string],
  mailgun: ['--secret', ENV.MAIL_WEBHOOK_MAILGUN_SIGNING_KEY as string],
  postmark: ['--header', `X-Webhook-Token: ${ENV.MAIL_WEBHOOK_POSTMARK_VALUE}`],
  brevo: ['--token', ENV.MAIL_WEBHOOK_BREVO_TOKEN as string],
  mailjet: ['--password', ENV.MAIL_WEBHOOK_MAILJET_PASSWORD as string],
  sparkpost: ['--username', 'sparky', '--password', ENV.MAIL_WEBHOOK_SPARKPOST_PASSWORD as string],
  'unisender-go': ['--secret', ENV.MAIL_WEBHOOK_UNISENDER_GO_API_KEY as string],
  mailersend: ['--secret', ENV.MAIL_WEBHOOK_MAILERSEND_SECRET as string],
  mailtrap: ['--secret', ENV.MAIL_WEBHOOK_MAILTRAP_SECRET as string],
  mandrill: ['--secret', ENV.MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY as string],
  'ses-eventbridge': ['--token', ENV.MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN as string],
};
const WRONG: Record<string, string[]> = {
  ses: ['--password', 'wrong-secret-a'],
  resend: ['--secret', `whsec_${btoa('a-wrong-key-for-the-env-matrix!!')}`],
  loops: ['--secret', `whsec_${btoa('a-wrong-key-for-the-env-matrix!!')}`],
  mailgun: ['--secret', 'wrong-secret-b'],
  postmark: ['--header', 'X-Webhook-Token: wrong-secret-c'],
  brevo: ['--token', 'wrong-secret-d'],
  mailjet: ['--password', 'wrong-secret-e'],
  sparkpost: ['--username', 'sparky', '--password', 'wrong-secret-f'],
  'unisender-go': ['--secret', 'wrong-secret-g'],
  mailersend: ['--secret', 'wrong-secret-h'],
  mailtrap: ['--secret', 'wrong-secret-i'],
  mandrill: ['--secret', 'wrong-secret-j'],
  'ses-eventbridge': ['--token', 'wrong-secret-k'],
};
const SECRETS = [
  ...Object.entries(ENV)
    .filter(
      ([name]) => /SECRET|KEY|VALUE|TOKEN|PASSWORD/.test(name) && !name.endsWith('PUBLIC_KEY'),
    )
    .map(([, value]) => value),
  ...Object.values(WRONG).map((flags) => (flags.at(-1) as string).replace(/^.*: /, '')),
];

let dir = '';
let handler: (request: Request) => Promise<Response>;
const seen: EmailTrackingContext[] = [];
let matrix: [string, string][] = [];
let unsubscribe = () => {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailhooks-env-matrix-'));
  for (const esp of ['sendgrid', 'postal', 'mailpace']) {
    // As docs/cli.md says: the variable line goes to the server, the PEM block to a file.
    const { code, out } = await cli(['keys', esp]);
    expect(code).toBe(0);
    const variable = /^(MAIL_WEBHOOK_[A-Z]+_PUBLIC_KEY)=(\S+)$/m.exec(out);
    const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(out);
    expect(variable?.[1]).toBe(`MAIL_WEBHOOK_${esp.toUpperCase()}_PUBLIC_KEY`);
    ENV[variable?.[1] as string] = variable?.[2] as string;
    await writeFile(join(dir, `${esp}.pem`), pem?.[0] as string);
    RIGHT[esp] = ['--private-key', join(dir, `${esp}.pem`)];
    const other = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(
      (await cli(['keys', esp])).out,
    );
    await writeFile(join(dir, `${esp}-other.pem`), other?.[0] as string);
    WRONG[esp] = ['--private-key', join(dir, `${esp}-other.pem`)];
  }
  handler = createHandlerFromEnv(ENV, { logger: silentLogger });
  // No sink variable: events go to the default in-memory bus.
  unsubscribe = EventBus.subscribe(EmailTrackingEvent, (context, next) => {
    seen.push(context);
    return next(context);
  });
  const list = await cli(['send', '--list']);
  matrix = list.out
    .split('\n')
    .map((line) => /^(\S+) +([a-z]+(?:, [a-z]+)*)$/.exec(line))
    .flatMap((m) => (m ? m[2]?.split(', ').map((type) => [m[1], type] as [string, string]) : []))
    .filter((row): row is [string, string] => row !== undefined);
});
// The default bus is the process's: the next file in this worker must not find this listener.
afterAll(async () => {
  unsubscribe();
  await rm(dir, { recursive: true, force: true });
});

function printsNoSecret(run: { out: string; err: string }, label: string) {
  for (const secret of SECRETS) expect(`${run.out}\n${run.err}`, label).not.toContain(secret);
}

describe('mailhooks send to a handler configured from variables', () => {
  test('every provider and type of send --list: exit 0, HTTP 200, that event for that recipient', async () => {
    expect(matrix.length).toBeGreaterThan(140);
    for (const [name, type] of matrix) {
      seen.length = 0;
      const run = await cli(
        ['send', name, type, '--to', `${BASE}/${name}`, ...(RIGHT[name] as string[])],
        handler,
      );
      printsNoSecret(run, `${name} ${type}`);
      expect(run.out, `${name} ${type}: ${run.err}`).toMatch(/^HTTP 200\b/);
      expect(run.code, `${name} ${type}`).toBe(0);
      expect(
        seen.map((c) => [c.eventType, c.recipient, c.espName]),
        `${name} ${type}`,
      ).toEqual([[type, 'recipient@example.com', name]]);
    }
  });

  test('wrong credentials for every provider that checks them: exit 1, the 401/403 shown, nothing printed of either secret', async () => {
    for (const name of Object.keys(WRONG)) {
      const [, type] = matrix.find(([n]) => n === name) as [string, string];
      seen.length = 0;
      const run = await cli(
        ['send', name, type, '--to', `${BASE}/${name}`, ...(WRONG[name] as string[])],
        handler,
      );
      printsNoSecret(run, name);
      expect(run.code, name).toBe(1);
      expect(run.out, name).toMatch(/^HTTP 40[13]\b/);
      expect(seen, name).toEqual([]);
    }
  });
});
