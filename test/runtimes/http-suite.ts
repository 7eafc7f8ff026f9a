/** The HTTP behaviour every runtime must show, written once and run against each (as srvx's addTests). */
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import { generateTestKeys, KEY_SPECS } from '../../src/cli/keys.js';
import { type Credentials, cliProvider } from '../../src/cli/samples/index.js';
import delivered from '../fixtures/esps/resend/anymail_delivered_event.json' with { type: 'json' };
import type { Signer } from '../helpers/signing.js';
import { forged, signedSesPost } from '../helpers/sns-request.js';

export const ROUTE = '/webhooks/mail/ses';

const RESEND_SECRET = `whsec_${btoa('suite-resend-secret-24-b')}`;

// A fresh key pair for each ESP that signs with a private key (ECDSA, RSA, Ed25519).
const [sendgridKeys, postalKeys, mailpaceKeys] = await Promise.all(
  ['sendgrid', 'postal', 'mailpace'].map((name) =>
    generateTestKeys(KEY_SPECS[name] as NonNullable<(typeof KEY_SPECS)[string]>),
  ),
);

/** The fan-out endpoint of failed events: nothing listens there (workerd's fetch is stubbed to fail it). */
export const SUITE_FANOUT_URL = 'http://127.0.0.1:9/refused';

const MANDRILL_URL = 'https://hooks.example.com/webhooks/mail/mandrill';

/** Each ESP that signs its requests, with the credentials `mailhooks send` signs them with here. */
const SIGNED: readonly (readonly [string, Credentials])[] = [
  ['sendgrid', { privateKey: sendgridKeys?.privateKeyPem }],
  ['postal', { privateKey: postalKeys?.privateKeyPem }],
  ['mailpace', { privateKey: mailpaceKeys?.privateKeyPem }],
  ['mailgun', { secret: 'suite-mailgun-key' }],
  ['mandrill', { secret: 'suite-mandrill-key' }],
  ['unisender-go', { secret: 'suite-unisender-key' }],
];

/**
 * The variables every target adds beside SES, answered through each server's own HTTP stack: the
 * set-up probes (Mandrill's HEAD, Unisender Go's GET), each signing scheme (Standard Webhooks,
 * ECDSA, RSA, Ed25519, HMACs, MD5) and a shared-secret provider of each credential kind (Basic,
 * bearer, header).
 */
export const SUITE_ENV = {
  MAIL_WEBHOOK_PROVIDERS:
    'ses,mandrill,unisender-go,resend,postmark,brevo,sparkpost,sendgrid,postal,mailpace,mailgun',
  MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: 'suite-mandrill-key',
  MAIL_WEBHOOK_MANDRILL_URL: MANDRILL_URL,
  MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'suite-unisender-key',
  MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
  MAIL_WEBHOOK_POSTMARK_PASSWORD: 'suite-postmark-password',
  MAIL_WEBHOOK_BREVO_TOKEN: 'suite-brevo-token',
  MAIL_WEBHOOK_SPARKPOST_HEADER: 'X-Hook-Token',
  MAIL_WEBHOOK_SPARKPOST_VALUE: 'suite-sparkpost-value',
  MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: sendgridKeys?.publicKey ?? '',
  MAIL_WEBHOOK_POSTAL_PUBLIC_KEY: postalKeys?.publicKey ?? '',
  MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY: mailpaceKeys?.publicKey ?? '',
  MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: 'suite-mailgun-key',
  // Failed events also go to a fan-out endpoint nothing listens on: that sink fails.
  MAIL_WEBHOOK_SINKS: 'memory,fanout',
  MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
    { url: SUITE_FANOUT_URL, secret: 'env:SUITE_FANOUT_SECRET', events: ['failed'] },
  ]),
  MAIL_WEBHOOK_FANOUT_RETRIES: '0',
  SUITE_FANOUT_SECRET: RESEND_SECRET,
} as const;

