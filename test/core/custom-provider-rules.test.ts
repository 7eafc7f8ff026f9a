/**
 * defineProvider and refuse as a user writes them (DESIGN "Providers (ESPs)"): what reaches the
 * sinks, what a bug in the provider answers and logs, and the types a strict project compiles.
 */
import { describe, expect, test, vi } from 'vitest';
import { acmeMail } from '../../examples/custom-provider.js';
import { consumeQueueBatch, createWorker } from '../../src/adapters/cloudflare.js';
import {
  BUILTIN_PROVIDERS,
  type BuiltinProvider,
  createHandlerFromEnv,
  sesProvider,
} from '../../src/env/index.js';
import {
  ConfigError,
  createMailWebhookHandler,
  createQueueSink,
  defineProvider,
  type EmailTrackingContext,
  type Provider,
  type ProviderDefinition,
  refuse,
  resend,
} from '../../src/index.js';
import { countedBody } from '../helpers/counted-body.js';
import { memoryLogger } from '../helpers/envelope.js';
import { ACME_DELIVERED } from '../helpers/expected-context.js';
import { fakeStore } from '../store/fake-store.js';

const URL_ACME = 'http://localhost/webhooks/mail/acme-mail';

const good = ACME_DELIVERED;

const post = (body: BodyInit = '{}', headers: Record<string, string> = {}) =>
  new Request(URL_ACME, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

function mount(definition: Omit<ProviderDefinition, 'name'>) {
  const received: EmailTrackingContext[] = [];
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [defineProvider({ name: 'acme-mail', ...definition })],
    sinks: [{ name: 'capture', send: async (events) => void received.push(...events) }],
    logger,
  });
  const refusals = () => lines.filter((l) => l.msg === 'request refused');
  return { handle, received, refusals };
}

/** What the queue consumer hands its sink for the messages a queue sink sent. */
async function consumed(sent: { body: unknown }[]): Promise<EmailTrackingContext[]> {
  const delivered: EmailTrackingContext[] = [];
  await consumeQueueBatch(
    {
      queue: 'q',
      messages: sent.map((m, i) => ({
        id: `${i}`,
        attempts: 1,
        body: m.body,
        ack() {},
        retry() {},
      })),
    },
    [{ name: 'out', send: async (events) => void delivered.push(...events) }],
    memoryLogger().logger,
  );
  return delivered;
}
describe('authenticate', () => {
  test('an async refusal with WWW-Authenticate: its status, header and JSON, body unread', async () => {
    const { handle, refusals } = mount({
      authenticate: async () =>
        refuse(401, 'credentials-required', 'send a token', { 'www-authenticate': 'Bearer' }),
      handle: () => ({ events: [good] }),
    });
    const { body, counter: reads } = countedBody('{}');
    const response = await handle(post(body));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({
      ok: false,
      error: 'credentials-required',
      message: 'send a token',
    });
    expect(reads.pulls).toBe(0);
    expect(refusals()).toMatchObject([
      { level: 'warn', fields: { esp: 'acme-mail', status: 401 } },
    ]);
  });

  test.each([
    ['a 2xx Response', () => new Response('ok')],
    ['false', () => false],
    // What handle answers, not authenticate: no events are taken from it.
    ['{ events: [...] }', () => ({ events: [good] })],
    [
      'a throw',
      () => {
        throw new Error('boom');
      },
    ],
  ])(
    'returning %s: 500 logged as a bug in the provider, body unread, nothing delivered',
    async (_what, authenticate) => {
      const { handle, received, refusals } = mount({
        authenticate: authenticate as never,
        handle: () => ({ events: [good] }),
      });
      const { body, counter: reads } = countedBody('{}');
      const response = await handle(post(body));
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: 'internal-error' });
      expect(reads.pulls).toBe(0);
      expect(received).toEqual([]);
      expect(refusals()).toMatchObject([
        { level: 'error', fields: { esp: 'acme-mail', status: 500 } },
      ]);
    },
  );
});

