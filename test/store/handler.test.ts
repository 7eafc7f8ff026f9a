import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  type MailWebhookOptions,
  type Sink,
  ses,
} from '../../src/index.js';
import { parseEventQuery } from '../../src/store/api.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { envelope, memoryLogger, snsRequest } from '../helpers/envelope.js';
import { fakeStore } from './fake-store.js';

const TOKEN = 'node-test-token';

function setup(options: MailWebhookOptions = {}) {
  const fake = fakeStore();
  const taken: EmailTrackingContext[] = [];
  const order: string[] = [];
  const state = { down: false };
  const sink: Sink = {
    name: 'after-store',
    async send(events) {
      order.push('sink');
      if (state.down) throw new Error('endpoint down');
      taken.push(...events);
    },
  };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [sink],
    store: fake.store,
    apiToken: TOKEN,
    logger,
    ...options,
  });
  return { handle, taken, state, lines, order, ...fake };
}

const sesPost = (snsId = 'sns-1') =>
  snsRequest(envelope(bounce, { messageId: snsId, timestamp: new Date().toISOString() }));

/** A 503 store-failed answer, and its refusal line with `fields`. */
async function expectStoreFailed(
  response: Response,
  lines: ReturnType<typeof memoryLogger>['lines'],
  fields: Record<string, unknown>,
) {
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ ok: false, error: 'store-failed' });
  const refusal = lines.find((l) => l.msg === 'request refused');
  expect(refusal?.fields).toMatchObject({ reason: 'store-failed', ...fields });
}

const suppressionRequest = (method: string) =>
  new Request('http://localhost/webhooks/mail/suppressions/jane@example.com', {
    method,
    headers: { authorization: `Bearer ${TOKEN}` },
  });

