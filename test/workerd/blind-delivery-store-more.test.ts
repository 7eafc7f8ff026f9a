// Blind tests, second pass (DESIGN "Event store"), on D1, with a custom provider for exact contexts.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  createD1Store,
  createMailWebhookHandler,
  defineProvider,
  type EmailTrackingContext,
  type Sink,
} from '../../src/index.js';
import { context, silent } from '../blind/delivery-helpers.js';

let counter = 0;
const unique = (local: string) => `${local}.${Date.now()}.${++counter}@example.com`;

const ctx = (overrides: Partial<EmailTrackingContext> = {}) =>
  context({ eventId: `e-${++counter}`, ...overrides });

function setup(storeOptions?: Record<string, unknown>) {
  let next: EmailTrackingContext[] = [];
  const got: EmailTrackingContext[] = [];
  const sink: Sink = { name: 'r', send: async (events) => void got.push(...events) };
  const provider = defineProvider({
    name: 'acme-mail',
    methods: ['POST'],
    async handle() {
      return { events: next };
    },
  } as never);
  const store = createD1Store(env.STORE_TEST_DB, storeOptions as never);
  const handle = createMailWebhookHandler({
    logger: silent,
    providers: [provider],
    store,
    sinks: [sink],
    apiToken: 'tok-abc',
  });
  const send = async (events: EmailTrackingContext[]) => {
    next = events;
    return handle(
      new Request('https://h.example.com/webhooks/mail/acme-mail', { method: 'POST', body: '{}' }),
    );
  };
  const get = (path: string, method = 'GET') =>
    handle(
      new Request(`https://h.example.com/webhooks/mail${path}`, {
        method,
        headers: { authorization: 'Bearer tok-abc' },
      }),
    );
  return { store, send, got, get };
}

describe('who is suppressed', () => {
  it('unsubscribed → reason unsubscribed, with the provider', async () => {
    const { store, send } = setup();
    const u = unique('u');
    await send([ctx({ eventType: 'unsubscribed', recipient: u, rejectCategory: 'unsubscribed' })]);
    expect(await store.suppression(u)).toMatchObject({
      reason: 'unsubscribed',
      provider: 'acme-mail',
    });
  });

  it('a permanent reject → reason its rejectCategory (invalid); a non-permanent one suppresses nobody', async () => {
    const { store, send } = setup();
    const a = unique('a');
    const b = unique('b');
    await send([
      ctx({ eventType: 'rejected', recipient: a, rejectCategory: 'invalid', permanent: true }),
      ctx({ eventType: 'rejected', recipient: b, rejectCategory: 'blocked', permanent: false }),
    ]);
    expect(await store.suppression(a)).toMatchObject({ reason: 'invalid' });
    expect(await store.isSuppressed(b)).toBe(false);
  });

  it('failed, deferred, delivered and a permanent:false bounce suppress nobody', async () => {
    const { store, send } = setup();
    const a = unique('a');
    await send([
      ctx({ eventType: 'failed', recipient: a, rejectCategory: 'other', permanent: false }),
      ctx({ eventType: 'deferred', recipient: a }),
      ctx({ eventType: 'bounced', recipient: a, rejectCategory: 'bounced', permanent: false }),
      ctx({ eventType: 'opened', recipient: a }),
    ]);
    expect(await store.isSuppressed(a)).toBe(false);
  });

  it('since: an earlier event arriving later takes its place', async () => {
    const { store, send } = setup();
    const a = unique('a');
    await send([
      ctx({
        eventType: 'complained',
        recipient: a,
        rejectCategory: 'spam',
        timestamp: new Date('2026-05-05T00:00:00Z'),
      }),
    ]);
    await send([
      ctx({
        eventType: 'bounced',
        recipient: a,
        rejectCategory: 'bounced',
        permanent: true,
        timestamp: new Date('2026-05-01T00:00:00Z'),
      }),
    ]);
    const record = (await store.suppression(a)) as unknown as { since: Date | string };
    expect(new Date(record.since).toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });

  it('the route takes a percent-encoded address', async () => {
    const { send, get } = setup();
    const a = unique('pct');
    await send([
      ctx({
        eventType: 'complained',
        recipient: a,
        rejectCategory: 'spam',
        timestamp: new Date('2026-05-05T00:00:00Z'),
      }),
    ]);
    const response = await get(`/suppressions/${encodeURIComponent(a)}`);
    expect(await response.json()).toEqual({
      suppressed: true,
      reason: 'spam',
      provider: 'acme-mail',
      since: '2026-05-05T00:00:00.000Z',
    });
  });

  it('a retry of a recorded event does not re-suppress an address lifted with DELETE', async () => {
    const { store, send, get } = setup();
    const a = unique('lift');
    const event = ctx({
      eventType: 'complained',
      recipient: a,
      rejectCategory: 'spam',
      eventId: `keep-${counter}`,
    });
    await send([event]);
    expect(await store.isSuppressed(a)).toBe(true);
    expect((await get(`/suppressions/${a}`, 'DELETE')).status).toBe(200);
    await send([{ ...event }]);
    expect(await store.isSuppressed(a)).toBe(false);
  });
});

describe('dedupe in one request', () => {
  it('the same key twice in one request reaches the sinks once; events counts both', async () => {
    const { send, got } = setup();
    const a = unique('twice');
    const event = ctx({ recipient: a, eventId: `same-${counter}` });
    const response = await send([event, { ...event }]);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(got.filter((c) => c.recipient === a).length).toBe(1);
  });

  it('dedupe key uses the normalized recipient (domain case)', async () => {
    const { send, got } = setup();
    const local = `Case${++counter}`;
    const id = `case-${counter}`;
    await send([ctx({ recipient: `${local}@example.com`, eventId: id })]);
    await send([ctx({ recipient: `${local}@EXAMPLE.com`, eventId: id })]);
    expect(got.filter((c) => c.eventId === id).length).toBe(1);
  });
});

describe('events route', () => {
  it('unknown type is a 400; the wire objects carry ISO timestamps', async () => {
    const { send, get } = setup();
    const a = unique('route');
    await send([ctx({ recipient: a, timestamp: new Date('2026-04-04T04:04:04.004Z') })]);
    expect((await get('/events?type=exploded')).status).toBe(400);
    const ok = await get(`/events?recipient=${a}`);
    const body = (await ok.json()) as { events: { timestamp: string; recipient: string }[] };
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ timestamp: '2026-04-04T04:04:04.004Z', recipient: a });
  });
});
