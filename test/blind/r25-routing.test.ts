/**
 * Blind round 25: custom providers (`defineProvider`), routing under `basePath`, and the 404/405
 * answers, against DESIGN's "Providers", "Common rules" and "Request life and answers".
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import {
  ConfigError,
  createD1Store,
  createMailWebhookHandler,
  defineProvider,
  type EmailTrackingContext,
  handleMailWebhook,
  type Logger,
  type Provider,
  postmark,
  refuse,
  ses,
} from '../../src/index.js';

const enc = new TextEncoder();
const fixture = (p: string) =>
  readFileSync(new URL(`../fixtures/esps/${p}`, import.meta.url), 'utf8');
const DELIVERY = fixture('postmark/anymail_delivered_event.json');
const BOUNCE = fixture('postmark/anymail_bounce_event.json');
const PASSWORD = 'pm-Secret-42';
const basic = (user: string, pw: string) => `Basic ${btoa(`${user}:${pw}`)}`;

type Call = { level: string; message: string; fields?: Record<string, unknown> };
function capture(): { logger: Logger; calls: Call[] } {
  const calls: Call[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void calls.push({ level, message, fields });
  return {
    calls,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

function setup(providers: Provider[], extra: Record<string, unknown> = {}) {
  const got: EmailTrackingContext[] = [];
  const log = capture();
  const handle = createMailWebhookHandler({
    providers,
    sinks: [{ name: 'capture', send: async (events) => void got.push(...events) }],
    logger: log.logger,
    ...extra,
  });
  return { handle, got, calls: log.calls };
}

const ORIGIN = 'https://hooks.example.com';
const req = (
  path: string,
  init: { method?: string; body?: BodyInit | null; headers?: Record<string, string> } = {},
) => new Request(`${ORIGIN}${path}`, { method: init.method ?? 'POST', ...init });
const pmPost = (path: string, body = DELIVERY, pw = PASSWORD) =>
  req(path, {
    body,
    headers: { 'content-type': 'application/json', authorization: basic('postmark', pw) },
  });

async function answer(res: Response) {
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

function context(over: Partial<EmailTrackingContext> = {}): EmailTrackingContext {
  return {
    eventType: 'delivered',
    messageId: 'm-1',
    recipient: 'a@example.com',
    timestamp: new Date('2026-01-02T03:04:05.000Z'),
    espName: 'acme-mail',
    tags: [],
    metadata: {},
    rejectReason: null,
    description: null,
    clickUrl: null,
    userAgent: null,
    rawEvent: { id: 'e-1' },
    eventId: 'acme-mail:e-1',
    mtaResponse: null,
    rejectCategory: null,
    permanent: null,
    ...over,
  };
}

/** A custom ESP: one event per `to` entry of a JSON body, authenticated by an `x-acme-key` header. */
function acme(over: Record<string, unknown> = {}) {
  const seen: { bodies: Uint8Array[]; ctx: unknown[]; authCalls: number } = {
    bodies: [],
    ctx: [],
    authCalls: 0,
  };
  const provider = defineProvider({
    name: 'acme-mail',
    methods: ['POST'],
    authenticate(request) {
      seen.authCalls++;
      const key = request.headers.get('x-acme-key');
      if (key === null) return refuse(401, 'credentials-missing', 'x-acme-key header missing');
      if (key !== 'k1') return refuse(403, 'credentials-invalid', 'x-acme-key does not match');
      return undefined;
    },
    async handle(_request, body, ctx) {
      seen.bodies.push(body);
      seen.ctx.push(ctx);
      let parsed: { id: string; to: string[]; type?: string };
      try {
        parsed = JSON.parse(new TextDecoder().decode(body));
      } catch {
        return refuse(400, 'body-not-json', 'the body is not JSON');
      }
      return {
        events: parsed.to.map((recipient) =>
          context({
            recipient,
            eventId: `acme-mail:${parsed.id}`,
            rawEvent: parsed,
            eventType: (parsed.type as EmailTrackingContext['eventType']) ?? 'delivered',
          }),
        ),
      };
    },
    ...over,
  });
  return { provider, seen };
}
const acmePost = (path: string, body: string, key: string | null = 'k1') =>
  req(path, {
    body,
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-acme-key': key }) },
  });
const ACME_BODY = JSON.stringify({ id: 'e-7', to: ['a@example.com', 'b@example.com'] });

/** A D1 binding that answers every statement with nothing: enough to build a store. */
function idleD1() {
  const statement = {
    bind: () => statement,
    run: async () => ({}),
    all: async () => ({ results: [] }),
    first: async () => null,
    raw: async () => [],
  };
  return { prepare: () => statement, batch: async () => [], exec: async () => ({}) };
}

