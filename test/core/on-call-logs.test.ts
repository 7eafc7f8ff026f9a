/**
 * What a person on call reads, through the public handler and every built-in provider: one JSON
 * line per event or refusal, with its reason, the provider and the path, and never a secret.
 */
import { describe, expect, test } from 'vitest';
import type { MailWebhookOptions } from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { routeOf } from '../helpers/provider-harness.js';
import { MOUNTS, signedRequest } from './on-call-logs.mounts.js';

type Line = { level: string; msg: string; fields: Record<string, unknown> };

const NAMES = Object.keys(MOUNTS);
// Mailgun and Unisender Go sign inside the body; Scaleway's SNS-style signature is tried unverified.
const SIGNED_IN_HEADERS = NAMES.filter((n) => !['mailgun', 'unisender-go', 'scaleway'].includes(n));
const WITH_CREDENTIALS = NAMES.filter((n) => n !== 'scaleway');
// Shared secrets (Basic, bearer, a header): missing is 401, wrong 403 secret-mismatch. The rest sign.
const SHARED_SECRET = ['ses', 'postmark', 'brevo', 'mailjet', 'sparkpost', 'ses-eventbridge'];

/** A handler around `name`'s provider; `lines` holds only what requests logged, not start-up. */
function mounted(name: string, options: Partial<MailWebhookOptions> = {}) {
  const mount = MOUNTS[name];
  if (!mount) throw new Error(name);
  const capture = captureHandler(mount.provider, options);
  capture.lines.length = 0;
  const post = (request: { headers: Record<string, string>; body: BodyInit }, init = {}) =>
    capture.handle(
      new Request(routeOf(mount.provider.path), { method: 'POST', ...request, ...init }),
    );
  return { ...capture, mount, post };
}

/** The one line a refusal logged, checked for what on call needs; fails on more or fewer. */
async function refusalLine(response: Response, lines: Line[], esp: string | undefined) {
  const { error } = (await response.json()) as { error: string };
  expect(lines, JSON.stringify(lines)).toHaveLength(1);
  const [line] = lines as [Line];
  expect(line).toMatchObject({
    level: response.status >= 500 ? 'error' : 'warn',
    msg: 'request refused',
    fields: { status: response.status, reason: error, path: expect.any(String) },
  });
  expect(line.fields.detail).toEqual(expect.any(String));
  if (esp) expect(line.fields.esp).toBe(esp);
  return line;
}

/** Fails when a secret, a credential sent or a signature shows in a line. */
function expectNoSecret(lines: Line[], secrets: readonly string[], headers = {}) {
  const printed = JSON.stringify(lines);
  const sent = Object.entries(headers as Record<string, string>)
    .filter(([name]) => /authorization|signature|key|token|secret/i.test(name))
    .flatMap(([, value]) => [value, value.replace(/^(Basic|Bearer) /, '')]);
  for (const secret of [...secrets, ...sent]) expect(printed).not.toContain(secret);
}

describe.each(NAMES)('%s: what each request logs', (name) => {
  test('a delivered event: one `event` line with the documented fields, nothing else', async () => {
    const { post, lines, events } = mounted(name);
    const request = await signedRequest(name, { recipient: 'jane@example.com' });
    const response = await post(request);
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    const [event] = events;
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'event',
        fields: {
          esp: name,
          path: `/webhooks/mail/${name}`,
          eventType: event?.eventType,
          recipient: 'jane@example.com',
          messageId: event?.messageId,
          eventId: event?.eventId,
          timestamp: event?.timestamp.toISOString(),
        },
      },
    ]);
    expectNoSecret(lines, MOUNTS[name]?.secrets ?? [], request.headers);
  });

  test('another method: 405 and one line naming the method', async () => {
    const { handle, lines, mount } = mounted(name);
    const response = await handle(new Request(routeOf(mount.provider.path), { method: 'PUT' }));
    expect(response.status).toBe(405);
    const line = await refusalLine(response, lines, name);
    expect(line.fields.method).toBe('PUT');
  });

  test('a body over maxBodyBytes: 413 and one line with the limit', async () => {
    const { post, lines } = mounted(name, { maxBodyBytes: 64 });
    const response = await post(await signedRequest(name));
    expect(response.status).toBe(413);
    const line = await refusalLine(response, lines, name);
    expect(line.fields.maxBodyBytes).toBe(64);
  });

  test('a body that stalls: 408 and one line with the deadline', async () => {
    const { post, lines } = mounted(name, { bodyTimeoutMs: 20 });
    const { headers, body } = await signedRequest(name);
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 8)));
      },
    });
    const response = await post({ headers, body: stalled }, { duplex: 'half' } as RequestInit);
    expect(response.status).toBe(408);
    const line = await refusalLine(response, lines, name);
    expect(line.fields.bodyTimeoutMs).toBe(20);
  });

  test('a sink that fails: 503 and one error line naming the sink and its error', async () => {
    const { post, lines, mount } = mounted(name, {
      sinks: [
        {
          name: 'crm',
          send: async () => {
            throw new Error('CRM answered 502');
          },
        },
      ],
    });
    const request = await signedRequest(name);
    const response = await post(request);
    expect(response.status).toBe(503);
    const line = await refusalLine(response, lines, name);
    expect(line.fields).toMatchObject({
      reason: 'sink-failed',
      sink: 'crm',
      error: 'Error: CRM answered 502',
      events: 1,
    });
    expectNoSecret(lines, mount.secrets, request.headers);
  });
});