describe('a refusal written by hand', () => {
  const byHand = { status: 403, reason: 'secret-mismatch', message: 'the token is not ours' };

  test.each([
    ['authenticate', { authenticate: () => byHand as never, handle: () => ({ events: [good] }) }],
    ['handle', { handle: () => byHand as never }],
  ] as const)(
    '{ status, reason, message } from %s answers as refuse() would',
    async (_hook, definition) => {
      const { handle, received, refusals } = mount(definition);
      const response = await handle(post());
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        ok: false,
        error: 'secret-mismatch',
        message: 'the token is not ours',
      });
      expect(received).toEqual([]);
      expect(refusals()).toMatchObject([
        { level: 'warn', fields: { esp: 'acme-mail', status: 403 } },
      ]);
    },
  );

  test('docs/custom-providers.md: a strict project compiles both without a cast, and authenticate may return null to go on', async () => {
    // No `as never`: the definition type takes what docs/custom-providers.md says a provider may return.
    const byHandDefinition: ProviderDefinition = {
      name: 'acme-mail',
      authenticate: (request) =>
        request.headers.get('x-token') === 'ours'
          ? null
          : { status: 403, reason: 'secret-mismatch', message: 'the token is not ours' },
      handle: (_request, body) =>
        body.length > 2
          ? { status: 400, reason: 'invalid-event', message: 'expected {}' }
          : { events: [good] },
    };
    const { name: _, ...definition } = byHandDefinition;
    const { handle, received } = mount(definition);
    expect((await handle(post('{}'))).status).toBe(403);
    expect((await handle(post('{"x":1}', { 'x-token': 'ours' }))).status).toBe(400);
    const response = await handle(post('{}', { 'x-token': 'ours' }));
    expect(response.status).toBe(200);
    expect(received).toHaveLength(1);
  });

  test("one refuse() would not make (status 200) is the provider's bug: 500", async () => {
    const { handle } = mount({ handle: () => ({ ...byHand, status: 200 }) as never });
    expect((await handle(post())).status).toBe(500);
  });

  test.each([
    [399, 500],
    [400, 400],
    [599, 599],
    [600, 500],
  ])('a hand-written refusal with status %i is answered %i', async (status, answered) => {
    const { handle } = mount({ handle: () => ({ ...byHand, status }) as never });
    expect((await handle(post())).status).toBe(answered);
  });
});

describe('refuse', () => {
  test('a 503 with Retry-After from handle: answered as given, logged as an error', async () => {
    const { handle, refusals } = mount({
      handle: () => refuse(503, 'upstream-unavailable', 'try later', { 'retry-after': '30' }),
    });
    const response = await handle(post());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refusals()).toMatchObject([
      { level: 'error', fields: { reason: 'upstream-unavailable' } },
    ]);
  });

  test.each([
    ['200', 200],
    ['600', 600],
    ['302', 302],
    ['401.5', 401.5],
    ['"x"', 'x'],
  ])('status %s is not a refusal: refuse throws a TypeError naming the status', (_what, status) => {
    expect(() => refuse(status as number, 'nope', 'no')).toThrow(TypeError);
    expect(() => refuse(status as number, 'nope', 'no')).toThrow(/status/);
  });

  test('refuse(200, ...) inside handle: 500, one error line naming the status and the provider', async () => {
    const { handle, refusals } = mount({ handle: () => refuse(200, 'fine', 'all good') });
    const response = await handle(post());
    expect(response.status).toBe(500);
    const lines = refusals();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields.esp).toBe('acme-mail');
    expect(String(lines[0]?.fields.error)).toMatch(/status 200/);
  });

  test.each([
    ['a reason that is no string', () => refuse(400, 42 as never, 'm')],
    ['an empty reason', () => refuse(400, '', 'm')],
    ['a message that is no string', () => refuse(400, 'bad', { a: 1 } as never)],
    ['a header name with a space', () => refuse(400, 'bad', 'm', { 'bad header': 'x' })],
    ['a header value with a line break', () => refuse(400, 'bad', 'm', { 'x-a': 'a\r\nb: c' })],
    ['a content-type header', () => refuse(400, 'bad', 'm', { 'Content-Type': 'text/plain' })],
  ])('%s: refuse throws a TypeError', (_what, call) => {
    expect(call).toThrow(TypeError);
  });

  test('a bad header inside handle: one 500 line with the provider, not a 400 line then a 500', async () => {
    const { handle, refusals } = mount({
      handle: () => refuse(400, 'bad', 'm', { 'bad header': 'x' }),
    });
    const response = await handle(post());
    expect(response.status).toBe(500);
    expect(refusals()).toMatchObject([
      { level: 'error', fields: { esp: 'acme-mail', status: 500 } },
    ]);
  });
});