afterEach(() => vi.restoreAllMocks());

describe('success answer', () => {
  it('answers 200 with exactly { ok: true, events: N }', async () => {
    const { handle, got } = setup([postmark({ password: PASSWORD })]);
    const a = await answer(await handle(pmPost('/webhooks/mail/postmark')));
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ ok: true, events: 1 });
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(got.map((e) => e.espName)).toEqual(['postmark']);
  });

  it('a custom provider’s events count and reach the sink in order', async () => {
    const { provider } = acme();
    const { handle, got } = setup([provider]);
    const a = await answer(await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY)));
    expect(a.json).toEqual({ ok: true, events: 2 });
    expect(got.map((e) => e.recipient)).toEqual(['a@example.com', 'b@example.com']);
    expect(got.every((e) => e.espName === 'acme-mail' && e.eventId === 'acme-mail:e-7')).toBe(true);
  });

  it('a custom provider returning no events answers { ok: true, events: 0 }', async () => {
    const provider = defineProvider({ name: 'pinger', handle: () => ({ events: [] }) });
    const { handle, got } = setup([provider]);
    const a = await answer(await handle(req('/webhooks/mail/pinger', { body: '{}' })));
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ ok: true, events: 0 });
    expect(got).toEqual([]);
  });
});

describe('defineProvider: shape and checks', () => {
  it('returns a Provider whose name is the default path and the methods given', () => {
    const { provider } = acme();
    expect(provider.name).toBe('acme-mail');
    expect(provider.path).toBe('acme-mail');
    expect(provider.methods).toContain('POST');
  });

  it.each(['AcmeMail', 'acme_mail', 'acme mail', '-acme', 'acme-', 'acme--mail', ''])(
    'refuses the non-kebab-case name %j with a ConfigError naming name',
    (name) => {
      expect(() => defineProvider({ name, handle: () => ({ events: [] }) })).toThrow(ConfigError);
      expect(() => defineProvider({ name, handle: () => ({ events: [] }) })).toThrow(/name/);
    },
  );

  it('refuses a definition without handle', () => {
    expect(() => defineProvider({ name: 'no-handle' } as never)).toThrow(/handle/);
  });

  it('a custom provider with its own path answers there, not at its name', async () => {
    const { provider } = acme({ path: 'acme-eu' });
    const { handle, got } = setup([provider]);
    expect((await handle(acmePost('/webhooks/mail/acme-eu', ACME_BODY))).status).toBe(200);
    expect(got[0]?.espName).toBe('acme-mail');
    const miss = await answer(await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY)));
    expect(miss.status).toBe(404);
  });
});

