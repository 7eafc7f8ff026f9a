/** A handler with every provider the command imitates, its secrets, and the CLI wired to it in memory. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestKeys, KEY_SPECS } from '../../src/cli/keys';
import { type CliIo, runCli } from '../../src/cli/run';
import type { EmailTrackingContext } from '../../src/events';
import { createMailWebhookHandler } from '../../src/handler';
import { silentLogger } from '../../src/log';
import { brevo } from '../../src/providers/brevo/index';
import { loops } from '../../src/providers/loops/index';
import { mailersend } from '../../src/providers/mailersend/index';
import { mailgun } from '../../src/providers/mailgun/index';
import { mailjet } from '../../src/providers/mailjet/index';
import { mailpace } from '../../src/providers/mailpace/index';
import { mailtrap } from '../../src/providers/mailtrap/index';
import { mandrill } from '../../src/providers/mandrill/index';
import { postal } from '../../src/providers/postal/index';
import { postmark } from '../../src/providers/postmark/index';
import { resend } from '../../src/providers/resend/index';
import { scaleway } from '../../src/providers/scaleway/index';
import { sendgrid } from '../../src/providers/sendgrid/index';
import { ses } from '../../src/providers/ses/index';
import { sesEventBridge } from '../../src/providers/ses-eventbridge/index';
import { sparkpost } from '../../src/providers/sparkpost/index';
import { unisenderGo } from '../../src/providers/unisender-go/index';

export const BASE = 'http://mailhooks.test/webhooks/mail';
export const RESEND_SECRET = `whsec_${btoa('cli-test-resend-secret-32-bytes!!')}`;
export const MAILGUN_KEY = 'key-cli-test-mailgun-signing';
export const POSTMARK_PASSWORD = 'cli-test-postmark-password';
export const MAILERSEND_SECRET = 'cli-test-mailersend-secret';
export const BREVO_PASSWORD = 'cli-test-brevo-password';
export const MAILJET_PASSWORD = 'cli-test-mailjet-password';
export const SPARKPOST_HEADER_VALUE = 'cli-test-sparkpost-header-value';
export const EVENTBRIDGE_TOKEN = 'cli-test-eventbridge-token';
export const MANDRILL_KEY = 'cli-test-mandrill-webhook-key';
export const MAILTRAP_SECRET = 'cli-test-mailtrap-secret';
export const LOOPS_SECRET = `whsec_${btoa('cli-test-loops-secret-of-32-bytes')}`;
// A key with characters JSON escapes and `$`, which a string replacement would read as a pattern.
export const UNISENDER_KEY = 'cli-test-unisender/key$&"x';

/** A fresh key pair of `name`'s type, its private half written to a file in `dir`. */
async function _keyFile(dir: string, name: string) {
  const keys = await generateTestKeys(KEY_SPECS[name] as NonNullable<(typeof KEY_SPECS)[string]>);
  const file = join(dir, `${name}.pem`);
  await writeFile(file, keys.privateKeyPem);
  return { ...keys, file };
}

/**
 * The handler, what reached its sink, and the SendGrid key pair (private half in a file). The
 * key files sit in a directory of their own, which `cleanup` removes with whatever a test wrote
 * beside them.
 */
export async function startHarness() {
  const dir = await mkdtemp(join(tmpdir(), 'mailhooks-cli-'));
  const keys = await _keyFile(dir, 'sendgrid');
  const privateKeyFile = keys.file;
  const postalKeys = await _keyFile(dir, 'postal');
  const mailpaceKeys = await _keyFile(dir, 'mailpace');
  const received: EmailTrackingContext[] = [];
  const handler = createMailWebhookHandler({
    providers: [
      ses({ verifySignature: false }),
      resend({ secret: RESEND_SECRET }),
      sendgrid({ publicKey: keys.publicKey }),
      mailgun({ signingKey: MAILGUN_KEY }),
      postmark({ password: POSTMARK_PASSWORD }),
      mailersend({ secret: MAILERSEND_SECRET }),
      brevo({ password: BREVO_PASSWORD }),
      mailjet({ username: 'mailjet', password: MAILJET_PASSWORD }),
      sparkpost({ header: 'X-Webhook-Key', value: SPARKPOST_HEADER_VALUE }),
      sesEventBridge({ token: EVENTBRIDGE_TOKEN, accounts: ['123456789012'] }),
      mandrill({ webhookKey: MANDRILL_KEY, url: `${BASE}/mandrill` }),
      mailtrap({ secret: MAILTRAP_SECRET }),
      postal({ publicKey: postalKeys.publicKey }),
      mailpace({ publicKey: mailpaceKeys.publicKey }),
      loops({ secret: LOOPS_SECRET }),
      unisenderGo({ apiKey: UNISENDER_KEY }),
      scaleway({ verifySignature: false }),
    ],
    sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
    logger: silentLogger,
  });
  const credentials: Record<string, string[]> = {
    ses: [],
    resend: ['--secret', RESEND_SECRET],
    sendgrid: ['--private-key', privateKeyFile],
    mailgun: ['--secret', MAILGUN_KEY],
    postmark: ['--password', POSTMARK_PASSWORD],
    mailersend: ['--secret', MAILERSEND_SECRET],
    brevo: ['--password', BREVO_PASSWORD],
    mailjet: ['--username', 'mailjet', '--password', MAILJET_PASSWORD],
    sparkpost: ['--header', `X-Webhook-Key: ${SPARKPOST_HEADER_VALUE}`],
    'ses-eventbridge': ['--token', EVENTBRIDGE_TOKEN],
    mandrill: ['--secret', MANDRILL_KEY],
    mailtrap: ['--secret', MAILTRAP_SECRET],
    postal: ['--private-key', postalKeys.file],
    mailpace: ['--private-key', mailpaceKeys.file],
    loops: ['--secret', LOOPS_SECRET],
    'unisender-go': ['--secret', UNISENDER_KEY],
    scaleway: [],
  };
  const cleanup = () => rm(dir, { recursive: true, force: true });
  return { handler, received, credentials, keys, privateKeyFile, cleanup };
}

/** Runs the command with its fetch going to `handler`; returns the exit code and what it printed. */
export async function cli(
  argv: string[],
  fetchFn: (request: Request) => Promise<Response> | Response = () =>
    new Response(null, { status: 599 }),
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    fetch: async (input, init) => fetchFn(new Request(input, init)),
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: async (path) => (await import('node:fs/promises')).readFile(path, 'utf8'),
    now: () => new Date(),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