describe('what handle returns', () => {
  test.each([
    ['another espName', { ...good, espName: 'acme' }, 'events[0].espName'],
    ['no tags', { ...good, tags: undefined }, 'events[0].tags'],
    ['a string timestamp', { ...good, timestamp: '2026-01-01T00:00:00Z' }, 'events[0].timestamp'],
  ])('%s: the error line names the provider and the field', async (_what, event, field) => {
    const { handle, received, refusals } = mount({ handle: () => ({ events: [event as never] }) });
    const response = await handle(post());
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'internal-error',
      message: 'internal error; see the logs',
    });
    expect(received).toEqual([]);
    const error = String(refusals()[0]?.fields.error);
    expect(error).toContain(field);
    expect(error).toContain('acme-mail');
  });

  test('a context without rejectCategory and permanent (a provider written before them) is delivered with both null', async () => {
    const { rejectCategory: _c, permanent: _p, ...older } = good;
    const { handle, received } = mount({ handle: () => ({ events: [older] }) });
    const response = await handle(post());
    expect(response.status).toBe(200);
    expect(received).toEqual([{ ...good, rejectCategory: null, permanent: null }]);
  });

  test.each([
    ['1969', new Date('1969-12-31T23:59:59Z')],
    ['year 10000', new Date('+010000-01-01T00:00:00Z')],
  ])(
    'a timestamp in %s: 500 naming it, so the ESP retries; no queue message its consumer would drop',
    async (_what, timestamp) => {
      const sent: unknown[] = [];
      const { logger, lines } = memoryLogger();
      const handle = createMailWebhookHandler({
        providers: [
          defineProvider({
            name: 'acme-mail',
            handle: () => ({ events: [{ ...good, timestamp }] }),
          }),
        ],
        sinks: [createQueueSink({ sendBatch: async (messages) => void sent.push(...messages) })],
        logger,
      });
      const response = await handle(post());
      expect(response.status).toBe(500);
      expect(sent).toEqual([]);
      const error = String(lines.find((l) => l.level === 'error')?.fields.error);
      expect(error).toContain('events[0].timestamp');
      expect(error).toContain('1970');
    },
  );

  test.each(['eventId'])(
    'an empty %s: 500 naming it, before the store, which would drop the next such event as a duplicate',
    async (field) => {
      const fake = fakeStore();
      const { logger, lines } = memoryLogger();
      const received: EmailTrackingContext[] = [];
      const handle = createMailWebhookHandler({
        providers: [
          defineProvider({
            name: 'acme-mail',
            handle: () => ({ events: [good, { ...good, [field]: '' }] }),
          }),
        ],
        store: fake.store,
        sinks: [{ name: 'capture', send: async (events) => void received.push(...events) }],
        logger,
      });
      const response = await handle(post());
      expect([response.status, (await response.json()).error]).toEqual([500, 'internal-error']);
      expect(received).toEqual([]);
      expect(fake.recorded).toEqual([]);
      expect(lines.find((l) => l.level === 'error')?.fields.error).toBe(
        `provider acme-mail returned a bad event: events[1].${field} is empty; this is a bug in it`,
      );
    },
  );

  /** A rawEvent `levels` objects deep, itself the first. */
  const nested = (levels: number) => {
    let raw: Record<string, unknown> = {};
    for (let level = 1; level < levels; level++) raw = { inner: raw };
    return raw;
  };

  test('a rawEvent nested 65 deep: 500 naming it, before the store; one 64 deep is stored, queued and read back', async () => {
    const fake = fakeStore();
    const sent: { body: unknown }[] = [];
    const { logger, lines } = memoryLogger();
    let depth = 65;
    const handle = createMailWebhookHandler({
      providers: [
        defineProvider({
          name: 'acme-mail',
          handle: () => ({ events: [{ ...good, rawEvent: nested(depth) }] }),
        }),
      ],
      store: fake.store,
      sinks: [createQueueSink({ sendBatch: async (m) => void sent.push(...(m as never[])) })],
      logger,
    });
    // Stored, it would make every history query that reaches it 503: the wire refuses it.
    const deep = await handle(post());
    expect([deep.status, await deep.json()]).toEqual([
      500,
      { ok: false, error: 'internal-error', message: 'internal error; see the logs' },
    ]);
    expect(lines.find((l) => l.level === 'error')?.fields.error).toBe(
      "provider acme-mail returned a bad event: events[0].rawEvent nests more than 64 deep (the wire format's limit); this is a bug in it",
    );
    expect([fake.calls, sent]).toEqual([[], []]);

    depth = 64;
    expect(await (await handle(post())).json()).toEqual({ ok: true, events: 1 });
    expect(fake.calls).toEqual(['record', 'markDelivered']);
    const delivered = await consumed(sent);
    expect(delivered).toEqual([{ ...good, rawEvent: nested(64) }]);
  });

  test('an accepted event survives the queue: what the handler takes, its consumer reads', async () => {
    const sent: { body: unknown }[] = [];
    const handle = createMailWebhookHandler({
      providers: [defineProvider({ name: 'acme-mail', handle: () => ({ events: [good] }) })],
      sinks: [createQueueSink({ sendBatch: async (m) => void sent.push(...(m as never[])) })],
      logger: memoryLogger().logger,
    });
    expect((await handle(post())).status).toBe(200);
    const delivered = await consumed(sent);
    expect(delivered).toEqual([good]);
  });

  test('a readonly array is a result, and the sinks get their own copy of it', async () => {
    const events: readonly EmailTrackingContext[] = Object.freeze([good]);
    const { handle, received } = mount({ handle: () => ({ events }) });
    expect(await (await handle(post())).json()).toEqual({ ok: true, events: 1 });
    expect(received).toEqual([good]);
  });

  test('3000 events in one request: every one delivered, in order', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      ...good,
      recipient: `r${i}@example.com`,
    }));
    const { handle, received } = mount({ handle: () => ({ events: many }) });
    expect(await (await handle(post())).json()).toEqual({ ok: true, events: 3000 });
    expect(received.map((e) => e.recipient)).toEqual(many.map((e) => e.recipient));
  });

  test('handle gets the exact bytes sent: binary, invalid UTF-8, a NUL', async () => {
    const sentBytes = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x7b]);
    let seen: Uint8Array | undefined;
    const { handle } = mount({
      handle: (_request, body) => {
        seen = body;
        return { events: [] };
      },
    });
    expect((await handle(post(sentBytes))).status).toBe(200);
    expect(seen && [...seen]).toEqual([...sentBytes]);
  });
});