describe('defineProvider: authenticate before the body, handle with the raw bytes', () => {
  it('authenticate refusing 401 answers it without reading the body', async () => {
    const { provider, seen } = acme();
    const { handle, got } = setup([provider]);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(enc.encode(ACME_BODY));
        c.close();
      },
    });
    const request = new Request(`${ORIGIN}/webhooks/mail/acme-mail`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    const a = await answer(await handle(request));
    expect(a.status).toBe(401);
    expect(a.json).toMatchObject({ ok: false, error: 'credentials-missing' });
    expect(seen.bodies).toHaveLength(0);
    expect(pulled).toBeLessThanOrEqual(1);
    expect(request.bodyUsed).toBe(false);
    expect(got).toEqual([]);
  });

  it('authenticate refusing 403 answers the reason and message as JSON', async () => {
    const { provider, seen } = acme();
    const { handle } = setup([provider]);
    const a = await answer(await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY, 'nope')));
    expect(a.status).toBe(403);
    expect(a.json).toEqual({
      ok: false,
      error: 'credentials-invalid',
      message: 'x-acme-key does not match',
    });
    expect(seen.bodies).toHaveLength(0);
  });

  it('a custom 403 has the same JSON shape and content type as a built-in 403', async () => {
    const { provider } = acme();
    const { handle } = setup([provider, postmark({ password: PASSWORD })]);
    const custom = await answer(await handle(acmePost('/webhooks/mail/acme-mail', '{}', 'x')));
    const builtin = await answer(
      await handle(pmPost('/webhooks/mail/postmark', DELIVERY, 'wrong')),
    );
    expect(builtin.status).toBe(403);
    expect(custom.status).toBe(403);
    expect(Object.keys(custom.json ?? {}).sort()).toEqual(Object.keys(builtin.json ?? {}).sort());
    expect(custom.headers.get('content-type')).toBe(builtin.headers.get('content-type'));
  });

  it('handle receives the exact raw bytes, non-UTF-8 included', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x80, 0x0a]);
    let received: Uint8Array | undefined;
    const provider = defineProvider({
      name: 'raw-bytes',
      handle(_r, body) {
        received = body;
        return { events: [] };
      },
    });
    const { handle } = setup([provider]);
    expect((await handle(req('/webhooks/mail/raw-bytes', { body: bytes }))).status).toBe(200);
    expect(received).toBeInstanceOf(Uint8Array);
    expect([...(received ?? [])]).toEqual([...bytes]);
  });

  it('handle gets the handler’s fetch, now and logger', async () => {
    const fixedNow = new Date('2030-05-06T07:08:09Z');
    const fetchCalls: string[] = [];
    const myFetch = async (input: RequestInfo | URL) => {
      fetchCalls.push(String(input));
      return new Response('fetched');
    };
    const provider = defineProvider({
      name: 'ctx-check',
      async handle(_r, _b, ctx) {
        const text = await (await ctx.fetch('https://upstream.example/x')).text();
        ctx.logger.info('custom says hi', { text });
        return { events: [context({ espName: 'ctx-check', timestamp: ctx.now() })] };
      },
    });
    const { handle, got, calls } = setup([provider], { now: () => fixedNow, fetch: myFetch });
    expect((await handle(req('/webhooks/mail/ctx-check', { body: '{}' }))).status).toBe(200);
    expect(fetchCalls).toEqual(['https://upstream.example/x']);
    expect(got[0]?.timestamp.toISOString()).toBe(fixedNow.toISOString());
    expect(calls.some((c) => c.message === 'custom says hi' && c.fields?.text === 'fetched')).toBe(
      true,
    );
  });

  it('a refusal from handle (400) is answered with its reason', async () => {
    const { provider } = acme();
    const { handle } = setup([provider]);
    const a = await answer(await handle(acmePost('/webhooks/mail/acme-mail', 'not json')));
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({ ok: false, error: 'body-not-json' });
  });

  it('a refusal written by hand answers like refuse()', async () => {
    const provider = defineProvider({
      name: 'by-hand',
      handle: () => ({ status: 403, reason: 'signature-invalid', message: 'bad signature' }),
    });
    const { handle } = setup([provider]);
    const a = await answer(await handle(req('/webhooks/mail/by-hand', { body: '{}' })));
    expect(a.status).toBe(403);
    expect(a.json).toEqual({ ok: false, error: 'signature-invalid', message: 'bad signature' });
  });

  it('refuse() keeps a WWW-Authenticate header on the answer', async () => {
    const provider = defineProvider({
      name: 'needs-basic',
      authenticate: () =>
        refuse(401, 'credentials-missing', 'send Basic credentials', {
          'WWW-Authenticate': 'Basic realm="acme"',
        }),
      handle: () => ({ events: [] }),
    });
    const { handle } = setup([provider]);
    const res = await handle(req('/webhooks/mail/needs-basic', { body: '{}' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="acme"');
  });

  it('refuse() rejects a status outside 400..599', () => {
    expect(() => refuse(200, 'fine', 'not a refusal')).toThrow(TypeError);
    expect(() => refuse(302, 'moved', 'not a refusal')).toThrow(TypeError);
  });

  it('a body over maxBodyBytes is 413 and never reaches handle', async () => {
    const { provider, seen } = acme();
    const { handle } = setup([provider], { maxBodyBytes: 64 });
    const a = await answer(
      await handle(acmePost('/webhooks/mail/acme-mail', JSON.stringify({ id: 'x'.repeat(200) }))),
    );
    expect(a.status).toBe(413);
    expect(seen.bodies).toHaveLength(0);
  });

  it('a failing sink after a custom provider answers 503', async () => {
    const { provider } = acme();
    const handle = createMailWebhookHandler({
      providers: [provider],
      sinks: [
        {
          name: 'broken',
          send: async () => {
            throw new Error('down');
          },
        },
      ],
      logger: capture().logger,
    });
    const a = await answer(await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY)));
    expect(a.status).toBe(503);
    expect(a.json).toMatchObject({ ok: false });
  });

  it('a handle that throws neither throws out of the handler nor leaks a stack', async () => {
    const provider = defineProvider({
      name: 'thrower',
      handle() {
        throw new Error('boom secret-value-123');
      },
    });
    const { handle } = setup([provider]);
    const a = await answer(await handle(req('/webhooks/mail/thrower', { body: '{}' })));
    expect(a.status).toBeGreaterThanOrEqual(500);
    expect(a.text).not.toMatch(/\n\s+at /);
    expect(a.text).not.toContain('secret-value-123');
  });

  it('a context without rejectCategory/permanent reaches the sink with null', async () => {
    const { rejectCategory: _c, permanent: _p, ...old } = context({ espName: 'old-style' });
    const provider = defineProvider({ name: 'old-style', handle: () => ({ events: [old] }) });
    const { handle, got } = setup([provider]);
    expect((await handle(req('/webhooks/mail/old-style', { body: '{}' }))).status).toBe(200);
    expect(got[0]?.rejectCategory).toBeNull();
    expect(got[0]?.permanent).toBeNull();
  });
});