const events = (query: string, token: string | null = TOKEN) =>
  new Request(`http://localhost/webhooks/mail/events${query}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('the store before the sinks', () => {
  test('records, delivers, then marks delivered; a retry is dropped and still counted', async () => {
    const { handle, taken, calls } = setup();
    expect(await (await handle(sesPost())).json()).toEqual({ ok: true, events: 1 });
    expect(await (await handle(sesPost())).json()).toEqual({ ok: true, events: 1 });
    expect(taken).toHaveLength(1);
    expect(calls).toEqual(['record', 'markDelivered', 'record']);
  });

  test('a failing sink leaves the context unmarked, so the retry reaches the sink', async () => {
    const { handle, taken, state, delivered } = setup();
    state.down = true;
    expect((await handle(sesPost())).status).toBe(503);
    expect(delivered.size).toBe(0);
    state.down = false;
    expect((await handle(sesPost())).status).toBe(200);
    expect(taken).toHaveLength(1);
  });

  test('a retry logs "duplicates dropped: delivered before" with how many; a first delivery logs none', async () => {
    const { handle, lines } = setup();
    const dropped = () => lines.filter((l) => l.msg === 'duplicates dropped: delivered before');
    expect((await handle(sesPost())).status).toBe(200);
    expect(dropped()).toEqual([]);
    expect((await handle(sesPost())).status).toBe(200);
    expect(dropped()).toEqual([
      expect.objectContaining({
        level: 'info',
        fields: expect.objectContaining({ duplicates: 1 }),
      }),
    ]);
  });

  test('the store-failed line names the store, the error and how many events the request carried', async () => {
    const { handle, fail, lines } = setup();
    fail.record = true;
    expect((await handle(sesPost())).status).toBe(503);
    expect(lines.find((l) => l.fields.reason === 'store-failed')?.fields).toMatchObject({
      store: 'fake',
      error: 'Error: database is locked',
      events: 1,
    });
  });

  test("a failing sink's refusal is the answer even when lifting the claims fails too", async () => {
    const { handle, state, store, lines } = setup();
    store.release = async () => {
      throw new Error('database is locked');
    };
    state.down = true;
    const response = await handle(sesPost());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(lines.filter((l) => l.fields.reason === 'store-failed')).toEqual([]);
  });

  test('a store that fails to record answers 503 store-failed and reaches no sink', async () => {
    const { handle, fail, order, lines } = setup();
    fail.record = true;
    const response = await handle(sesPost());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'store-failed' });
    expect(order).toEqual([]);
    expect(
      lines.some((l) => l.level === 'error' && l.fields.error === 'Error: database is locked'),
    ).toBe(true);
  });

  test.each([
    ['nothing (a `return` forgotten)', undefined],
    ['null', null],
    ['an object that is no list', { events: [] }],
  ])(
    'a store of your own whose record resolves with %s answers 503 store-failed, not 500, and reaches no sink',
    async (_, value) => {
      const { handle, store, order, lines } = setup();
      store.record = async () => value as unknown as EmailTrackingContext[];
      const response = await handle(sesPost());
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        ok: false,
        error: 'store-failed',
        message: 'the event store did not take the events; retry later',
      });
      expect(order).toEqual([]);
      const refusal = lines.find((l) => l.msg === 'request refused');
      expect(refusal?.level).toBe('error');
      expect(refusal?.fields).toMatchObject({ reason: 'store-failed', store: 'fake' });
      expect(String(refusal?.fields.error)).toMatch(/^TypeError: /);
    },
  );

  test('one deadline covers the store and the sinks: a slow store leaves the sinks only what is left', async () => {
    vi.useFakeTimers();
    const { handle, store } = setup({
      deliveryTimeoutMs: 1000,
      sinks: [{ name: 'hanging', send: () => new Promise<void>(() => {}) }],
    });
    const record = store.record;
    store.record = async (events, until) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return record(events, until);
    };
    let answer: Response | undefined;
    void handle(sesPost()).then((response) => {
      answer = response;
    });
    await vi.advanceTimersByTimeAsync(1100);
    expect(answer?.status).toBe(503);
    expect(await answer?.json()).toMatchObject({ error: 'sink-timeout' });
  });

  test('a delivery through the store leaves no timer behind (each would hold the process for deliveryTimeoutMs)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { handle, taken } = setup();
    expect((await handle(sesPost())).status).toBe(200);
    expect(taken).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a store that fails to mark answers 503 store-failed (the retry may repeat, never lose)', async () => {
    const { handle, fail, taken } = setup();
    fail.markDelivered = true;
    const response = await handle(sesPost());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'store-failed' });
    expect(taken).toHaveLength(1);
  });

  test('a store that rejects with a value every read of which throws answers 503 store-failed, not 500', async () => {
    const { handle, store, order } = setup();
    const unreadable = new Proxy(
      {},
      {
        get() {
          throw new Error('no property');
        },
        getPrototypeOf() {
          throw new Error('no prototype');
        },
      },
    );
    store.record = () => Promise.reject(unreadable);
    const response = await handle(sesPost());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'store-failed' });
    expect(order).toEqual([]);
  });

  test('a store that never answers is cut off by deliveryTimeoutMs: 503 store-failed', async () => {
    const { handle, fail } = setup({ deliveryTimeoutMs: 50 });
    fail.hang = true;
    const started = Date.now();
    const response = await handle(sesPost());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'store-failed' });
    // Bounds a hang, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the events route', () => {
  test('its query string is read only after the token matched', async () => {
    const { handle, calls } = setup();
    const long = `?recipient=${'a'.repeat(65_536)}`;
    expect((await handle(events(long, null))).status).toBe(401);
    expect((await handle(events(long, 'nope'))).status).toBe(403);
    const refused = await handle(events(long));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid-query' });
    expect(calls).toEqual([]);
  });

  test('passes the filters on; empty values are absent; limit capped at 1000', async () => {
    const { handle, calls } = setup();
    const response = await handle(
      events('?recipient=jane%40example.com&messageId=&type=bounced&limit=5000'),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ events: [] });
    expect(calls).toEqual([
      `events ${JSON.stringify({ recipient: 'jane@example.com', eventType: 'bounced', limit: 1000 })}`,
    ]);
  });

  test.each(['1', '1000'])(
    'limit=%s, an end of the range, is asked for as it is',
    async (limit) => {
      const { handle, calls } = setup();
      expect((await handle(events(`?limit=${limit}`))).status).toBe(200);
      expect(calls).toEqual([`events ${JSON.stringify({ limit: Number(limit) })}`]);
    },
  );

  test.each(['1001', '5000000000', '9'.repeat(40)])(
    'limit=%s reads as 1000, as every value over it does',
    async (limit) => {
      const { handle, calls } = setup();
      const response = await handle(events(`?limit=${limit}`));
      expect(response.status).toBe(200);
      expect(calls).toEqual([`events ${JSON.stringify({ limit: 1000 })}`]);
    },
  );

  test.each([
    ['jane+news@example.com', 'jane+news@example.com'],
    ['jane%2Bnews@example.com', 'jane+news@example.com'],
    ['jane%40example.com', 'jane@example.com'],
  ])('recipient=%s is %s (+ is a plus, not a space)', async (query, recipient) => {
    const { handle, calls } = setup();
    expect((await handle(events(`?recipient=${query}`))).status).toBe(200);
    expect(calls).toEqual([`events ${JSON.stringify({ recipient })}`]);
  });

  test.each(['0', '-1', '1.5', 'abc', '1e3', '0x10'])(
    'GET events?limit=%s answers 400 invalid-query naming limit, and asks the store nothing',
    async (limit) => {
      const { handle, calls } = setup();
      const response = await handle(events(`?limit=${limit}`));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe('invalid-query');
      expect(body.message).toMatch(/^limit must be a whole number from 1 to 1000/);
      expect(calls).toEqual([]);
    },
  );

  test.each(['abc', '-1', '1.5', '1e3', '0x10'])(
    'GET events?next=%s answers 400 invalid-query naming next, and asks the store nothing',
    async (next) => {
      const { handle, calls } = setup();
      const response = await handle(events(`?next=${next}`));
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 400,
        body: { ok: false, error: 'invalid-query', message: 'next must be a whole number' },
      });
      expect(calls).toEqual([]);
    },
  );

  test('next=N reaches the store as the number N, and a page the store cut answers its next', async () => {
    const { handle, store, calls } = setup();
    const read = store.events;
    store.events = async (query) => Object.assign(await read(query), { next: 17 });
    const response = await handle(events('?limit=5&next=42'));
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { events: [], next: 17 },
    });
    expect(calls).toEqual(['events {"limit":5,"next":42}']);
  });

  test('GET events with no limit, or an empty one, asks for the default', async () => {
    const { handle, calls } = setup();
    expect((await handle(events(''))).status).toBe(200);
    expect((await handle(events('?limit='))).status).toBe(200);
    expect(calls).toEqual(['events {}', 'events {}']);
  });

  test('a trailing slash is accepted, as on the provider routes', async () => {
    const { handle, calls } = setup();
    expect((await handle(events('/?type=bounced'))).status).toBe(200);
    expect(calls).toEqual([`events ${JSON.stringify({ eventType: 'bounced' })}`]);
    const suppression = await handle(
      new Request('http://localhost/webhooks/mail/suppressions/jane@example.com/', {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(suppression.status).toBe(200);
    expect(await suppression.json()).toEqual({ suppressed: false });
  });

  test('a failing store answers 503 store-failed', async () => {
    const { handle, fail } = setup();
    fail.events = true;
    const response = await handle(events(''));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'store-failed' });
  });

  test.each([
    ['events', () => events('')],
    ['suppression', () => suppressionRequest('GET')],
    ['unsuppress', () => suppressionRequest('DELETE')],
  ] as const)(
    'a store whose %s never answers is cut off by deliveryTimeoutMs: 503 store-failed, the wait named in the log line',
    async (method, request) => {
      const { handle, store, lines } = setup({ deliveryTimeoutMs: 50 });
      Object.assign(store, { [method]: () => new Promise(() => {}) });
      await expectStoreFailed(await handle(request()), lines, {
        store: 'fake',
        error: 'no answer within 50 ms',
      });
    },
  );

  test.each([
    ['?recipent=jane@example.com', 'unknown query parameter'],
    ['?limit=0', 'limit must be a whole number from 1 to 1000'],
    ['?limit=-1', 'limit must be a whole number from 1 to 1000'],
    ['?limit=1.5', 'limit must be a whole number from 1 to 1000'],
    ['?limit=abc', 'limit must be a whole number from 1 to 1000'],
    ['?type=constructor', 'type'],
  ])('refuses %s naming the problem', (query, words) => {
    const parsed = parseEventQuery(`http://localhost/webhooks/mail/events${query}`);
    expect(parsed).toMatchObject({ status: 400, reason: 'invalid-query' });
    expect((parsed as { message: string }).message).toContain(words);
  });

  test('a misspelt query parameter is answered 400 naming it and the ones there are', async () => {
    const { handle } = setup();
    const response = await handle(events('?recipent=jane@example.com'));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'invalid-query',
      message: 'unknown query parameter "recipent"; use recipient, messageId, type, limit, next',
    });
  });

  test('the routes follow basePath and answer 404 when disabled', async () => {
    const { handle } = setup({ basePath: '/hooks' });
    const at = (path: string) =>
      handle(
        new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      );
    expect((await at('/hooks/events')).status).toBe(200);
    expect((await at('/webhooks/mail/events')).status).toBe(404);
    expect((await setup({ enabled: false }).handle(events(''))).status).toBe(404);
  });

  test.each([
    [
      "a 404 off the routes lists the store's routes beside the provider routes, under basePath",
      { basePath: '/hooks' },
      '/hooks/suppression',
      'no route for /hooks/suppression; basePath is /hooks; provider routes: /hooks/ses; ' +
        'store routes: /hooks/suppressions/{email}, /hooks/events',
    ],
    [
      "with basePath '' a 404 says basePath is /, and the routes from the root",
      { basePath: '' },
      '/nowhere',
      'no route for /nowhere; basePath is /; provider routes: /ses; ' +
        'store routes: /suppressions/{email}, /events',
    ],
    [
      'without an apiToken the store serves no routes, and a 404 names none',
      { apiToken: undefined },
      '/webhooks/mail/events',
      'no route for /webhooks/mail/events; basePath is /webhooks/mail; ' +
        'provider routes: /webhooks/mail/ses',
    ],
  ] as const)('%s', async (_, options, path, message) => {
    const { handle } = setup(options);
    const response = await handle(new Request(`http://localhost${path}`));
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 404,
      body: { ok: false, error: 'not-found', message },
    });
  });
});

