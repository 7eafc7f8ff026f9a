// DESIGN "Event store, suppression list, dedupe" over D1, written from the contract only.
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  createD1Store,
  createMailWebhookHandler,
  decodeTrackingEvent,
  defineProvider,
  type EmailTrackingContext,
  encodeTrackingEvent,
  type Sink,
} from '../../../src/index.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// A provider of our own: the body is a JSON array of wire objects (no verification).
const wire = defineProvider({
  name: 'wire',
  methods: ['POST'],
  async handle(_request: Request, body: Uint8Array) {
    const list = JSON.parse(new TextDecoder().decode(body)) as unknown[];
    return {
      events: list.map((item) => decodeTrackingEvent(item as object) as EmailTrackingContext),
    };
  },
} as any);

let n = 0;
function ctx(
  overrides: Partial<Record<keyof EmailTrackingContext, unknown>> = {},
): Record<string, unknown> {
  n++;
  const c = {
    eventType: 'delivered',
    messageId: `m-${n}`,
    recipient: `user${n}@example.com`,
    timestamp: new Date('2024-05-01T10:00:00.000Z'),
    espName: 'wire',
    tags: [],
    metadata: {},
    rejectReason: null,
    description: null,
    clickUrl: null,
    userAgent: null,
    rawEvent: { n },
    eventId: `ev-${n}`,
    mtaResponse: null,
    rejectCategory: null,
    permanent: null,
    ...overrides,
  };
  if (typeof c.timestamp === 'string') c.timestamp = new Date(c.timestamp);
  return JSON.parse(encodeTrackingEvent(c as EmailTrackingContext));
}

const bounce = (recipient: string, extra: Record<string, unknown> = {}) =>
  ctx({
    recipient,
    eventType: 'bounced',
    rejectCategory: 'bounced',
    permanent: true,
    rejectReason: 'Permanent/General',
    ...extra,
  });

function setup(
  options: { apiToken?: string; sinks?: Sink[]; storeOptions?: Record<string, unknown> } = {},
) {
  const store = createD1Store(env.STORE_TEST_DB, options.storeOptions as any);
  const handler = createMailWebhookHandler({
    providers: [wire],
    store,
    sinks: options.sinks ?? [],
    logger: quiet,
    ...(options.apiToken ? { apiToken: options.apiToken } : {}),
  } as any);
  const send = (items: unknown[]) =>
    handler(
      new Request('https://h.example/webhooks/mail/wire', {
        method: 'POST',
        body: JSON.stringify(items),
      }),
    );
  return { store, handler, send };
}

