/** The custom provider of docs/custom-providers.md (examples/custom-provider.ts), end to end through the handler. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { acmeMail } from '../../examples/custom-provider.js';
import {
  ConfigError,
  createMailWebhookHandler,
  defineProvider,
  type EmailTrackingContext,
  type ProviderDefinition,
  type Sink,
  ses,
} from '../../src/index.js';
import { countedBody } from '../helpers/counted-body.js';
import { memoryLogger } from '../helpers/envelope.js';
import { ACME_DELIVERED } from '../helpers/expected-context.js';

const URL_ACME = 'http://localhost/webhooks/mail/acme-mail';
const TOKEN = 'acme-token-1';

function setup() {
  const received: EmailTrackingContext[] = [];
  const sink: Sink = { name: 'capture', send: async (events) => void received.push(...events) };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [acmeMail({ token: TOKEN }), ses({ secret: 'sns-secret' })],
    sinks: [sink],
    logger,
  });
  return { handle, received, lines };
}

const acmeEvent = {
  id: 'evt_123',
  type: 'bounced',
  message_id: 'msg-42',
  recipients: ['ann@example.com', 'bob@example.com'],
  occurred_at: '2026-03-01T10:00:00Z',
  tags: ['welcome'],
};

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(URL_ACME, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('examples/custom-provider.ts', () => {
  test('no token: 401 with WWW-Authenticate, before a byte of the body is read', async () => {
    const { handle, received, lines } = setup();
    const { body, counter } = countedBody(JSON.stringify(acmeEvent));
    const response = await handle(post(body));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await response.json()).toMatchObject({ ok: false, error: 'credentials-required' });
    expect(counter.pulls).toBe(0);
    expect(received).toHaveLength(0);
    expect(lines.filter((l) => l.level === 'warn')).toMatchObject([
      { msg: 'request refused', fields: { esp: 'acme-mail', status: 401 } },
    ]);
  });

  test('a wrong token: 403 secret-mismatch, body unread, nothing delivered', async () => {
    const { handle, received } = setup();
    const { body, counter } = countedBody(JSON.stringify(acmeEvent));
    const response = await handle(post(body, { authorization: 'Bearer guess' }));
    expect(await response.json()).toEqual({
      ok: false,
      error: 'secret-mismatch',
      message: 'the bearer token is not the configured one',
    });
    expect(response.status).toBe(403);
    expect(counter.pulls).toBe(0);
    expect(received).toHaveLength(0);
  });

  test('refuse() answers in the same JSON shape as a built-in refusal', async () => {
    const { handle } = setup();
    const custom = await handle(post('{}', { authorization: 'Bearer guess' }));
    const builtIn = await handle(
      new Request('http://localhost/webhooks/mail/ses', {
        method: 'POST',
        body: '{}',
        headers: { authorization: `Basic ${btoa('sns:guess')}` },
      }),
    );
    expect(builtIn.status).toBe(403);
    const [a, b] = [await custom.json(), await builtIn.json()];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(custom.headers.get('content-type')).toBe(builtIn.headers.get('content-type'));
  });

  test('the right token: one event per recipient, delivered to the sink with every field', async () => {
    const { handle, received, lines } = setup();
    const response = await handle(
      post(JSON.stringify(acmeEvent), { authorization: `Bearer ${TOKEN}` }),
    );
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(received.map((c) => c.recipient)).toEqual(['ann@example.com', 'bob@example.com']);
    expect(received[0]).toEqual({
      eventType: 'bounced',
      messageId: 'msg-42',
      recipient: 'ann@example.com',
      timestamp: new Date('2026-03-01T10:00:00Z'),
      espName: 'acme-mail',
      tags: ['welcome'],
      metadata: {},
      rejectReason: null,
      description: null,
      clickUrl: null,
      userAgent: null,
      rawEvent: acmeEvent,
      eventId: 'evt_123',
      mtaResponse: null,
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(lines.filter((l) => l.msg === 'event').map((l) => l.fields.esp)).toEqual([
      'acme-mail',
      'acme-mail',
    ]);
  });

  test('a body that is not JSON: its own 400, logged', async () => {
    const { handle, lines } = setup();
    const response = await handle(post('not json', { authorization: `Bearer ${TOKEN}` }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid-json' });
    expect(lines.some((l) => l.level === 'warn' && l.fields.reason === 'invalid-json')).toBe(true);
  });

  test('GET on its route: 405 with Allow: POST', async () => {
    const { handle } = setup();
    const response = await handle(new Request(URL_ACME));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('defineProvider refuses a bad definition', () => {
  const handle: ProviderDefinition['handle'] = () => ({ events: [] });

  test.each([
    ['a name that is not kebab-case', 'defineProvider.name', { name: 'Acme_Mail', handle }],
    ['a name with a slash', 'defineProvider.name', { name: 'acme/mail', handle }],
    ['no handle', 'defineProvider.handle', { name: 'acme-mail' }],
    ['a path of two segments', 'acme.path', { name: 'acme', path: 'a/b', handle }],
    ['no methods', 'defineProvider.methods', { name: 'acme', methods: [], handle }],
    ['no name at all', 'defineProvider.name', { handle }],
    ['a name that is no string', 'defineProvider.name', { name: 123, handle }],
    ['methods as a string', 'defineProvider.methods', { name: 'acme', methods: 'POST', handle }],
    [
      'a method that is no string',
      'defineProvider.methods',
      { name: 'acme', methods: [null], handle },
    ],
    [
      'an authenticate that is no function',
      'defineProvider.authenticate',
      { name: 'acme', authenticate: 'yes', handle },
    ],
  ])('%s: ConfigError naming %s', (_name, setting, definition) => {
    expect(() => defineProvider(definition as ProviderDefinition)).toThrow(ConfigError);
    try {
      defineProvider(definition as ProviderDefinition);
    } catch (error) {
      expect((error as ConfigError).setting).toBe(setting);
    }
  });
});

describe("what a user's provider returns is checked before any sink sees it", () => {
  const good = ACME_DELIVERED;
  const returning = (events: unknown[]) => {
    const received: unknown[] = [];
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      providers: [defineProvider({ name: 'acme-mail', handle: () => ({ events }) as never })],
      sinks: [{ name: 'capture', send: async (batch) => void received.push(...batch) }],
      logger,
    });
    return { handle, received, lines };
  };

  test.each([
    ['null', [null], 'events[0].(root)'],
    ['a string timestamp', [{ ...good, timestamp: '2026-01-01' }], 'events[0].timestamp'],
    ['an Invalid Date', [{ ...good, timestamp: new Date('x') }], 'events[0].timestamp'],
    ['an unknown type', [good, { ...good, eventType: 'constructor' }], 'events[1].eventType'],
    ['a number for metadata', [{ ...good, metadata: { a: 1 } }], 'events[0].metadata.a'],
    ["another ESP's name", [{ ...good, espName: 'ses' }], 'events[0].espName'],
  ])('%s: 500, logged naming the field, nothing delivered', async (_what, events, field) => {
    const { handle, received, lines } = returning(events);
    const response = await handle(
      new Request('http://localhost/webhooks/mail/acme-mail', { method: 'POST', body: '{}' }),
    );
    expect(response.status).toBe(500);
    expect(received).toEqual([]);
    const logged = lines.find((l) => l.level === 'error');
    expect(String(logged?.fields.error)).toContain(field);
  });

  test('a whole context is delivered as returned', async () => {
    const { handle, received } = returning([good]);
    const response = await handle(
      new Request('http://localhost/webhooks/mail/acme-mail', { method: 'POST', body: '{}' }),
    );
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(received).toEqual([good]);
  });
});

describe('the first block of docs/custom-providers.md', () => {
  test('is examples/custom-provider.ts, the file these tests run, as a user writes it', () => {
    const root = new URL('../../', import.meta.url);
    const page = readFileSync(new URL('docs/custom-providers.md', root), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
    const example = readFileSync(new URL('examples/custom-provider.ts', root), 'utf8')
      // The file's opening comment, and its import of the source instead of the package.
      .replace(/^\/\*\*[\s\S]*?\*\/\n/, '')
      .replace("from '../src/index.js';", "from 'mailhooks';");
    expect(block).toBe(example);
  });
});