describe.each(WITH_CREDENTIALS)('%s: refused credentials', (name) => {
  test('wrong credentials: 403 and one line, showing neither secret', async () => {
    const { post, lines, mount } = mounted(name);
    const request = await signedRequest(name, { credentials: mount.wrong });
    const response = await post(request);
    expect(response.status).toBe(403);
    const line = await refusalLine(response, lines, name);
    expect(line.fields.reason).toBe(
      SHARED_SECRET.includes(name) ? 'secret-mismatch' : 'signature-invalid',
    );
    expectNoSecret(lines, mount.secrets, request.headers);
  });
});

describe.each(SIGNED_IN_HEADERS)('%s: no credentials', (name) => {
  test('no credential or signature header: 401 credentials-required or 403 signature-missing, and one line', async () => {
    const { post, lines } = mounted(name);
    const { body } = await signedRequest(name);
    const response = await post({ headers: { 'content-type': 'application/json' }, body });
    const line = await refusalLine(response, lines, name);
    expect([response.status, line.fields.reason]).toEqual(
      SHARED_SECRET.includes(name) ? [401, 'credentials-required'] : [403, 'signature-missing'],
    );
  });
});

// A signed body each provider refuses 400 (Unisender Go signs a field of its own body: the
// command cannot sign one without it, so it has no such case here).
const NOT_AN_EVENT: Record<string, unknown> = {
  ...Object.fromEntries(NAMES.map((name) => [name, 'not an event'])),
  ses: { eventType: 'Bounce' },
  scaleway: { type: 'x' },
};
delete NOT_AN_EVENT['unisender-go'];

describe.each(Object.keys(NOT_AN_EVENT))('%s: a body that is not its event', (name) => {
  test('400 and one line naming the reason', async () => {
    const { post, lines, mount } = mounted(name);
    const request = await signedRequest(name, { payload: NOT_AN_EVENT[name] });
    const response = await post(request);
    expect(response.status).toBe(400);
    await refusalLine(response, lines, name);
    expectNoSecret(lines, mount.secrets, request.headers);
  });
});

describe.each([
  ['sendgrid', 'SendGrid'],
  ['brevo', 'Brevo'],
  ['mailjet', 'Mailjet'],
  ['sparkpost', 'SparkPost'],
])('%s', (name, label) => {
  test('an empty batch: 200 and one info line saying so', async () => {
    const { post, lines } = mounted(name);
    const response = await post(await signedRequest(name, { payload: [] }));
    expect(await response.json()).toEqual({ ok: true, events: 0 });
    expect(lines).toEqual([
      { level: 'info', msg: `${label} batch is empty; nothing to deliver`, fields: { esp: name } },
    ]);
  });
});

test('an unknown path: 404 and one line with the path and method', async () => {
  const { handle, lines } = mounted('resend');
  const response = await handle(
    new Request('https://hooks.example.com/webhooks/mail/resnd', { method: 'POST' }),
  );
  expect(response.status).toBe(404);
  const line = await refusalLine(response, lines, undefined);
  expect(line.fields).toMatchObject({ path: '/webhooks/mail/resnd', method: 'POST' });
});

test('a refusal quoting a huge field: the answer and the line keep its first 1,000 characters', async () => {
  const { post, lines } = mounted('ses');
  const request = await signedRequest('ses', { recipient: 'jane@example.com' });
  const envelope = JSON.parse(String(request.body)) as Record<string, unknown>;
  const huge = 'x'.repeat(200_000);
  const response = await post({ ...request, body: JSON.stringify({ ...envelope, Type: huge }) });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe('unknown-type');
  expect(body.message).toMatch(/^SNS envelope field "Type" is "x{900,}… \(\d+ characters\)$/);
  expect(body.message.length).toBeLessThan(1100);
  expect(lines).toHaveLength(1);
  expect(String(lines[0]?.fields.detail)).toBe(body.message);
  expect(JSON.stringify(lines).length).toBeLessThan(2000);
});

test('a refusal message of exactly 1,000 characters is kept whole; one of 1,001 is cut to 1,000', async () => {
  const { post } = mounted('ses');
  const request = await signedRequest('ses', { recipient: 'jane@example.com' });
  const envelope = JSON.parse(String(request.body)) as Record<string, unknown>;
  const refuse = async (type: string) => {
    const response = await post({ ...request, body: JSON.stringify({ ...envelope, Type: type }) });
    return ((await response.json()) as { message: string }).message;
  };
  // The message around a Type of n characters is n plus the rest of the sentence.
  const rest = (await refuse('x')).length - 1;
  const whole = await refuse('x'.repeat(1000 - rest));
  expect(whole).toHaveLength(1000);
  expect(whole).not.toContain('…');
  const cut = await refuse('x'.repeat(1001 - rest));
  // The same sentence with one x more, its last character cut.
  expect(cut).toBe(`${whole.replace('"x', '"xx').slice(0, 1000)}… (1001 characters)`);
});