describe('suppression list', () => {
  test('a permanent bounce suppresses with reason, provider and since = its timestamp', async () => {
    const { store, send } = setup();
    const addr = `hard-${n}@example.com`;
    expect((await send([bounce(addr, { timestamp: '2024-01-01T00:00:00.000Z' })])).status).toBe(
      200,
    );
    await send([bounce(addr, { timestamp: '2024-02-01T00:00:00.000Z', eventId: 'later' })]);
    expect(await store.isSuppressed(addr)).toBe(true);
    const record: any = await store.suppression(addr);
    expect(record).toMatchObject({ reason: 'bounced', provider: 'wire' });
    expect(new Date(record.since).toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  test('a bounce that may pass, a delivery, an open do not suppress', async () => {
    const { store, send } = setup();
    const addr = `soft-${n}@example.com`;
    const res = await send([
      bounce(addr, { permanent: false, rejectReason: 'Transient/MailboxFull' }),
      ctx({ recipient: addr }),
      ctx({ recipient: addr, eventType: 'opened' }),
    ]);
    // Taken and kept: the address stays unsuppressed for what the events are, not for a refusal.
    expect(await res.json()).toEqual({ ok: true, events: 3 });
    expect(await store.events({ recipient: addr })).toHaveLength(3);
    expect(await store.isSuppressed(addr)).toBe(false);
    expect(await store.suppression(addr)).toBeNull();
  });

  test('complaint → spam, unsubscribe → unsubscribed, permanent reject → its category', async () => {
    const { store, send } = setup();
    const a = `c-${n}@example.com`;
    const b = `u-${n}@example.com`;
    const c = `r-${n}@example.com`;
    await send([
      ctx({ recipient: a, eventType: 'complained', rejectCategory: 'spam' }),
      ctx({ recipient: b, eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }),
      ctx({ recipient: c, eventType: 'rejected', rejectCategory: 'invalid', permanent: true }),
    ]);
    expect(await store.suppression(a)).toMatchObject({ reason: 'spam' });
    expect(await store.suppression(b)).toMatchObject({ reason: 'unsubscribed' });
    expect(await store.suppression(c)).toMatchObject({ reason: 'invalid' });
  });

  test('domain case-insensitive, local part exact; ignoreLocalPartCase folds both', async () => {
    const id = n;
    const exact = setup();
    await exact.send([bounce(`Jane.${id}@Example.COM`)]);
    expect(await exact.store.isSuppressed(`Jane.${id}@example.com`)).toBe(true);
    expect(await exact.store.isSuppressed(`jane.${id}@example.com`)).toBe(false);
    const folded = setup({ storeOptions: { ignoreLocalPartCase: true } });
    await folded.send([bounce(`Mary.${id}@Example.COM`)]);
    expect(await folded.store.isSuppressed(`mary.${id}@example.com`)).toBe(true);
  });
});

describe('dedupe', () => {
  test('a context already delivered is dropped before later sinks; the answer counts duplicates', async () => {
    const seen: string[] = [];
    const sink: Sink = {
      name: 'after',
      send: async (events) => void seen.push(...events.map((e) => e.recipient)),
    };
    const { send } = setup({ sinks: [sink] });
    const one = ctx();
    const first = await send([one]);
    expect(await first.json()).toEqual({ ok: true, events: 1 });
    const again = await send([one]);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, events: 1 });
    expect(seen).toEqual([one.recipient]);
    // same eventId, another type: not a duplicate
    await send([{ ...one, eventType: 'opened' }]);
    expect(seen).toHaveLength(2);
  });

  test('a retry after a sink failure still reaches the sink', async () => {
    let fail = true;
    const seen: string[] = [];
    const sink: Sink = {
      name: 'flaky',
      send: async (events) => {
        if (fail) throw new Error('down');
        seen.push(...events.map((e) => e.recipient));
      },
    };
    const { send } = setup({ sinks: [sink] });
    const one = ctx();
    const failed = await send([one]);
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: string }).error).toBe('sink-failed');
    fail = false;
    expect((await send([one])).status).toBe(200);
    expect(seen).toEqual([one.recipient]);
  });

  test('a store that fails answers 503 store-failed', async () => {
    const broken = new Proxy(
      {},
      {
        get() {
          return () => {
            throw new Error('d1 down');
          };
        },
      },
    );
    const handler = createMailWebhookHandler({
      providers: [wire],
      store: createD1Store(broken as any),
      logger: quiet,
    } as any);
    const res = await handler(
      new Request('https://h.example/webhooks/mail/wire', {
        method: 'POST',
        body: JSON.stringify([ctx()]),
      }),
    );
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('store-failed');
  });
});

describe('history', () => {
  test('events({recipient, messageId, eventType, limit}) newest first', async () => {
    const { store, send } = setup();
    const addr = `hist-${n}@example.com`;
    await send([
      ctx({
        recipient: addr,
        eventType: 'sent',
        timestamp: new Date('2024-01-01T00:00:00Z'),
        messageId: 'M1',
      }),
      ctx({
        recipient: addr,
        eventType: 'delivered',
        timestamp: new Date('2024-01-02T00:00:00Z'),
        messageId: 'M1',
      }),
      ctx({
        recipient: addr,
        eventType: 'opened',
        timestamp: new Date('2024-01-03T00:00:00Z'),
        messageId: 'M2',
      }),
    ]);
    const all = await store.events({ recipient: addr });
    expect(all.map((e) => e.eventType)).toEqual(['opened', 'delivered', 'sent']);
    expect(all[0]?.timestamp).toBeInstanceOf(Date);
    expect(
      (await store.events({ recipient: addr, messageId: 'M1' })).map((e) => e.eventType),
    ).toEqual(['delivered', 'sent']);
    expect(
      (await store.events({ recipient: addr, eventType: 'sent' })).map((e) => e.eventType),
    ).toEqual(['sent']);
    expect(await store.events({ recipient: addr, limit: 1 })).toHaveLength(1);
  });
});

