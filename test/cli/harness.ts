/** A handler with every provider the command imitates, its secrets, and the CLI wired to it in memory. */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestKeys, KEY_SPECS } from '../../src/cli/keys';
import { type CliIo, runCli } from '../../src/cli/run';
import type { EmailTrackingContext } from '../../src/events';
import { createMailWebhookHandler } from '../../src/handler';
import { silentLogger } from '../../src/log';
import { mailersend } from '../../src/providers/mailersend/index';
import { mailgun } from '../../src/providers/mailgun/index';
import { postmark } from '../../src/providers/postmark/index';
import { resend } from '../../src/providers/resend/index';
import { sendgrid } from '../../src/providers/sendgrid/index';
import { ses } from '../../src/providers/ses/index';

export const BASE = 'http://mailhooks.test/webhooks/mail';
export const RESEND_SECRET = `whsec_${btoa('cli-test-resend-secret-32-bytes!!')}`;
export const MAILGUN_KEY = 'key-cli-test-mailgun-signing';
export const POSTMARK_PASSWORD = 'cli-test-postmark-password';
export const MAILERSEND_SECRET = 'cli-test-mailersend-secret';

/** The handler, what reached its sink, and the SendGrid key pair (private half in a file). */
export async function startHarness() {
  const keys = await generateTestKeys(
    KEY_SPECS.sendgrid as NonNullable<(typeof KEY_SPECS)['sendgrid']>,
  );
  const privateKeyFile = join(tmpdir(), `mailhooks-cli-${crypto.randomUUID()}.pem`);
  await writeFile(privateKeyFile, keys.privateKeyPem);
  const received: EmailTrackingContext[] = [];
  const handler = createMailWebhookHandler({
    providers: [
      ses({ verifySignature: false }),
      resend({ secret: RESEND_SECRET }),
      sendgrid({ publicKey: keys.publicKey }),
      mailgun({ signingKey: MAILGUN_KEY }),
      postmark({ password: POSTMARK_PASSWORD }),
      mailersend({ secret: MAILERSEND_SECRET }),
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
  };
  return { handler, received, credentials, keys, privateKeyFile };
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
