/** Routing reads the pathname only: long query strings, odd Host headers, and every refusal logged. */
import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type MailWebhookOptions,
  type Sink,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, memoryLogger, snsRequest, URL_SES } from '../helpers/envelope.js';

function setup(options: MailWebhookOptions = {}) {
  const received: EmailTrackingContext[] = [];
  const sink: Sink = { name: 'capture', send: async (events) => void received.push(...events) };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [sink],
    logger,
    ...options,
  });
  // Refusals only: start-up warns once that verification is off.
  const warnings = () => lines.filter((l) => l.level === 'warn' && l.msg === 'request refused');
  return { handle, received, lines, warnings };
}

const answer = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as Record<string, unknown>,
});

// The shape of itty-router's quadratic case: one key repeated thousands of times.
const LONG_QUERY = `?a=1${'&a'.repeat(32 * 1024)}`;

describe('query strings are never parsed', () => {
  test('a 64 KB query string on the route: answered as without it', async () => {
    expect(LONG_QUERY.length).toBeGreaterThanOrEqual(64 * 1024);
    const body = envelope(bounce);
    const plain = setup();
    const queried = setup();
    const without = await answer(await plain.handle(snsRequest(body)));
    const withQuery = await answer(
      await queried.handle(snsRequest(body, {}, URL_SES + LONG_QUERY)),
    );
    expect(withQuery).toEqual(without);
    expect(withQuery).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(queried.received.map((c) => c.recipient)).toEqual(
      plain.received.map((c) => c.recipient),
    );
  });

  test('a 64 KB query string off the routes: the same 404 as without it', async () => {
    const { handle } = setup();
    const off = 'http://localhost/webhooks/mail/nope';
    const without = await answer(await handle(new Request(off, { method: 'POST', body: '{}' })));
    const withQuery = await answer(
      await handle(new Request(off + LONG_QUERY, { method: 'POST', body: '{}' })),
    );
    expect(withQuery).toEqual(without);
    expect(withQuery.status).toBe(404);
  });

  test('a query string cannot steer the route', async () => {
    const { handle } = setup();
    const response = await handle(
      new Request('http://localhost/nope?path=/webhooks/mail/ses', { method: 'POST', body: '{}' }),
    );
    expect(response.status).toBe(404);
  });

  test('a query right after the host (Deno keeps an absolute-form target as sent) is no path', async () => {
    const { handle, received } = setup();
    const request = {
      method: 'POST',
      url: 'http://localhost?path=/webhooks/mail/ses',
      headers: new Headers(),
    } as unknown as Request;
    const { status, body } = await answer(await handle(request));
    expect({ status, error: body.error }).toEqual({ status: 404, error: 'not-found' });
    expect(body.message).toContain('no route for /;');
    expect(received).toEqual([]);
  });

  test('a fragment-like "#" and an encoded route segment do not reach a provider', async () => {
    const { handle } = setup();
    for (const url of [
      'http://localhost/webhooks/mail/%73es',
      'http://localhost/webhooks/mail/ses/x',
    ]) {
      expect((await handle(new Request(url, { method: 'POST', body: '{}' }))).status).toBe(404);
    }
  });

  test('a request URL that is not absolute (Bun gives CONNECT host:port one) is a 404, never 500', async () => {
    const { handle, warnings } = setup();
    const request = {
      method: 'CONNECT',
      url: '127.0.0.1:8787',
      headers: new Headers({ host: '127.0.0.1:8787' }),
    } as unknown as Request;
    const { status, body } = await answer(await handle(request));
    expect({ status, error: body.error }).toEqual({ status: 404, error: 'not-found' });
    expect(warnings()).toHaveLength(1);
  });
});

