// Blind tests (written from DESIGN "Event store" only): configuration and failure answers.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createD1Store,
  createMailWebhookHandler,
  defineProvider,
  EventBus,
  ses,
} from '../../src/index.js';
import {
  baseOptions,
  context,
  recordingLogger,
  sesBounce,
  silent,
  snsRequest,
} from './delivery-helpers.js';

function failingD1() {
  const fail = () => {
    throw new Error('D1_ERROR: database is locked');
  };
  const statement = {
    bind: () => statement,
    run: async () => fail(),
    all: async () => fail(),
    first: async () => fail(),
    raw: async () => fail(),
  };
  return { prepare: () => statement, batch: async () => fail(), exec: async () => fail() };
}

function configError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('store configuration', () => {
  it('apiToken without a store is a ConfigError', () => {
    const error = configError(() => createMailWebhookHandler({ logger: silent, apiToken: 'abc' }));
    expect(error.message).toContain('apiToken');
    expect(error.message).not.toContain('abc');
  });

  it.each(['suppressions', 'events'])(
    'provider path %s is reserved when the store serves routes',
    (path) => {
      const store = createD1Store(failingD1() as never);
      const error = configError(() =>
        createMailWebhookHandler({
          logger: silent,
          store,
          apiToken: 'token-1',
          providers: [ses({ verifySignature: false, path })],
        }),
      );
      expect(error.message).toContain(path);
    },
  );

  it('a reserved path is fine when no routes are served', () => {
    const store = createD1Store(failingD1() as never);
    expect(() =>
      createMailWebhookHandler({
        logger: silent,
        store,
        providers: [ses({ verifySignature: false, path: 'events' })],
      }),
    ).not.toThrow();
  });

  it('unknown store option is a ConfigError naming it', () => {
    const error = configError(() =>
      createD1Store(failingD1() as never, { retentionDay: 3 } as never),
    );
    expect(error.message).toContain('retentionDay');
  });
});

describe('store failure', () => {
  it('a store that fails answers 503 store-failed and the sinks get nothing', async () => {
    const got: unknown[] = [];
    const { lines, logger } = recordingLogger();
    const handle = createMailWebhookHandler(
      baseOptions({
        store: createD1Store(failingD1() as never),
        sinks: [{ name: 'r', send: async (events) => void got.push(...events) }],
        logger,
      }),
    );
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'store-failed' });
    expect(got).toEqual([]);
    const refused = lines.find((l) => l.message === 'request refused');
    expect(refused?.fields.reason).toBe('store-failed');
  });

  it('a failing store on an API route answers 503 store-failed', async () => {
    const handle = createMailWebhookHandler(
      baseOptions({
        store: createD1Store(failingD1() as never),
        apiToken: 'tok-1',
        sinks: [new EventBus()],
      }),
    );
    const response = await handle(
      new Request('https://h.example.com/webhooks/mail/suppressions/a@example.com', {
        headers: { authorization: 'Bearer tok-1' },
      }),
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('store-failed');
  });
});

describe('custom provider through the store path', () => {
  it('defineProvider events are counted and delivered', async () => {
    const acme = defineProvider({
      name: 'acme-mail',
      methods: ['POST'],
      async handle() {
        return {
          events: [context({ eventId: 'e' })],
        };
      },
    } as never);
    const got: unknown[] = [];
    const handle = createMailWebhookHandler({
      logger: silent,
      providers: [acme],
      sinks: [{ name: 'r', send: async (events) => void got.push(...events) }],
    });
    const response = await handle(
      new Request('https://h.example.com/webhooks/mail/acme-mail', { method: 'POST', body: '{}' }),
    );
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(got.length).toBe(1);
  });
});
