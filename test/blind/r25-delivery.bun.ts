/** Round 25, blind, under Bun: the event store on `bun:sqlite` (suppression, dedupe, retention, the HTTP routes), and the Bun server's 413. */
import { Database } from 'bun:sqlite';
import { test } from 'bun:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { serve } from '../../src/adapters/bun.js';
import {
  ConfigError,
  createMailWebhookHandler,
  createSqliteStore,
  decodeTrackingEvent,
  type EmailTrackingContext,
  postmark,
  type Sink,
  ses,
} from '../../src/index.js';
import sesBounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { acme, wire } from './r25-delivery-helpers.js';

const BASE = 'https://hooks.test/webhooks/mail';
const TOKEN = 'store-token-r25';

const bounce = (over: Record<string, unknown> = {}) =>
  wire({
    eventType: 'bounced',
    permanent: true,
    rejectCategory: 'bounced',
    rejectReason: 'Permanent/General',
    ...over,
  });

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(
  storeOptions?: Parameters<typeof createSqliteStore>[1],
  extra: Record<string, unknown> = {},
) {
  const db = new Database(':memory:');
  const store = createSqliteStore(db, storeOptions);
  const got: EmailTrackingContext[] = [];
  let failNext = 0;
  const sink: Sink = {
    name: 'rec',
    async send(events) {
      if (failNext > 0) {
        failNext--;
        throw new Error('sink down');
      }
      got.push(...events);
    },
  };
  const handle = createMailWebhookHandler({
    providers: [acme],
    store,
    apiToken: TOKEN,
    sinks: [sink],
    logger: silent,
    ...extra,
  });
  const send = async (events: Record<string, unknown>[]) => {
    const response = await handle(
      new Request(`${BASE}/acme`, { method: 'POST', body: JSON.stringify(events) }),
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const api = async (method: string, path: string, token: string | null = TOKEN) => {
    const headers: Record<string, string> =
      token === null ? {} : { authorization: `Bearer ${token}` };
    const response = await handle(new Request(`${BASE}${path}`, { method, headers }));
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    return { status: response.status, json, headers: response.headers };
  };
  return {
    db,
    store,
    got,
    handle,
    send,
    api,
    failOnce: () => {
      failNext = 1;
    },
  };
}

const reasonOf = (json: Record<string, unknown>) => String(json.reason ?? json.error ?? '');

function throwsConfig(fn: () => unknown, ...words: string[]) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  for (const w of words)
    assert.ok((caught as Error).message.includes(w), (caught as Error).message);
}

test('a permanent bounce suppresses the recipient with reason bounced, provider and since', async () => {
  const { send, store } = setup();
  assert.equal((await send([bounce()])).status, 200);
  assert.equal(await store.isSuppressed('jane@example.com'), true);
  const record = (await store.suppression('jane@example.com')) as unknown as Record<
    string,
    unknown
  >;
  assert.equal(record.reason, 'bounced');
  assert.equal(record.provider, 'acme');
  assert.equal(new Date(record.since as string | Date).toISOString(), '2024-05-01T10:00:00.000Z');
});

test('a bounce that is not permanent, a deferral and a delivery suppress no one', async () => {
  const { send, store } = setup();
  await send([
    bounce({ permanent: false, recipient: 'soft@example.com' }),
    wire({ eventType: 'deferred', recipient: 'late@example.com', eventId: 'e2' }),
    wire({ recipient: 'ok@example.com', eventId: 'e3' }),
  ]);
  for (const address of ['soft@example.com', 'late@example.com', 'ok@example.com']) {
    assert.equal(await store.isSuppressed(address), false, address);
    assert.equal(await store.suppression(address), null, address);
  }
});

test('a permanent reject suppresses with its category, a complaint with spam, an unsubscribe with unsubscribed', async () => {
  const { send, store } = setup();
  await send([
    wire({
      eventType: 'rejected',
      permanent: true,
      rejectCategory: 'invalid',
      recipient: 'bad@example.com',
      eventId: 'r1',
    }),
    wire({
      eventType: 'complained',
      rejectCategory: 'spam',
      recipient: 'angry@example.com',
      eventId: 'c1',
    }),
    wire({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      recipient: 'gone@example.com',
      eventId: 'u1',
    }),
  ]);
  const reason = async (a: string) =>
    ((await store.suppression(a)) as unknown as { reason: string } | null)?.reason;
  assert.equal(await reason('bad@example.com'), 'invalid');
  assert.equal(await reason('angry@example.com'), 'spam');
  assert.equal(await reason('gone@example.com'), 'unsubscribed');
});

test('a reject that is not permanent does not suppress', async () => {
  const { send, store } = setup();
  await send([wire({ eventType: 'rejected', permanent: false, rejectCategory: 'blocked' })]);
  assert.equal(await store.isSuppressed('jane@example.com'), false);
});

test('since stays the timestamp of the first suppressing event', async () => {
  const { send, store } = setup();
  await send([bounce()]);
  await send([
    wire({
      eventType: 'complained',
      rejectCategory: 'spam',
      eventId: 'c2',
      timestamp: '2024-06-01T00:00:00.000Z',
    }),
  ]);
  const record = (await store.suppression('jane@example.com')) as unknown as {
    since: string | Date;
  };
  assert.equal(new Date(record.since).toISOString(), '2024-05-01T10:00:00.000Z');
});

test('addresses: domain case-insensitive, local part exact', async () => {
  const { send, store } = setup();
  await send([bounce({ recipient: 'Jane.Doe@EXAMPLE.com' })]);
  assert.equal(await store.isSuppressed('Jane.Doe@example.COM'), true);
  assert.equal(await store.isSuppressed('jane.doe@example.com'), false);
});

test('ignoreLocalPartCase folds the local part too', async () => {
  const { send, store } = setup({ ignoreLocalPartCase: true });
  await send([bounce({ recipient: 'Jane.Doe@EXAMPLE.com' })]);
  assert.equal(await store.isSuppressed('jane.doe@example.com'), true);
  assert.equal(await store.isSuppressed('JANE.DOE@example.com'), true);
  assert.equal(await store.isSuppressed('john.doe@example.com'), false);
});

test('dedupe: a redelivered (eventId, recipient, eventType) reaches the sinks once; events counts it each time', async () => {
  const { send, got } = setup();
  const first = await send([bounce()]);
  const second = await send([bounce()]);
  assert.equal(first.status, 200);
  assert.deepEqual(second, { status: 200, json: { ok: true, events: 1 } });
  assert.deepEqual(first.json, { ok: true, events: 1 });
  assert.equal(got.length, 1);
});

test('dedupe keys on all three: another recipient or event type with the same eventId still goes through', async () => {
  const { send, got } = setup();
  await send([wire()]);
  await send([wire({ recipient: 'bob@example.com' }), wire({ eventType: 'opened' })]);
  assert.equal(got.length, 3);
});

test('a context counts as delivered only once the sinks after the store took it', async () => {
  const { send, got, failOnce } = setup();
  failOnce();
  assert.equal((await send([wire()])).status, 503);
  assert.equal(got.length, 0);
  assert.equal((await send([wire()])).status, 200);
  assert.equal(got.length, 1);
  assert.equal((await send([wire()])).status, 200);
  assert.equal(got.length, 1);
});

test('store.events filters by recipient, messageId, eventType, newest first, with a limit', async () => {
  const { send, store } = setup();
  await send([
    wire({ eventId: 'a', timestamp: '2024-05-01T10:00:00.000Z' }),
    wire({ eventId: 'b', eventType: 'opened', timestamp: '2024-05-01T11:00:00.000Z' }),
    wire({
      eventId: 'c',
      recipient: 'bob@example.com',
      messageId: 'msg-2',
      timestamp: '2024-05-01T12:00:00.000Z',
    }),
  ]);
  const ids = async (q: Record<string, unknown>) => {
    const result = (await store.events(q)) as unknown;
    const list = (
      Array.isArray(result) ? result : (result as { events: EmailTrackingContext[] }).events
    ) as EmailTrackingContext[];
    return list.map((e) => e.eventId);
  };
  assert.deepEqual(await ids({}), ['c', 'b', 'a']);
  assert.deepEqual(await ids({ recipient: 'jane@example.com' }), ['b', 'a']);
  assert.deepEqual(await ids({ messageId: 'msg-2' }), ['c']);
  assert.deepEqual(await ids({ eventType: 'opened' }), ['b']);
  assert.deepEqual(await ids({ limit: 1 }), ['c']);
});

test('retentionDays prunes events older than the window as new ones arrive', async () => {
  const { send, store } = setup({ retentionDays: 30 });
  const old = new Date(Date.now() - 90 * 86_400_000).toISOString();
  const fresh = new Date(Date.now() - 60_000).toISOString();
  await send([wire({ eventId: 'old', timestamp: old })]);
  await send([wire({ eventId: 'new', timestamp: fresh })]);
  const result = (await store.events({})) as unknown;
  const list = (
    Array.isArray(result) ? result : (result as { events: EmailTrackingContext[] }).events
  ) as EmailTrackingContext[];
  assert.deepEqual(
    list.map((e) => e.eventId),
    ['new'],
  );
});

test('GET suppressions: 401 without a token (with a Bearer challenge), 403 with a wrong one', async () => {
  const { api } = setup();
  const missing = await api('GET', '/suppressions/jane@example.com', null);
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate') ?? '', /Bearer/i);
  assert.equal((await api('GET', '/suppressions/jane@example.com', 'wrong-token')).status, 403);
  assert.equal((await api('GET', '/events', 'wrong-token')).status, 403);
  assert.equal((await api('GET', '/events', null)).status, 401);
});

test('GET suppressions/{email}: the record for a suppressed address, {suppressed:false} for another', async () => {
  const { api, send } = setup();
  await send([bounce()]);
  const hit = await api('GET', `/suppressions/${encodeURIComponent('jane@example.com')}`);
  assert.equal(hit.status, 200);
  assert.deepEqual(hit.json, {
    suppressed: true,
    reason: 'bounced',
    provider: 'acme',
    since: '2024-05-01T10:00:00.000Z',
  });
  const plain = await api('GET', '/suppressions/jane@example.com');
  assert.equal(plain.json.suppressed, true);
  const miss = await api('GET', '/suppressions/never@example.com');
  assert.equal(miss.status, 200);
  assert.deepEqual(miss.json, { suppressed: false });
});

test('GET suppressions follows the address rule: the domain in any case', async () => {
  const { api, send } = setup();
  await send([bounce({ recipient: 'a+tag@example.com' })]);
  assert.equal(
    (await api('GET', `/suppressions/${encodeURIComponent('a+tag@EXAMPLE.COM')}`)).json.suppressed,
    true,
  );
  assert.equal(
    (await api('GET', `/suppressions/${encodeURIComponent('A+tag@example.com')}`)).json.suppressed,
    false,
  );
});

test('DELETE suppressions/{email} lifts it: 200 {suppressed:false}, and GET agrees', async () => {
  const { api, send, store } = setup();
  await send([bounce()]);
  const removed = await api('DELETE', '/suppressions/jane@example.com');
  assert.equal(removed.status, 200);
  assert.deepEqual(removed.json, { suppressed: false });
  assert.deepEqual((await api('GET', '/suppressions/jane@example.com')).json, {
    suppressed: false,
  });
  assert.equal(await store.isSuppressed('jane@example.com'), false);
});

test('DELETE needs the token too', async () => {
  const { api, send, store } = setup();
  await send([bounce()]);
  assert.equal((await api('DELETE', '/suppressions/jane@example.com', null)).status, 401);
  assert.equal((await api('DELETE', '/suppressions/jane@example.com', 'nope')).status, 403);
  assert.equal(await store.isSuppressed('jane@example.com'), true);
});

test('GET events returns wire objects, newest first, filtered by recipient, messageId and type', async () => {
  const { api, send } = setup();
  await send([
    bounce({ eventId: 'a', timestamp: '2024-05-01T10:00:00.000Z' }),
    wire({ eventId: 'b', eventType: 'opened', timestamp: '2024-05-01T11:00:00.000Z' }),
    wire({
      eventId: 'c',
      recipient: 'bob@example.com',
      messageId: 'msg-2',
      timestamp: '2024-05-01T12:00:00.000Z',
    }),
  ]);
  const ids = async (query: string) => {
    const { status, json } = await api('GET', `/events${query}`);
    assert.equal(status, 200, query);
    return (json.events as { eventId: string }[]).map((e) => e.eventId);
  };
  assert.deepEqual(await ids(''), ['c', 'b', 'a']);
  assert.deepEqual(await ids('?recipient=jane%40example.com'), ['b', 'a']);
  assert.deepEqual(await ids('?messageId=msg-2'), ['c']);
  assert.deepEqual(await ids('?type=bounced'), ['a']);
  assert.deepEqual(await ids('?type=opened&recipient=jane@example.com&limit=5'), ['b']);
  assert.deepEqual(await ids('?limit=2'), ['c', 'b']);
  const { json } = await api('GET', '/events?type=bounced');
  const [event = {}] = json.events as Record<string, unknown>[];
  assert.equal(event.timestamp, '2024-05-01T10:00:00.000Z');
  assert.equal(event.permanent, true);
  assert.equal(event.rejectCategory, 'bounced');
  assert.deepEqual(decodeTrackingEvent(event).timestamp, new Date('2024-05-01T10:00:00.000Z'));
});

test('GET events: limit defaults to 100 and is at most 1000', async () => {
  const { api, send } = setup();
  const many = Array.from({ length: 1005 }, (_, i) =>
    wire({ eventId: `e${i}`, timestamp: new Date(Date.UTC(2024, 4, 1, 0, 0, i)).toISOString() }),
  );
  await send(many);
  const count = async (query: string) => {
    const { status, json } = await api('GET', `/events${query}`);
    return status === 200 ? (json.events as unknown[]).length : status;
  };
  assert.equal(await count(''), 100);
  assert.equal(await count('?limit=1000'), 1000);
  const over = await count('?limit=5000');
  assert.ok(over === 1000 || over === 400, String(over));
});

test('GET events: a limit that is not a positive integer, or an unknown type, is a 400 naming it', async () => {
  const { api } = setup();
  for (const query of ['?limit=abc', '?limit=0', '?limit=-1', '?type=bounce']) {
    const { status, json } = await api('GET', `/events${query}`);
    assert.equal(status, 400, query);
    assert.ok(JSON.stringify(json).match(/limit|type/), `${query}: ${JSON.stringify(json)}`);
  }
});

test('without apiToken the store routes are 404, and events still flow', async () => {
  const { api, send, got } = setup(undefined, { apiToken: undefined });
  assert.equal((await send([bounce()])).status, 200);
  assert.equal(got.length, 1);
  assert.equal((await api('GET', '/suppressions/jane@example.com')).status, 404);
  assert.equal((await api('GET', '/events')).status, 404);
});

test('provider paths suppressions and events are reserved when the store serves routes', async () => {
  const store = createSqliteStore(new Database(':memory:'));
  for (const path of ['suppressions', 'events']) {
    throwsConfig(
      () =>
        createMailWebhookHandler({
          providers: [postmark({ password: 'pw', path })],
          store,
          apiToken: TOKEN,
        }),
      path,
    );
  }
});

test('a store that fails answers 503 store-failed and the sinks get nothing', async () => {
  const { db, send, got } = setup();
  await send([wire({ eventId: 'warm' })]);
  got.length = 0;
  db.close();
  const { status, json } = await send([bounce()]);
  assert.equal(status, 503);
  assert.equal(reasonOf(json), 'store-failed');
  assert.equal(got.length, 0);
});

test('the store keeps every context: a delivered event appears in history', async () => {
  const { send, store } = setup();
  await send([wire({ tags: ['t'], metadata: { k: 'v' }, eventId: 'kept' })]);
  const result = (await store.events({ recipient: 'jane@example.com' })) as unknown;
  const list = (
    Array.isArray(result) ? result : (result as { events: EmailTrackingContext[] }).events
  ) as EmailTrackingContext[];
  assert.equal(list.length, 1);
  assert.equal(list[0]?.eventId, 'kept');
  assert.deepEqual(list[0]?.tags, ['t']);
  assert.deepEqual(list[0]?.metadata, { k: 'v' });
  assert.ok(list[0]?.timestamp instanceof Date);
});

test('DELETE with the domain in another case lifts the suppression', async () => {
  const { api, send, store } = setup();
  await send([bounce()]);
  assert.deepEqual((await api('DELETE', '/suppressions/jane@EXAMPLE.com')).json, {
    suppressed: false,
  });
  assert.equal(await store.isSuppressed('jane@example.com'), false);
});

test('with ignoreLocalPartCase, DELETE with the local part in another case lifts it', async () => {
  const { api, send, store } = setup({ ignoreLocalPartCase: true });
  await send([bounce()]);
  await api('DELETE', '/suppressions/JANE@example.com');
  assert.equal(await store.isSuppressed('jane@example.com'), false);
});

test('after DELETE, a new suppressing event suppresses again with its own since', async () => {
  const { api, send } = setup();
  await send([bounce()]);
  await api('DELETE', '/suppressions/jane@example.com');
  await send([
    wire({
      eventType: 'complained',
      rejectCategory: 'spam',
      eventId: 'c9',
      timestamp: '2024-07-01T00:00:00.000Z',
    }),
  ]);
  assert.deepEqual((await api('GET', '/suppressions/jane@example.com')).json, {
    suppressed: true,
    reason: 'spam',
    provider: 'acme',
    since: '2024-07-01T00:00:00.000Z',
  });
});

test('retention prunes history, never the suppression list', async () => {
  const { send, store } = setup({ retentionDays: 30 });
  await send([bounce({ timestamp: new Date(Date.now() - 90 * 86_400_000).toISOString() })]);
  await send([
    wire({ eventId: 'new', recipient: 'bob@example.com', timestamp: new Date().toISOString() }),
  ]);
  assert.equal(await store.isSuppressed('jane@example.com'), true);
});

test('store options: a misspelt key or a bad retentionDays is a ConfigError naming it', async () => {
  throwsConfig(
    () => createSqliteStore(new Database(':memory:'), { ignoreLocalpartCase: true } as never),
    'ignoreLocalpartCase',
  );
  throwsConfig(
    () => createSqliteStore(new Database(':memory:'), { retentionDays: -1 }),
    'retentionDays',
  );
  throwsConfig(
    () => createSqliteStore(new Database(':memory:'), { retentionDays: 'x' as never }),
    'retentionDays',
  );
});

test('a permanent failed event does not suppress (only bounced/rejected do)', async () => {
  const { send, store } = setup();
  await send([wire({ eventType: 'failed', permanent: true, rejectCategory: 'other' })]);
  assert.equal(await store.isSuppressed('jane@example.com'), false);
});

test('the bearer scheme is case-insensitive', async () => {
  const { handle } = setup();
  const response = await handle(
    new Request(`${BASE}/suppressions/jane@example.com`, {
      headers: { authorization: `bearer ${TOKEN}` },
    }),
  );
  assert.equal(response.status, 200);
});

test('Basic credentials carrying the token are not accepted', async () => {
  const { handle } = setup();
  const response = await handle(
    new Request(`${BASE}/events`, { headers: { authorization: `Basic ${btoa(`x:${TOKEN}`)}` } }),
  );
  assert.ok(response.status === 401 || response.status === 403, String(response.status));
});

test('an empty apiToken is a ConfigError, never an open door', async () => {
  throwsConfig(
    () =>
      createMailWebhookHandler({
        providers: [acme],
        store: createSqliteStore(new Database(':memory:')),
        apiToken: '',
      }),
    'apiToken',
  );
});

test('the routes answer 503 store-failed when the database fails', async () => {
  const { db, api } = setup();
  db.close();
  for (const [method, path] of [
    ['GET', '/suppressions/jane@example.com'],
    ['DELETE', '/suppressions/jane@example.com'],
    ['GET', '/events'],
  ] as const) {
    const { status, json } = await api(method, path);
    assert.equal(status, 503, `${method} ${path}`);
    assert.equal(reasonOf(json), 'store-failed');
  }
});

test('events: N counts the duplicates among several recipients', async () => {
  const { send, got } = setup();
  await send([bounce({ recipient: 'a@example.com' }), bounce({ recipient: 'b@example.com' })]);
  const again = await send([
    bounce({ recipient: 'a@example.com' }),
    bounce({ recipient: 'b@example.com' }),
    bounce({ recipient: 'c@example.com' }),
  ]);
  assert.deepEqual(again.json, { ok: true, events: 3 });
  assert.deepEqual(
    got.map((e) => e.recipient),
    ['a@example.com', 'b@example.com', 'c@example.com'],
  );
});

test('the same key twice in one request reaches the sinks once', async () => {
  const { send, got } = setup();
  const { json } = await send([bounce(), bounce()]);
  assert.deepEqual(json, { ok: true, events: 2 });
  assert.equal(got.length, 1);
});

test('GET events: a fractional or junk limit, or an unknown query key, is a 400', async () => {
  const { api } = setup();
  for (const query of ['?limit=1.5', '?limit=10abc', '?recipeint=jane@example.com']) {
    const { status } = await api('GET', `/events${query}`);
    assert.equal(status, 400, query);
  }
});

test('other methods on the store routes are 405', async () => {
  const { api } = setup();
  assert.equal((await api('POST', '/suppressions/jane@example.com')).status, 405);
  assert.equal((await api('DELETE', '/events')).status, 405);
});

test('store.events in code caps limit at 1000', async () => {
  const { send, store } = setup();
  await send(
    Array.from({ length: 1002 }, (_, i) =>
      wire({ eventId: `e${i}`, timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() }),
    ),
  );
  let count: number | string;
  try {
    const result = (await store.events({ limit: 5000 })) as unknown;
    count = (Array.isArray(result) ? result : (result as { events: unknown[] }).events).length;
  } catch (error) {
    count = String(error);
  }
  assert.ok(count === 1000 || typeof count === 'string', String(count));
  const defaulted = (await store.events({})) as unknown;
  assert.equal(
    (Array.isArray(defaulted) ? defaulted : (defaulted as { events: unknown[] }).events).length,
    100,
  );
});

test('the Bun server answers its JSON 413 to a declared length past Bun’s own 128 MiB, not Bun’s bare 413 or a reset', async () => {
  const server = serve({
    env: {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw',
      MAIL_WEBHOOK_MAX_BODY_BYTES: '1000',
    },
    // The system's choice unless the machine running the tests assigns ports.
    port: Number(process.env.MAILHOOKS_TEST_PORT) || 0,
    hostname: '127.0.0.1',
    gracefulShutdown: false,
  });
  const port = Number(new URL(await server.ready).port);
  const socket = connect(port, '127.0.0.1');
  try {
    const head = await new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk;
        if (received.includes('}')) resolve(received);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
      socket.write(
        `POST /webhooks/mail/postmark HTTP/1.1\r\nhost: x\r\nauthorization: Basic ${btoa('u:pw')}\r\ncontent-length: 200000000\r\n\r\n${'x'.repeat(8 << 20)}`,
      );
    });
    assert.match(head, /^HTTP\/1\.1 413 /);
    assert.match(head, /"error":"body-too-large"/);
  } finally {
    socket.destroy();
    await server.close();
  }
}, 20_000);