describe('defineProvider: methods', () => {
  it('a POST-only custom route answers GET with 405 and Allow: POST', async () => {
    const { provider, seen } = acme();
    const { handle } = setup([provider]);
    const res = await handle(req('/webhooks/mail/acme-mail', { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toMatch(/POST/);
    expect(seen.authCalls).toBe(0);
  });

  it('a probe method (GET) added to methods is answered, not 405', async () => {
    const provider = defineProvider({
      name: 'probed',
      methods: ['POST', 'GET'],
      handle: (request) => (request.method === 'GET' ? { events: [] } : { events: [context()] }),
    });
    const { handle } = setup([provider]);
    const res = await handle(req('/webhooks/mail/probed', { method: 'GET' }));
    expect(res.status).toBe(200);
    const put = await handle(req('/webhooks/mail/probed', { method: 'PUT', body: '{}' }));
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toMatch(/GET/);
    expect(put.headers.get('allow')).toMatch(/POST/);
  });

  it('a HEAD probe added to methods is answered 2xx with no body', async () => {
    const provider = defineProvider({
      name: 'head-probe',
      methods: ['POST', 'HEAD'],
      handle: () => ({ events: [] }),
    });
    const { handle } = setup([provider]);
    const res = await handle(req('/webhooks/mail/head-probe', { method: 'HEAD' }));
    expect(res.status).toBe(200);
  });
});

describe('routing under basePath', () => {
  it('serves POST {basePath}/{path} at the default /webhooks/mail', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    expect((await handle(pmPost('/webhooks/mail/postmark'))).status).toBe(200);
  });

  it('a custom basePath serves its routes and the default no longer does', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], { basePath: '/hooks/esp' });
    expect((await handle(pmPost('/hooks/esp/postmark'))).status).toBe(200);
    const old = await answer(await handle(pmPost('/webhooks/mail/postmark')));
    expect(old.status).toBe(404);
    expect(old.text).toContain('/hooks/esp');
  });

  it('a basePath written with a trailing slash serves the same routes', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], { basePath: '/hooks/' });
    expect((await handle(pmPost('/hooks/postmark'))).status).toBe(200);
  });

  it('a request path with one trailing slash reaches the route', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    expect((await handle(pmPost('/webhooks/mail/postmark/'))).status).toBe(200);
  });

  it('basePath "/" serves routes at the root', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], { basePath: '/' });
    expect((await handle(pmPost('/postmark'))).status).toBe(200);
  });

  it('a prefix that only looks like basePath is 404', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], { basePath: '/hooks' });
    expect((await handle(pmPost('/hooksx/postmark'))).status).toBe(404);
    expect((await handle(pmPost('/hooks'))).status).toBe(404);
    expect((await handle(pmPost('/hooks/postmark/extra'))).status).toBe(404);
  });

  it('a 64 KB query string does not disturb routing', async () => {
    const { handle, got } = setup([postmark({ password: PASSWORD })]);
    const q = `?x=${'a/'.repeat(32 * 1024)}`;
    const a = await answer(await handle(pmPost(`/webhooks/mail/postmark${q}`)));
    expect(a.status).toBe(200);
    expect(got).toHaveLength(1);
    const miss = await answer(await handle(pmPost(`/webhooks/mail/nope${q}`)));
    expect(miss.status).toBe(404);
    expect(miss.text.length).toBeLessThan(4096);
  });

  it('a query string naming another route does not change the route', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    expect((await handle(pmPost('/webhooks/mail/nope?p=/webhooks/mail/postmark'))).status).toBe(
      404,
    );
    expect((await handle(pmPost('/webhooks/mail/postmark?p=/x'))).status).toBe(200);
  });

  it.each([
    '/webhooks//mail/postmark',
    '/webhooks/mail//postmark',
    '//webhooks/mail/postmark',
    '/webhooks/mail/%zz',
    '/webhooks/mail/%',
    '/webhooks/mail/%2e%2e/postmark',
    '/webhooks/mail/postmark%2Fx',
    '/webhooks/mail/%00',
    '/webhooks/mail/post%20mark',
  ])('odd path %s is a JSON 404 naming basePath, never a throw or 500', async (path) => {
    const { handle, got } = setup([postmark({ password: PASSWORD })]);
    const a = await answer(await handle(pmPost(path)));
    expect(a.status).toBe(404);
    expect(a.json).toMatchObject({ ok: false, error: 'not-found' });
    expect(a.text).toContain('basePath is /webhooks/mail');
    expect(got).toEqual([]);
  });

  it('a percent-encoded provider path is not a second spelling of the route', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    const a = await answer(await handle(pmPost('/webhooks/mail/post%6Dark')));
    expect(a.status).toBe(404);
  });

  it('dot segments are resolved before matching, as a URL parser resolves them', async () => {
    const { handle, got } = setup([postmark({ password: PASSWORD })]);
    const request = pmPost('/webhooks/mail/postmark');
    // A Request normalizes its URL; a runtime adapter may hand over the raw target instead.
    Object.defineProperty(request, 'url', { value: `${ORIGIN}/webhooks/x/../mail/./postmark` });
    expect((await handle(request)).status).toBe(200);
    expect(got).toHaveLength(1);
  });

  it('a malformed Host header does not make the handler throw', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    for (const host of ['bad host:::[', 'a/b', 'x?y', 'u@x', '']) {
      const request = pmPost('/webhooks/mail/postmark');
      request.headers.set('host', host);
      const a = await answer(await handle(request));
      expect(a.status, host).toBe(400);
      expect(a.json, host).toMatchObject({ ok: false, error: 'invalid-host' });
    }
  });

  it('a sane Host, IPv6 and a port included, is no reason to refuse', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    for (const host of ['hooks.example.com', 'localhost:8787', '[::1]:8787', '10.0.0.1']) {
      const request = pmPost('/webhooks/mail/postmark');
      request.headers.set('host', host);
      expect((await handle(request)).status, host).toBe(200);
    }
  });
});