/** A request with a string body, as a bare socket sends it. */
export interface RawInit {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface HttpTarget {
  /** Sends a request to the server under test; `path` starts with `/`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Signs the notifications; the server under test must be able to download its certificate. */
  readonly signer: Signer;
  /** The server's `maxBodyBytes` setting. */
  readonly maxBodyBytes: number;
  /** What the server printed on stdout so far; the log check is left out without it. */
  readonly stdout?: () => string;
  /**
   * Sends a request whose Host header is exactly `host` (fetch always sends the URL's own);
   * the Host tests are left out without it.
   */
  readonly fetchWithHost?: (path: string, host: string, init?: RawInit) => Promise<Response>;
}

const _json = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as Record<string, unknown>,
});

/** The headers Svix (Resend) signs `body` with, now. */
function _svixHeaders(body: string): Record<string, string> {
  const now = new Date();
  return {
    'svix-id': 'msg_suite',
    'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
    'svix-signature': new Webhook(RESEND_SECRET).sign('msg_suite', now, body),
  };
}

const _post = (target: HttpTarget, body: BodyInit, headers: Record<string, string> = {}) =>
  target.fetch(ROUTE, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

/** A body of `size` bytes sent in chunks without a content-length, as a chunked upload. */
function _streamed(size: number, chunk = 4096): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const length = Math.min(chunk, size - sent);
      sent += length;
      controller.enqueue(new Uint8Array(length).fill(0x61));
    },
  });
}

/** Whether a JSON line of `stdout` matches `wanted`, within 15 s (servers write lines in batches). */
async function _logged(
  stdout: () => string,
  wanted: (line: Record<string, unknown>) => boolean,
): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const logged = stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .some(wanted);
    if (logged) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const _eventLogged = (stdout: () => string, recipient: string) =>
  _logged(stdout, (line) => line.msg === 'event' && line.recipient === recipient);