describe('the suppressions route', () => {
  const remove = (email: string) =>
    new Request(`http://localhost/webhooks/mail/suppressions/${email}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });

  test('DELETE logs "suppression lifted" with the store name only when there was one to lift', async () => {
    const { handle, store, lines } = setup();
    const never = await handle(remove('never@example.com'));
    expect({ status: never.status, body: await never.json() }).toEqual({
      status: 200,
      body: { suppressed: false },
    });
    expect(lines.filter((l) => l.msg === 'suppression lifted')).toEqual([]);
    store.unsuppress = async () => true;
    expect((await handle(remove('jane@example.com'))).status).toBe(200);
    expect(lines.filter((l) => l.msg === 'suppression lifted')).toEqual([
      expect.objectContaining({
        level: 'info',
        fields: expect.objectContaining({ store: 'fake' }),
      }),
    ]);
  });
});

describe('a store of your own whose name getter throws', () => {
  /** `setup` with a store whose `name` throws on every read (a closed client, say). */
  function nameless(options: MailWebhookOptions = {}) {
    const context = setup(options);
    Object.defineProperty(context.store, 'name', {
      get() {
        throw new Error('client closed');
      },
    });
    return context;
  }
  test.each([
    ['record fails', 'record', () => sesPost()],
    ['markDelivered fails', 'markDelivered', () => sesPost()],
    ['events fails', 'events', () => events('')],
    ['suppression fails', 'suppression', () => suppressionRequest('GET')],
    ['unsuppress fails', 'unsuppress', () => suppressionRequest('DELETE')],
  ] as const)('answers 503 store-failed, not 500, when %s', async (_, method, request) => {
    const { handle, store, lines } = nameless();
    Object.assign(store, { [method]: () => Promise.reject(new Error('database is locked')) });
    await expectStoreFailed(await handle(request()), lines, { error: 'Error: database is locked' });
  });

  test('lifting a suppression answers 200 and logs the line, unnamed', async () => {
    const { handle, store, lines } = nameless();
    store.unsuppress = async () => true;
    const response = await handle(suppressionRequest('DELETE'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ suppressed: false });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'suppression lifted' }));
  });
});

describe('store options', () => {
  const error = (options: MailWebhookOptions) => {
    try {
      createMailWebhookHandler({ providers: [ses({ verifySignature: false })], ...options });
    } catch (e) {
      return e instanceof ConfigError ? e.message : String(e);
    }
    return undefined;
  };

  test('an apiToken no bearer header can carry (a space, a line break, a character past U+00FF) is a ConfigError', () => {
    for (const apiToken of ['two words', 'token\n', 'tok\u20acen']) {
      expect(error({ store: fakeStore().store, apiToken })).toMatch(/^apiToken: .*no spaces/);
    }
  });

  test('a store that is not one, an empty token, a token without a store', () => {
    for (const store of [{}, null, 'd1', { ...fakeStore().store, events: 'all' }]) {
      expect(error({ store: store as never })).toMatch(/^store: expected an event store/);
    }
    expect(error({ store: fakeStore().store, apiToken: '' })).toMatch(/^apiToken: /);
    expect(error({ apiToken: TOKEN })).toMatch(/^apiToken: .*store/);
  });
});