describe('404 and 405', () => {
  it('an unknown provider is 404 naming basePath and every provider path, not the secret', async () => {
    const { provider } = acme();
    const { handle, calls } = setup([postmark({ password: PASSWORD }), provider]);
    const a = await answer(await handle(pmPost('/webhooks/mail/mailgun')));
    expect(a.status).toBe(404);
    expect(a.json).toMatchObject({ ok: false });
    expect(a.text).toContain('/webhooks/mail');
    expect(a.text).toContain('postmark');
    expect(a.text).toContain('acme-mail');
    expect(a.text).not.toContain(PASSWORD);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(calls.length).toBeGreaterThan(0);
  });

  it('a path outside basePath is 404 naming basePath', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    for (const path of ['/', '/favicon.ico', '/webhooks', '/webhooks/mail', '/webhooks/mail/']) {
      const a = await answer(await handle(pmPost(path)));
      expect(a.status, path).toBe(404);
      expect(a.text, path).toContain('/webhooks/mail');
    }
  });

  it('an unknown path answers 404 for any method, not 405', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await handle(req('/webhooks/mail/nope', { method }));
      expect(res.status, method).toBe(404);
    }
  });

  it('provider paths are case-sensitive', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    expect((await handle(pmPost('/webhooks/mail/Postmark'))).status).toBe(404);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    '%s on a POST route is 405 with Allow naming POST',
    async (method) => {
      const { handle } = setup([postmark({ password: PASSWORD })]);
      const res = await handle(req('/webhooks/mail/postmark', { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toMatch(/\bPOST\b/);
    },
  );

  it('HEAD on a POST-only route is 405', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    const res = await handle(req('/webhooks/mail/postmark', { method: 'HEAD' }));
    expect(res.status).toBe(405);
  });

  it('a 405 is checked before credentials: no 401 for a GET without them', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    const res = await handle(req('/webhooks/mail/postmark', { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('the 405 body is JSON naming the method', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })]);
    const a = await answer(await handle(req('/webhooks/mail/postmark', { method: 'PUT' })));
    expect(a.json).toMatchObject({ ok: false });
    expect(a.text).toContain('PUT');
  });
});

