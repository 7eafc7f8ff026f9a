/** A provider that signs in a header refuses a request without it before reading a byte of the body. */
import { expect, test } from 'vitest';
import { createMailWebhookHandler } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { buildAllProviders } from '../fuzz/providers.js';

// The ESPs whose signature travels in a header (Mailgun and Unisender Go sign inside the body;
// the shared-secret ESPs and SES are covered by their credential tests).
const HEADER_SIGNED = [
  'resend',
  'loops',
  'sendgrid',
  'mailersend',
  'mailtrap',
  'mandrill',
  'postal',
  'mailpace',
];

const { providers } = buildAllProviders();

test.each(HEADER_SIGNED)(
  '%s: no signature header → 403 signature-missing, body never read',
  async (name) => {
    const provider = providers.find((p) => p.name === name);
    if (!provider) throw new Error(`${name} was not built`);
    const handle = createMailWebhookHandler({
      providers: [provider],
      sinks: [{ name: 'none', send: async () => {} }],
      logger: silentLogger,
    });
    let pulls = 0;
    // highWaterMark 0: the stream pulls only when read, so a pull is a read by the handler.
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++;
          controller.enqueue(new TextEncoder().encode('{"type":"email.sent"}'));
          if (pulls > 3) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = await handle(
      new Request(`http://localhost/webhooks/mail/${provider.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    const answer = (await response.json()) as { error: string };
    expect([response.status, answer.error]).toEqual([403, 'signature-missing']);
    expect(pulls).toBe(0);
  },
);