describe('mounting', () => {
  const acme = (token: string, path?: string): Provider =>
    defineProvider({
      name: 'acme-mail',
      path,
      authenticate: (request) =>
        request.headers.get('x-token') === token
          ? undefined
          : refuse(403, 'secret-mismatch', 'wrong token'),
      handle: () => ({ events: [good] }),
    });

  test('one provider twice with its own path and token; events keep espName, the 404 lists both', async () => {
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      providers: [acme('a'), acme('b', 'acme-eu')],
      logger,
    });
    const at = (path: string, token: string) =>
      handle(
        new Request(`http://localhost/webhooks/mail/${path}`, {
          method: 'POST',
          body: '{}',
          headers: { 'x-token': token },
        }),
      ).then((r) => r.status);
    expect([await at('acme-mail', 'a'), await at('acme-mail', 'b')]).toEqual([200, 403]);
    expect([await at('acme-eu', 'b'), await at('acme-eu', 'a')]).toEqual([200, 403]);
    expect(
      lines.filter((l) => l.msg === 'event').map((l) => [l.fields.esp, l.fields.path]),
    ).toEqual([
      ['acme-mail', '/webhooks/mail/acme-mail'],
      ['acme-mail', '/webhooks/mail/acme-eu'],
    ]);
    const missing = await handle(
      new Request('http://localhost/webhooks/mail/acme', { method: 'POST' }),
    );
    expect((await missing.json()).message).toContain(
      'provider routes: /webhooks/mail/acme-mail, /webhooks/mail/acme-eu',
    );
  });

  test('twice on one path: a ConfigError whose suggestion is a path option, not a call to the name', () => {
    let error: unknown;
    try {
      createMailWebhookHandler({ providers: [acme('a'), acme('b')] });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("path: 'acme-mail-2'");
    expect((error as ConfigError).message).not.toContain('acme-mail({');
  });

  test.each(['.', '..'])(
    'path %j, which no request can reach: a ConfigError naming path',
    (path) => {
      expect(() =>
        defineProvider({ name: 'acme-mail', path, handle: () => ({ events: [] }) }),
      ).toThrow(expect.objectContaining({ setting: 'acme-mail.path' }));
      const handMade = {
        name: 'acme',
        path,
        methods: ['POST'],
        start: () => ({ handle: () => ({ events: [] }) }),
      };
      expect(() => createMailWebhookHandler({ providers: [handMade] })).toThrow(
        expect.objectContaining({ setting: 'providers.0.path' }),
      );
    },
  );

  test.each(['.acme', '..acme', 'acme..'])(
    'path %j, dots that are not a whole dot-segment: served, for a provider of your own and a built-in',
    async (path) => {
      const handMade = {
        name: 'acme',
        path,
        methods: ['POST'],
        start: () => ({ handle: () => ({ events: [] }) }),
      };
      const handle = createMailWebhookHandler({
        providers: [
          handMade,
          resend({ path: `${path}-resend`, secret: `whsec_${btoa('resend-secret-of-24-bytes')}` }),
        ],
      });
      const response = await handle(
        new Request(`http://localhost/webhooks/mail/${path}`, { method: 'POST', body: '{}' }),
      );
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 200,
        body: { ok: true, events: 0 },
      });
    },
  );

  test('HEAD listed as a probe: answered 200 with no events; GET not listed: 405 with Allow', async () => {
    const { handle } = mount({
      methods: ['POST', 'HEAD'],
      handle: (request) => ({ events: request.method === 'HEAD' ? [] : [good] }),
    });
    expect((await handle(new Request(URL_ACME, { method: 'HEAD' }))).status).toBe(200);
    const get = await handle(new Request(URL_ACME));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, HEAD');
  });
});