describe('enabled: false', () => {
  it('answers every route 404, any method, and delivers nothing', async () => {
    const { provider, seen } = acme();
    const { handle, got } = setup([postmark({ password: PASSWORD }), provider], {
      enabled: false,
    });
    expect((await handle(pmPost('/webhooks/mail/postmark'))).status).toBe(404);
    expect((await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY))).status).toBe(404);
    expect((await handle(req('/webhooks/mail/postmark', { method: 'GET' }))).status).toBe(404);
    expect((await handle(pmPost('/webhooks/mail/nope'))).status).toBe(404);
    expect(got).toEqual([]);
    expect(seen.authCalls).toBe(0);
  });

  it('the disabled 404 is JSON and carries no secret', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], { enabled: false });
    const a = await answer(await handle(pmPost('/webhooks/mail/postmark')));
    expect(a.json).toMatchObject({ ok: false });
    expect(a.text).not.toContain(PASSWORD);
  });
});

describe('mounting', () => {
  it('one ESP mounted twice under two paths uses each path’s own secret', async () => {
    const { handle, got } = setup([
      postmark({ password: 'pw-a', path: 'pm-a' }),
      postmark({ password: 'pw-b', path: 'pm-b' }),
    ]);
    expect((await handle(pmPost('/webhooks/mail/pm-a', DELIVERY, 'pw-a'))).status).toBe(200);
    expect((await handle(pmPost('/webhooks/mail/pm-b', BOUNCE, 'pw-b'))).status).toBe(200);
    expect((await handle(pmPost('/webhooks/mail/pm-a', DELIVERY, 'pw-b'))).status).toBe(403);
    expect((await handle(pmPost('/webhooks/mail/pm-b', DELIVERY, 'pw-a'))).status).toBe(403);
    expect((await handle(pmPost('/webhooks/mail/postmark'))).status).toBe(404);
    expect(got.map((e) => [e.espName, e.eventType])).toEqual([
      ['postmark', 'delivered'],
      ['postmark', 'bounced'],
    ]);
  });

  it('two providers on one path are a ConfigError naming the path', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [postmark({ password: 'a' }), postmark({ password: 'b' })],
      }),
    ).toThrow(ConfigError);
    expect(() =>
      createMailWebhookHandler({
        providers: [postmark({ password: 'a' }), postmark({ password: 'b' })],
      }),
    ).toThrow(/postmark/);
  });

  it('a custom provider on a built-in’s path is a ConfigError', () => {
    const { provider } = acme({ path: 'postmark' });
    expect(() =>
      createMailWebhookHandler({ providers: [postmark({ password: 'a' }), provider] }),
    ).toThrow(ConfigError);
  });

  it.each(['suppressions', 'events'])(
    'provider path %s is reserved when a store serves routes',
    (path) => {
      const store = createD1Store(idleD1() as never);
      expect(() =>
        createMailWebhookHandler({
          providers: [postmark({ password: 'a', path })],
          store,
          apiToken: 'tok',
        }),
      ).toThrow(ConfigError);
    },
  );

  it.each(['a/b', '', '..'])('a provider path %j that is not one segment is refused', (path) => {
    expect(() => postmark({ password: 'a', path })).toThrow();
  });
});