describe('retention and limits', () => {
  test('retentionDays prunes older events as new ones arrive', async () => {
    const { store, send } = setup({ storeOptions: { retentionDays: 30 } });
    const addr = `ret-${n}@example.com`;
    await send([
      ctx({
        recipient: addr,
        eventType: 'sent',
        timestamp: new Date(Date.now() - 90 * 86_400_000),
      }),
    ]);
    await send([ctx({ recipient: addr, eventType: 'delivered', timestamp: new Date() })]);
    expect((await store.events({ recipient: addr })).map((e) => e.eventType)).toEqual([
      'delivered',
    ]);
  });

  test('limit defaults to 100 and is at most 1000', async () => {
    const { store, send, handler } = setup({ apiToken: 'tok' });
    const addr = `many-${n}@example.com`;
    await send(
      Array.from({ length: 120 }, (_, i) =>
        ctx({
          recipient: addr,
          eventId: `many-${i}`,
          timestamp: new Date(1_700_000_000_000 + i * 1000),
        }),
      ),
    );
    expect(await store.events({ recipient: addr })).toHaveLength(100);
    const res = await handler(
      new Request(`https://h.example/webhooks/mail/events?recipient=${encodeURIComponent(addr)}`, {
        headers: { authorization: 'Bearer tok' },
      }),
    );
    expect(((await res.json()) as any).events).toHaveLength(100);
    const tooMany = await handler(
      new Request(
        `https://h.example/webhooks/mail/events?recipient=${encodeURIComponent(addr)}&limit=5000`,
        { headers: { authorization: 'Bearer tok' } },
      ),
    );
    // A larger limit reads as the maximum (the store's tests fill past 1000): all 120 here.
    expect(tooMany.status).toBe(200);
    expect(((await tooMany.json()) as any).events).toHaveLength(120);
  });
});

describe('HTTP routes', () => {
  const base = 'https://h.example/webhooks/mail';

  test('without apiToken the routes are 404', async () => {
    const { handler } = setup();
    for (const path of ['suppressions/a@example.com', 'events']) {
      const res = await handler(
        new Request(`${base}/${path}`, { headers: { authorization: 'Bearer tok' } }),
      );
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('not-found');
    }
  });

  test('bearer token: 401 without, 403 wrong', async () => {
    const { handler } = setup({ apiToken: 'tok' });
    const none = await handler(new Request(`${base}/suppressions/a@example.com`));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/);
    expect(((await none.json()) as { error: string }).error).toBe('credentials-required');
    const wrong = await handler(
      new Request(`${base}/suppressions/a@example.com`, {
        headers: { authorization: 'Bearer nope' },
      }),
    );
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: string }).error).toBe('secret-mismatch');
  });

  test('GET and DELETE a suppression; GET events', async () => {
    const { handler, send } = setup({ apiToken: 'tok' });
    const auth = { authorization: 'Bearer tok' };
    const addr = `route-${n}@example.com`;
    await send([bounce(addr, { timestamp: '2024-03-01T00:00:00.000Z' })]);
    const got = await handler(
      new Request(`${base}/suppressions/${encodeURIComponent(addr)}`, { headers: auth }),
    );
    expect(got.status).toBe(200);
    const record: any = await got.json();
    expect(record).toMatchObject({ suppressed: true, reason: 'bounced', provider: 'wire' });
    expect(new Date(record.since).toISOString()).toBe('2024-03-01T00:00:00.000Z');

    const never = await handler(
      new Request(`${base}/suppressions/never-${n}@example.com`, { headers: auth }),
    );
    expect(await never.json()).toMatchObject({ suppressed: false });

    const del = await handler(
      new Request(`${base}/suppressions/${encodeURIComponent(addr)}`, {
        method: 'DELETE',
        headers: auth,
      }),
    );
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ suppressed: false });
    const after = await handler(
      new Request(`${base}/suppressions/${encodeURIComponent(addr)}`, { headers: auth }),
    );
    expect(await after.json()).toMatchObject({ suppressed: false });

    const events = await handler(
      new Request(`${base}/events?recipient=${encodeURIComponent(addr)}&type=bounced&limit=10`, {
        headers: auth,
      }),
    );
    expect(events.status).toBe(200);
    const list = ((await events.json()) as any).events;
    expect(list).toHaveLength(1);
    expect(decodeTrackingEvent(list[0]).recipient).toBe(addr);
  });

  test('provider paths suppressions/events are reserved when routes are served', () => {
    const store = createD1Store(env.STORE_TEST_DB);
    const named = (name: string) =>
      defineProvider({
        name,
        methods: ['POST'],
        async handle() {
          return { events: [] };
        },
      } as any);
    expect(() =>
      createMailWebhookHandler({
        providers: [named('events')],
        store,
        apiToken: 't',
        logger: quiet,
      } as any),
    ).toThrow(ConfigError);
    expect(() =>
      createMailWebhookHandler({
        providers: [named('suppressions')],
        store,
        apiToken: 't',
        logger: quiet,
      } as any),
    ).toThrow(ConfigError);
  });
});