test('an SES bounce through SNS (verification off) suppresses its recipient with provider ses and since the bounce time; its retry reaches the sinks once', async () => {
  const got: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    store: createSqliteStore(new Database(':memory:')),
    apiToken: TOKEN,
    sinks: [{ name: 'rec', send: async (events) => void got.push(...events) }],
    logger: silent,
  });
  const envelope = {
    Type: 'Notification',
    MessageId: 'b0e1f6c4-0f1a-5c3e-9d2a-6f1e2d3c4b5a',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
    Message: JSON.stringify(sesBounce),
    Timestamp: new Date().toISOString(),
  };
  const post = () =>
    handle(
      new Request(`${BASE}/ses`, {
        method: 'POST',
        headers: {
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': envelope.MessageId,
        },
        body: JSON.stringify(envelope),
      }),
    );
  for (let i = 0; i < 2; i++) {
    const response = await post();
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true, events: 1 });
  }
  assert.equal(got.length, 1);
  assert.equal(got[0]?.eventId, envelope.MessageId);
  const response = await handle(
    new Request(`${BASE}/suppressions/recipient@example.com`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }),
  );
  assert.deepEqual(await response.json(), {
    suppressed: true,
    reason: 'bounced',
    provider: 'ses',
    since: '2017-08-05T00:41:02.669Z',
  });
});