/** Registers the shared HTTP tests against `target`. */
export function addHttpTests(target: HttpTarget): void {
  test('accepts a signed SES notification and answers with the event count', async () => {
    const post = await signedSesPost(target.signer);
    const response = await _post(target, post.body, post.headers);
    expect(await _json(response)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    const { stdout } = target;
    if (stdout) expect(await _eventLogged(stdout, post.recipient)).toBe(true);
  });

  test('refuses a notification altered after signing with 403 signature-invalid', async () => {
    const post = forged(await signedSesPost(target.signer));
    const { status, body } = await _json(await _post(target, post.body, post.headers));
    expect({ status, error: body.error }).toEqual({ status: 403, error: 'signature-invalid' });
  });

  test('answers GET /healthz with 200 {"ok":true}', async () => {
    const response = await target.fetch('/healthz');
    expect(await _json(response)).toEqual({ status: 200, body: { ok: true } });
  });

  test('answers HEAD /healthz 200 as GET, without the body over HTTP; a path under or beside it is no probe', async () => {
    const head = await target.fetch('/healthz', { method: 'HEAD' });
    const text = await head.text();
    // Over HTTP a HEAD answer has no body; the Worker's fetch called in process carries the GET's.
    expect([head.status, head.headers.get('content-type'), text]).toEqual([
      200,
      'application/json; charset=utf-8',
      text === '' ? '' : '{"ok":true}',
    ]);
    for (const path of ['/healthz/x', '/healthzz']) {
      const response = await target.fetch(path);
      expect({ path, ...(await _json(response)) }).toMatchObject({ path, status: 404 });
    }
  });

  test('answers 404 off its routes', async () => {
    expect((await target.fetch('/nowhere')).status).toBe(404);
    expect((await target.fetch('/webhooks/mail/nope', { method: 'POST', body: '{}' })).status).toBe(
      404,
    );
  });

  test('answers 405 with Allow: POST to a GET on the route', async () => {
    const response = await target.fetch(ROUTE);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    await response.body?.cancel();
  });

  test('answers 404 naming the routes to an undecodable or encoded path, never 500', async () => {
    for (const segment of ['%E0%A4%A', '%zz', '%', '%73es', 'ses%2F..']) {
      const response = await target.fetch(`/webhooks/mail/${segment}`, {
        method: 'POST',
        body: '{}',
      });
      const { status, body } = await _json(response);
      expect({ segment, status, error: body.error }).toEqual({
        segment,
        status: 404,
        error: 'not-found',
      });
      expect(body.message).toContain(ROUTE);
    }
  });

  test('answers 405 with Allow: POST to a method no client sends (PROPFIND)', async () => {
    const response = await target.fetch(ROUTE, { method: 'PROPFIND' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    await response.body?.cancel();
  });

  test("answers Mandrill's HEAD probe and Unisender Go's GET probe 200, each logged", async () => {
    const head = await target.fetch('/webhooks/mail/mandrill', { method: 'HEAD' });
    // Over HTTP a HEAD answer has no body; the Worker's fetch called in process may carry one.
    expect(head.status).toBe(200);
    await head.body?.cancel();
    const get = await target.fetch('/webhooks/mail/unisender-go');
    expect(await _json(get)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    const { stdout } = target;
    if (stdout) {
      for (const esp of ['mandrill', 'unisender-go'])
        expect(
          await _logged(stdout, (line) => line.esp === esp && /probe/.test(String(line.msg))),
        ).toBe(true);
    }
  });

  test('delivers a Resend event signed as Svix signs it, and refuses it unsigned 403 signature-missing', async () => {
    const body = JSON.stringify(delivered);
    const signed = _svixHeaders(body);
    const post = (headers: Record<string, string>) =>
      target.fetch('/webhooks/mail/resend', { method: 'POST', body, headers });
    expect(await _json(await post(signed))).toEqual({ status: 200, body: { ok: true, events: 1 } });
    const { stdout } = target;
    if (stdout) expect(await _eventLogged(stdout, 'to@example.org')).toBe(true);
    const unsigned = await _json(await post({ ...signed, 'svix-signature': '' }));
    expect({ status: unsigned.status, error: unsigned.body.error }).toEqual({
      status: 403,
      error: 'signature-missing',
    });
  });

  test('answers 503 sink-failed, so the ESP retries, when a sink does not take the event', async () => {
    // Only failed events go to the fan-out endpoint, which refuses the connection.
    const body = JSON.stringify({ ...delivered, type: 'email.failed' });
    const response = await target.fetch('/webhooks/mail/resend', {
      method: 'POST',
      body,
      headers: _svixHeaders(body),
    });
    const { status, body: answer } = await _json(response);
    expect({ status, error: answer.error }).toEqual({ status: 503, error: 'sink-failed' });
  });

  test('verifies each signing scheme (ECDSA, RSA, Ed25519, HMAC in the body, over the URL, MD5) and delivers the event', async () => {
    for (const [esp, credentials] of SIGNED) {
      const cli = cliProvider(esp);
      const recipient = `suite-${esp}@example.com`;
      const now = new Date();
      const [payload] = cli?.events.delivered?.({ recipients: [recipient], now }) ?? [];
      const signed = await cli?.sign(payload, credentials, now, MANDRILL_URL);
      const response = await target.fetch(`/webhooks/mail/${esp}`, {
        method: 'POST',
        body: signed?.body ?? '',
        headers: signed?.headers ?? {},
      });
      const { status, body } = await _json(response);
      expect({ esp, status, body }).toEqual({ esp, status: 200, body: { ok: true, events: 1 } });
      const { stdout } = target;
      if (stdout)
        expect({ esp, logged: await _eventLogged(stdout, recipient) }).toEqual({
          esp,
          logged: true,
        });
    }
  });

  test('challenges missing shared-secret credentials by kind (Basic, Bearer, none for a header) with 401, and refuses wrong ones 403', async () => {
    const kinds = [
      ['postmark', 'Basic', { authorization: `Basic ${btoa('hooks:wrong')}` }],
      ['brevo', 'Bearer', { authorization: 'Bearer wrong' }],
      ['sparkpost', null, { 'x-hook-token': 'wrong' }],
    ] as const;
    for (const [esp, scheme, wrong] of kinds) {
      const route = `/webhooks/mail/${esp}`;
      const missing = await target.fetch(route, { method: 'POST', body: '[]' });
      const challenge = missing.headers.get('www-authenticate');
      const { status, body } = await _json(missing);
      expect({ esp, status, error: body.error, scheme: challenge?.split(' ')[0] ?? null }).toEqual({
        esp,
        status: 401,
        error: 'credentials-required',
        scheme,
      });
      const refused = await _json(
        await target.fetch(route, { method: 'POST', body: '[]', headers: wrong }),
      );
      expect({ esp, status: refused.status, error: refused.body.error }).toEqual({
        esp,
        status: 403,
        error: 'secret-mismatch',
      });
    }
  });

  test('answers HEAD and OPTIONS on a POST-only route 405 with Allow: POST', async () => {
    const head = await target.fetch(ROUTE, { method: 'HEAD' });
    expect({ status: head.status, allow: head.headers.get('allow') }).toEqual({
      status: 405,
      allow: 'POST',
    });
    await head.body?.cancel();
    const options = await _json(await target.fetch(ROUTE, { method: 'OPTIONS' }));
    expect({ status: options.status, error: options.body.error }).toEqual({
      status: 405,
      error: 'method-not-allowed',
    });
  });

  test('takes a query string or a trailing slash on the route as the route, and %2F as no separator', async () => {
    for (const path of [`${ROUTE}?from=sns`, `${ROUTE}/`]) {
      const response = await target.fetch(path, { method: 'POST', body: '{}' });
      const { status, body } = await _json(response);
      // The SES provider read it: its envelope check, not a 404.
      expect({ path, status, error: body.error }).toEqual({
        path,
        status: 400,
        error: 'invalid-envelope',
      });
    }
    const encoded = await _json(
      await target.fetch(ROUTE.replace(/\/ses$/, '%2Fses'), { method: 'POST', body: '{}' }),
    );
    expect({ status: encoded.status, error: encoded.body.error }).toEqual({
      status: 404,
      error: 'not-found',
    });
  });

  test('answers 413 to a body over the limit', async () => {
    const { status, body } = await _json(await _post(target, 'a'.repeat(target.maxBodyBytes + 1)));
    expect({ status, error: body.error }).toEqual({ status: 413, error: 'body-too-large' });
  });

  test('never inflates a body sent with Content-Encoding: gzip: 415 unsupported-encoding names the header; identity is read as sent', async () => {
    const post = await signedSesPost(target.signer);
    const gzipped = await new Response(
      new Blob([post.body]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    const response = await _post(target, gzipped, { ...post.headers, 'content-encoding': 'gzip' });
    const { status, body } = await _json(response);
    expect({ status, error: body.error, message: body.message }).toEqual({
      status: 415,
      error: 'unsupported-encoding',
      message: 'Content-Encoding gzip is not supported',
    });
    const identity = await _post(target, post.body, {
      ...post.headers,
      'content-encoding': 'identity',
    });
    expect(await _json(identity)).toEqual({ status: 200, body: { ok: true, events: 1 } });
  });

  test('answers 413 to a chunked body once it passes the limit', async () => {
    const stream = _streamed(target.maxBodyBytes * 4);
    const { status, body } = await _json(await _post(target, stream));
    expect({ status, error: body.error }).toEqual({ status: 413, error: 'body-too-large' });
  });

  describe.skipIf(!target.fetchWithHost)('the Host header', () => {
    const withHost = (path: string, host: string, init?: RawInit) =>
      (target.fetchWithHost as NonNullable<HttpTarget['fetchWithHost']>)(path, host, init);

    test('cannot steer routing: Host evil.example/webhooks/mail/ses? is 400 invalid-host', async () => {
      const response = await withHost('/nowhere', 'evil.example/webhooks/mail/ses?', {
        method: 'POST',
        body: '{}',
      });
      const { status, body } = await _json(response);
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid-host' });
    });

    test('cannot turn another path into the health check: Host x/healthz? is 400', async () => {
      const { status, body } = await _json(await withHost('/nowhere', 'x/healthz?'));
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid-host' });
    });

    test('a Host that is no host name ("a b", "[") is 400 invalid-host, never a 500', async () => {
      for (const host of ['a b', '[', 'a@b', '%zz']) {
        const { status, body } = await _json(await withHost(ROUTE, host, { method: 'POST' }));
        expect({ host, status, error: body.error }).toEqual({
          host,
          status: 400,
          error: 'invalid-host',
        });
      }
    });

    test('a well-formed Host of any name is served as usual', async () => {
      const post = await signedSesPost(target.signer);
      const response = await withHost(ROUTE, 'mail.example.com:8443', {
        method: 'POST',
        body: post.body,
        headers: post.headers,
      });
      expect(await _json(response)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    });
  });
}