describe('the Host header', () => {
  test.each(['exa mple.com', 'a/b', 'evil.com/webhooks/mail/ses', '', 'host:99999999', 'a\\b'])(
    'Host %j: 400 invalid-host, logged, never 500',
    async (host) => {
      const { handle, received, warnings } = setup();
      const request = snsRequest(envelope(bounce), { host });
      const { status, body } = await answer(await handle(request));
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid-host' });
      expect(received).toHaveLength(0);
      expect(warnings()).toMatchObject([{ fields: { status: 400, reason: 'invalid-host' } }]);
    },
  );

  test.each([
    'example.com',
    'example.com:8787',
    '127.0.0.1:80',
    '[::1]:8787',
    'mail-hooks.example',
    // Every kind of character a name or address holds, and the highest port.
    'Z9_y.Example:65535',
    '[FE80::9a]',
  ])('Host %j is routed normally', async (host) => {
    const { handle } = setup();
    expect((await handle(snsRequest(envelope(bounce), { host }))).status).toBe(200);
  });
});

describe('404 and 405 say what exists, and are logged', () => {
  test('an unknown provider: 404 naming basePath and every provider path, one warn line', async () => {
    const { handle, warnings } = setup({
      basePath: '/hooks',
      providers: [ses({ verifySignature: false }), ses({ verifySignature: false, path: 'ses-eu' })],
    });
    const { status, body } = await answer(
      await handle(new Request('http://localhost/hooks/sess', { method: 'POST', body: '{}' })),
    );
    expect({ status, error: body.error }).toEqual({ status: 404, error: 'not-found' });
    expect(body.message).toContain('/hooks');
    expect(body.message).toContain('/hooks/ses');
    expect(body.message).toContain('/hooks/ses-eu');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields).toMatchObject({
      status: 404,
      path: '/hooks/sess',
      method: 'POST',
    });
  });

  test('a path outside basePath: 404, logged with the path', async () => {
    const { handle, warnings } = setup();
    expect((await handle(new Request('http://localhost/elsewhere'))).status).toBe(404);
    expect(warnings().map((l) => l.fields.path)).toEqual(['/elsewhere']);
  });

  test('a 404 never echoes the query string', async () => {
    const { handle, lines } = setup();
    const response = await handle(new Request('http://localhost/nope?token=hunter2'));
    expect(await response.text()).not.toContain('hunter2');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  test('basePath "/" routes at the root and the 404 names the routes without a double slash', async () => {
    const { handle } = setup({ basePath: '/' });
    expect((await handle(snsRequest(envelope(bounce), {}, 'http://localhost/ses'))).status).toBe(
      200,
    );
    const { body } = await answer(await handle(new Request('http://localhost/x/y')));
    expect(body.message).toContain('/ses');
    expect(body.message).not.toContain('//');
  });

  test.each(['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])(
    '%s on a provider route: 405 with Allow listing its methods, one warn line',
    async (method) => {
      const { handle, warnings } = setup();
      const response = await handle(new Request(URL_SES, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ ok: false, error: 'method-not-allowed' });
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]?.fields).toMatchObject({ status: 405, esp: 'ses', method });
    },
  );

  test('disabled: 404 on a real route, saying so, logged', async () => {
    const { handle, warnings, received } = setup({ enabled: false });
    const { status, body } = await answer(await handle(snsRequest(envelope(bounce))));
    expect(status).toBe(404);
    expect(body.message).toContain('disabled');
    expect(body.message).toContain('/webhooks/mail/ses');
    expect(received).toHaveLength(0);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields).toMatchObject({ status: 404, path: '/webhooks/mail/ses' });
  });
});

describe('each request is routed by its own path', () => {
  test('one handler, paths in turn: each answered as alone (the last route is remembered)', async () => {
    const { handle, received } = setup();
    const body = envelope(bounce);
    const base = URL_SES.slice(0, URL_SES.lastIndexOf('/'));
    const statuses: number[] = [];
    for (const url of [
      URL_SES,
      URL_SES,
      `${base}/nope`,
      URL_SES,
      `${base}/./ses`,
      `${base}/nope`,
      `${base}/nope`,
      `${URL_SES}/`,
    ]) {
      statuses.push((await handle(snsRequest(body, {}, url))).status);
    }
    expect(statuses).toEqual([200, 200, 404, 200, 200, 404, 404, 200]);
    expect(received).toHaveLength(2 * 5);
  });
});