describe('a registry entry of your own (createHandlerFromEnv, createWorker)', () => {
  const acmeMailProvider: BuiltinProvider = {
    name: 'acme-mail',
    settings: { token: 'string' },
    create({ token, path }: { token?: string; path?: string }) {
      if (!token) throw new ConfigError('acme-mail.token', 'is required');
      return acmeMail({ token, path });
    },
  };
  const env = {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_PROVIDERS: 'ses,acme-mail',
    MAIL_WEBHOOK_SES_SECRET: 'sns-secret',
    MAIL_WEBHOOK_ACME_MAIL_TOKEN: 'acme-token',
    MAIL_WEBHOOK_ACME_MAIL_PATH: 'acme',
  };
  const acmeRequest = (token: string) =>
    new Request('http://localhost/webhooks/mail/acme', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({
        id: 'evt_1',
        type: 'delivered',
        message_id: 'm-1',
        recipients: ['ann@example.com'],
        occurred_at: '2026-03-01T10:00:00Z',
      }),
    });

  test('createHandlerFromEnv: the entry reads MAIL_WEBHOOK_ACME_MAIL_*; its route takes the token', async () => {
    const handle = createHandlerFromEnv(env, {
      registry: [sesProvider, acmeMailProvider],
      logger: memoryLogger().logger,
    });
    expect(await (await handle(acmeRequest('acme-token'))).json()).toEqual({ ok: true, events: 1 });
    expect((await handle(acmeRequest('guess'))).status).toBe(403);
  });

  test('createWorker: the same entry, the same route', async () => {
    const worker = createWorker([sesProvider, acmeMailProvider]);
    const response = await worker.fetch(acmeRequest('acme-token'), env);
    expect(await response.json()).toEqual({ ok: true, events: 1 });
  });

  test('an entry named as a built-in one stops start-up naming the registry, rather than never being used', async () => {
    const ownPostmark = { ...acmeMailProvider, name: 'postmark' };
    const registry = [...BUILTIN_PROVIDERS, ownPostmark];
    const listed = { ...env, MAIL_WEBHOOK_PROVIDERS: 'postmark', MAIL_WEBHOOK_POSTMARK_TOKEN: 't' };
    expect(() => createHandlerFromEnv(listed, { registry, logger: memoryLogger().logger })).toThrow(
      new ConfigError('registry', '"postmark" is listed twice; each provider is listed once'),
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await createWorker(registry).fetch(acmeRequest('t'), listed);
    expect([response.status, (await response.json()).error]).toEqual([503, 'misconfigured']);
    expect(String(logged.mock.calls[0]?.[0])).toContain('"setting":"registry"');
  });

  test("the entry's ConfigError is reported as its variable", () => {
    const { MAIL_WEBHOOK_ACME_MAIL_TOKEN: _, ...without } = env;
    expect(() =>
      createHandlerFromEnv(without, {
        registry: [sesProvider, acmeMailProvider],
        logger: memoryLogger().logger,
      }),
    ).toThrow(expect.objectContaining({ setting: 'MAIL_WEBHOOK_ACME_MAIL_TOKEN' }));
  });

  test('a path of two segments stops start-up naming MAIL_WEBHOOK_ACME_MAIL_PATH, as a built-in one', () => {
    expect(() =>
      createHandlerFromEnv(
        { ...env, MAIL_WEBHOOK_ACME_MAIL_PATH: 'acme/eu' },
        { registry: [sesProvider, acmeMailProvider], logger: memoryLogger().logger },
      ),
    ).toThrow(expect.objectContaining({ setting: 'MAIL_WEBHOOK_ACME_MAIL_PATH' }));
  });
});