describe('options', () => {
  it('a misspelt basePath is a ConfigError naming the key and basePath', () => {
    expect(() => createMailWebhookHandler({ basepath: '/x' } as never)).toThrow(ConfigError);
    expect(() => createMailWebhookHandler({ basepath: '/x' } as never)).toThrow(/basepath/);
    expect(() => createMailWebhookHandler({ basepath: '/x' } as never)).toThrow(/basePath/);
  });

  it('a basePath that is not a path is a ConfigError naming basePath', () => {
    for (const basePath of ['https://x.example/hooks', '/a?b', '/a#b']) {
      expect(() => createMailWebhookHandler({ basePath }), basePath).toThrow(/basePath/);
    }
  });

  it('the default providers are [ses()]: /webhooks/mail/ses exists, others 404', async () => {
    const handle = createMailWebhookHandler({ logger: capture().logger });
    const res = await handle(req('/webhooks/mail/ses', { method: 'GET' }));
    expect(res.status).toBe(405);
    const a = await answer(await handle(req('/webhooks/mail/resend', { body: '{}' })));
    expect(a.status).toBe(404);
    expect(a.text).toContain('ses');
  });

  it('handleMailWebhook answers the same 404 as a created handler', async () => {
    const res = await handleMailWebhook(req('/nowhere', { body: '{}' }), {
      providers: [ses({ verifySignature: false })],
      logger: capture().logger,
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('/webhooks/mail');
  });
});

describe('refusal log lines', () => {
  it('each refusal is logged once with its reason and status, never the secret', async () => {
    const { handle, calls } = setup([postmark({ password: PASSWORD })]);
    await handle(pmPost('/webhooks/mail/postmark', DELIVERY, 'wrong-guess'));
    const lines = calls.filter((c) => JSON.stringify(c).includes('403'));
    expect(lines).toHaveLength(1);
    const dump = JSON.stringify(calls);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain('wrong-guess');
    expect(dump).not.toContain(btoa(`postmark:wrong-guess`));
  });

  it('a 404 and a 405 are each logged with their status', async () => {
    const { handle, calls } = setup([postmark({ password: PASSWORD })]);
    await handle(pmPost('/webhooks/mail/nope'));
    expect(JSON.stringify(calls)).toContain('404');
    calls.length = 0;
    await handle(req('/webhooks/mail/postmark', { method: 'GET' }));
    expect(JSON.stringify(calls)).toContain('405');
  });

  it('a custom provider’s refusal is logged with its reason', async () => {
    const { provider } = acme();
    const { handle, calls } = setup([provider]);
    await handle(acmePost('/webhooks/mail/acme-mail', ACME_BODY, 'bad-key-value'));
    const dump = JSON.stringify(calls);
    expect(dump).toContain('credentials-invalid');
    expect(dump).not.toContain('bad-key-value');
  });

  it('the default logger writes one JSON line per refusal', async () => {
    const lines: string[] = [];
    for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    const handle = createMailWebhookHandler({
      providers: [postmark({ password: PASSWORD })],
      sinks: [{ name: 'n', send: async () => {} }],
    });
    lines.length = 0;
    await handle(pmPost('/webhooks/mail/postmark', DELIVERY, 'nope-nope'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '');
    expect(JSON.stringify(line)).toMatch(/credentials|password|auth/i);
    expect(lines[0]).not.toContain(PASSWORD);
    expect(lines[0]).not.toContain('nope-nope');
  });
});

describe('a custom provider’s mistakes never open the route', () => {
  it.each([false, true, 'ok', 0])(
    'authenticate returning %j is a 500 internal-error; handle never runs',
    async (value) => {
      let handled = 0;
      const provider = defineProvider({
        name: 'sloppy',
        authenticate: () => value as never,
        handle: () => {
          handled++;
          return { events: [context({ espName: 'sloppy' })] };
        },
      });
      const { handle, got, calls } = setup([provider]);
      const a = await answer(await handle(req('/webhooks/mail/sloppy', { body: '{}' })));
      expect(a.status).toBe(500);
      expect(a.json).toEqual({
        ok: false,
        error: 'internal-error',
        message: 'internal error; see the logs',
      });
      expect(handled).toBe(0);
      expect(got).toEqual([]);
      expect(calls.some((c) => c.level === 'error' && c.fields?.esp === 'sloppy')).toBe(true);
    },
  );

  it('an event whose espName is not the provider’s name is a 500 and nothing is delivered', async () => {
    const provider = defineProvider({
      name: 'acme-mail',
      handle: () => ({ events: [context(), context({ espName: 'acme' })] }),
    });
    const { handle, got, calls } = setup([provider]);
    const a = await answer(await handle(req('/webhooks/mail/acme-mail', { body: '{}' })));
    expect(a.status).toBe(500);
    expect(got).toEqual([]);
    expect(JSON.stringify(calls)).toContain('espName');
  });

  it('methods written in lower case are the same methods', async () => {
    const provider = defineProvider({
      name: 'lower',
      methods: ['post'],
      handle: () => ({ events: [] }),
    });
    expect(provider.methods).toEqual(['POST']);
    const { handle } = setup([provider]);
    expect((await handle(req('/webhooks/mail/lower', { body: '{}' }))).status).toBe(200);
  });

  it.each([
    [{ methods: [] }, 'methods'],
    [{ path: 'a/b' }, 'path'],
    [{ authenticat: () => undefined }, 'authenticat'],
    [{ authenticate: 'yes' }, 'authenticate'],
  ])('a definition with %o is a ConfigError naming %s', (extra, key) => {
    const make = () =>
      defineProvider({ name: 'acme-mail', handle: () => ({ events: [] }), ...extra } as never);
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(key);
  });
});

describe('answers and log lines, word for word', () => {
  it('the 405 says the method and the allowed ones, and its line names the provider', async () => {
    const { handle, calls } = setup([postmark({ password: PASSWORD })]);
    const a = await answer(await handle(req('/webhooks/mail/postmark', { method: 'GET' })));
    expect(a.json).toEqual({
      ok: false,
      error: 'method-not-allowed',
      message: 'GET is not allowed; use POST',
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      level: 'warn',
      message: 'request refused',
      fields: { esp: 'postmark', method: 'GET', status: 405, reason: 'method-not-allowed' },
    });
  });

  it('the 404 line carries the path, the method and the reason', async () => {
    const { handle, calls } = setup([postmark({ password: PASSWORD })]);
    await handle(req('/webhooks/mail/postmrak?token=abc', { body: '{}' }));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      level: 'warn',
      fields: {
        path: '/webhooks/mail/postmrak',
        method: 'POST',
        status: 404,
        reason: 'not-found',
      },
    });
    expect(JSON.stringify(calls)).not.toContain('token=abc');
  });

  it('the disabled 404 still names basePath and the provider routes', async () => {
    const { handle } = setup([postmark({ password: PASSWORD, path: 'pm' })], {
      enabled: false,
      basePath: '/esp',
    });
    const a = await answer(await handle(pmPost('/esp/pm')));
    expect(a.status).toBe(404);
    expect(a.json?.error).toBe('not-found');
    expect(a.json?.message).toContain('disabled');
    expect(a.json?.message).toContain('basePath is /esp');
    expect(a.json?.message).toContain('/esp/pm');
  });

  it('with the store’s routes on, the 404 lists them and their 405 gives Allow', async () => {
    const { handle } = setup([postmark({ password: PASSWORD })], {
      store: createD1Store(idleD1() as never),
      apiToken: 'api-token-1',
    });
    const miss = await answer(await handle(pmPost('/webhooks/mail/nope')));
    expect(miss.status).toBe(404);
    expect(miss.text).toContain('/webhooks/mail/events');
    expect(miss.text).toContain('/webhooks/mail/suppressions/');
    expect(miss.text).not.toContain('api-token-1');
    const post = await handle(
      req('/webhooks/mail/suppressions/a@example.com', {
        method: 'POST',
        headers: { authorization: 'Bearer api-token-1' },
      }),
    );
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, DELETE');
  });
});

describe('a custom provider from variables', () => {
  const acmeEntry = {
    name: 'acme-mail',
    settings: { token: 'string' },
    create({ token, path }: { token?: string; path?: string }) {
      if (!token) throw new ConfigError('acme-mail.token', 'is required');
      return defineProvider({
        name: 'acme-mail',
        path,
        authenticate: (request) =>
          request.headers.get('x-acme-key') === token
            ? undefined
            : refuse(403, 'secret-mismatch', 'x-acme-key is not the configured one'),
        handle: () => ({ events: [context()] }),
      });
    },
  } as const;
  const fromEnv = (env: Record<string, string>) =>
    createHandlerFromEnv({ MAIL_WEBHOOK_ENABLED: 'true', ...env } as never, {
      logger: capture().logger,
      registry: [acmeEntry] as never,
    });

  it('is mounted at MAIL_WEBHOOK_<NAME>_PATH under MAIL_WEBHOOK_BASE_PATH', async () => {
    const handle = fromEnv({
      MAIL_WEBHOOK_PROVIDERS: 'acme-mail',
      MAIL_WEBHOOK_ACME_MAIL_TOKEN: 'k1',
      MAIL_WEBHOOK_ACME_MAIL_PATH: 'acme-eu',
      MAIL_WEBHOOK_BASE_PATH: '/esp/',
    });
    const ok = await handle(acmePost('/esp/acme-eu', '{}'));
    expect(ok.status).toBe(200);
    expect((await handle(acmePost('/esp/acme-eu', '{}', 'k2'))).status).toBe(403);
    expect((await handle(acmePost('/esp/acme-mail', '{}'))).status).toBe(404);
  });

  it('a missing setting stops start-up naming its variable', () => {
    expect(() => fromEnv({ MAIL_WEBHOOK_PROVIDERS: 'acme-mail' })).toThrow(
      'MAIL_WEBHOOK_ACME_MAIL_TOKEN',
    );
  });

  it('a path that is not one segment stops start-up naming the path variable', () => {
    expect(() =>
      fromEnv({
        MAIL_WEBHOOK_PROVIDERS: 'acme-mail',
        MAIL_WEBHOOK_ACME_MAIL_TOKEN: 'k1',
        MAIL_WEBHOOK_ACME_MAIL_PATH: 'a/b',
      }),
    ).toThrow('MAIL_WEBHOOK_ACME_MAIL_PATH');
  });
});
