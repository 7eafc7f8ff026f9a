/** A Worker built with createWorker([...]): it answers the providers it was given, and only those. */
import { readFileSync } from 'node:fs';
import { afterEach, expect, test, vi } from 'vitest';
import firstWave from '../../examples/cloudflare-first-wave.js';
import { createWorker } from '../../src/adapters/cloudflare.js';
import { postmarkProvider, resendProvider } from '../../src/env/index.js';
import { basic, postmarkRequest } from '../providers/postmark/helpers.js';

afterEach(() => vi.restoreAllMocks());

const DELIVERY = readFileSync(
  new URL('../fixtures/esps/postmark/symfony_delivery.json', import.meta.url),
  'utf8',
);
const ENV = {
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_PROVIDERS: 'postmark,resend',
  MAIL_WEBHOOK_POSTMARK_PASSWORD: 'from-env',
  MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('resend-test-secret')}`,
};

/** Captures the JSON lines the Worker logs (it logs to the console). */
function _console(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
  }
  return lines;
}

const _post = (path: string) =>
  new Request(`https://hooks.example.com/webhooks/mail/${path}`, { method: 'POST', body: '{}' });

test('answers a provider of its registry', async () => {
  const lines = _console();
  const worker = createWorker([resendProvider, postmarkProvider]);
  const request = postmarkRequest(DELIVERY, { authorization: basic('pm', 'from-env') });
  const response = await worker.fetch(request, { ...ENV });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true, events: 1 });
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'event', esp: 'postmark' }));
  // Resend is mounted too: an unsigned request is refused by its check (403), not missing (404).
  expect((await worker.fetch(_post('resend'), { ...ENV })).status).toBe(403);
});

test('404s a provider it was not given, even one the full Worker has', async () => {
  _console();
  const worker = createWorker([resendProvider, postmarkProvider]);
  for (const path of ['ses', 'sendgrid', 'mailgun']) {
    expect((await worker.fetch(_post(path), { ...ENV })).status, path).toBe(404);
  }
});

test('refuses to list a provider outside its registry, naming the ones it knows and the Worker with every one', async () => {
  const lines = _console();
  const worker = createWorker([resendProvider, postmarkProvider]);
  const response = await worker.fetch(_post('ses'), { ...ENV, MAIL_WEBHOOK_PROVIDERS: 'ses' });
  expect(response.status).toBe(503);
  const error = lines.find((line) => line.msg === 'mailhooks is misconfigured');
  expect(error).toMatchObject({
    setting: 'MAIL_WEBHOOK_PROVIDERS',
    error:
      'MAIL_WEBHOOK_PROVIDERS: unknown provider "ses" (known: resend, postmark; mailhooks/cloudflare has every provider)',
  });
});

test('the first-wave Worker given mailpace, a provider it leaves out, names the Worker that has it', async () => {
  const lines = _console();
  const env = {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_PROVIDERS: 'mailpace',
    MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY: btoa('k'.repeat(32)),
  };
  const response = await firstWave.fetch(_post('mailpace'), env);
  expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([
    503,
    'misconfigured',
  ]);
  expect(lines.find((line) => line.msg === 'mailhooks is misconfigured')).toMatchObject({
    setting: 'MAIL_WEBHOOK_PROVIDERS',
    error:
      'MAIL_WEBHOOK_PROVIDERS: unknown provider "mailpace" (known: ses, resend, sendgrid, mailgun, postmark; mailhooks/cloudflare has every provider)',
  });
});

test('warns about a variable of a provider outside its registry', async () => {
  const lines = _console();
  const worker = createWorker([postmarkProvider]);
  const env = { ...ENV, MAIL_WEBHOOK_PROVIDERS: 'postmark' };
  await worker.fetch(_post('postmark'), env);
  expect(lines).toContainEqual(
    expect.objectContaining({ level: 'warn', variable: 'MAIL_WEBHOOK_RESEND_SECRET' }),
  );
});

test('says a start-up warning once per env, not once per request', async () => {
  const lines = _console();
  const worker = createWorker([postmarkProvider]);
  const env = { ...ENV, MAIL_WEBHOOK_PROVIDERS: 'postmark', MAIL_WEBHOOK_POSTMARK_PASWORD: 'x' };
  for (let i = 0; i < 3; i++) await worker.fetch(_post('postmark'), env);
  expect(lines.filter((line) => line.level === 'warn' && line.variable)).toEqual([
    expect.objectContaining({ variable: 'MAIL_WEBHOOK_RESEND_SECRET' }),
    expect.objectContaining({
      variable: 'MAIL_WEBHOOK_POSTMARK_PASWORD',
      didYouMean: 'MAIL_WEBHOOK_POSTMARK_PASSWORD',
    }),
  ]);
  // Each request's refusal is its own line.
  expect(lines.filter((line) => line.msg === 'request refused')).toHaveLength(3);
});
