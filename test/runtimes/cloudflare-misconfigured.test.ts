/** The Worker with a bad setting, run in Node: the public answer says where to look, the log says what. */
import { afterEach, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';

afterEach(() => vi.restoreAllMocks());

test('a misconfigured Worker answers 503 without configuration text, and logs the variable', async () => {
  const logged: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const env = {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots-of-1234567',
  };
  const request = new Request('https://hooks.example.com/webhooks/mail/ses', {
    method: 'POST',
    body: '{}',
  });
  const response = await worker.fetch(request, env);
  const text = await response.text();
  expect(response.status).toBe(503);
  expect(JSON.parse(text)).toEqual({
    ok: false,
    error: 'misconfigured',
    message: "mailhooks is misconfigured; see the Worker's logs",
  });
  expect(text).not.toContain('MAIL_WEBHOOK');
  expect(text).not.toContain('lots-of-1234567');
  const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      msg: 'mailhooks is misconfigured',
      setting: 'MAIL_WEBHOOK_MAX_BODY_BYTES',
    }),
  );
});

test('every refused request logs a line naming the variable, and /healthz fails too', async () => {
  const logged: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const env = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'ses,resend' };
  const post = () =>
    worker.fetch(
      new Request('https://hooks.example.com/webhooks/mail/resend', { method: 'POST', body: '{}' }),
      env,
    );
  expect((await post()).status).toBe(503);
  expect((await post()).status).toBe(503);
  const probe = await worker.fetch(new Request('https://hooks.example.com/healthz'), env);
  expect(probe.status).toBe(503);
  expect(await probe.json()).toMatchObject({ ok: false, error: 'misconfigured' });
  const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.filter((line) => line.msg === 'mailhooks is misconfigured')).toHaveLength(1);
  const refused = lines.filter((line) => line.msg === 'request refused');
  expect(refused).toEqual([
    expect.objectContaining({
      level: 'error',
      status: 503,
      reason: 'misconfigured',
      path: '/webhooks/mail/resend',
      setting: 'MAIL_WEBHOOK_RESEND_SECRET',
    }),
    expect.objectContaining({
      path: '/webhooks/mail/resend',
      setting: 'MAIL_WEBHOOK_RESEND_SECRET',
    }),
    expect.objectContaining({ path: '/healthz', setting: 'MAIL_WEBHOOK_RESEND_SECRET' }),
  ]);
});

test('the refusal line of a 64 KB path names its first 200 characters', async () => {
  const logged: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
  const env = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots' };
  const path = `/webhooks/mail/${'x'.repeat(65_536)}`;
  const response = await worker.fetch(new Request(`https://hooks.example.com${path}`), env);
  expect(response.status).toBe(503);
  const refused = logged
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'request refused');
  expect(refused).toEqual([
    expect.objectContaining({ path: path.slice(0, 200), setting: 'MAIL_WEBHOOK_MAX_BODY_BYTES' }),
  ]);
});

test('a well-configured Worker still answers /healthz 200 before any webhook', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const probe = await worker.fetch(new Request('https://hooks.example.com/healthz'), {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  });
  expect(probe.status).toBe(200);
  expect(await probe.json()).toEqual({ ok: true });
});

test("a misconfigured Worker's queue() neither throws nor acks: each message is retried after its backoff", async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const env = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots' };
  const outcomes: string[] = [];
  const message = (id: string, attempts: number) => ({
    id,
    attempts,
    body: '{}',
    ack: () => void outcomes.push(`${id} acked`),
    retry: (options?: { delaySeconds?: number }) =>
      void outcomes.push(`${id} retried in ${options?.delaySeconds} s`),
  });
  const batch = { queue: 'mailhooks-events', messages: [message('a', 1), message('b', 3)] };
  await expect(worker.queue(batch, env)).resolves.toBeUndefined();
  expect(outcomes).toEqual(['a retried in 10 s', 'b retried in 40 s']);
});
