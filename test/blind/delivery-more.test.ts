// Blind tests, second pass (DESIGN "Limits and deadlines" and "Sinks").
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { consumeQueueBatch } from '../../src/adapters/cloudflare.js';
import {
  createFanoutSink,
  createMailWebhookHandler,
  createQueueSink,
  decodeTrackingEvent,
  defineProvider,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  encodeTrackingEvent,
  type Sink,
  WireFormatError,
} from '../../src/index.js';
import {
  baseOptions,
  context,
  SECRET_A,
  SECRET_B,
  sesBounce,
  silent,
  snsRequest,
  streamedRequest,
} from './delivery-helpers.js';

const ctx = context;

function providerReturning(events: () => EmailTrackingContext[]) {
  return defineProvider({
    name: 'acme-mail',
    methods: ['POST'],
    async handle() {
      return { events: events() };
    },
  } as never);
}

const post = () =>
  new Request('https://h.example.com/webhooks/mail/acme-mail', { method: 'POST', body: '{}' });

describe('linear work', () => {
  it('rawEvent shared by a message is serialized once for the queue, not once per recipient', async () => {
    let serialized = 0;
    const raw = {
      big: 'z'.repeat(1000),
      toJSON() {
        serialized++;
        return { big: this.big };
      },
    };
    const batches: unknown[][] = [];
    const queue = {
      send: async () => {},
      sendBatch: async (m: Iterable<unknown>) => void batches.push([...m]),
    };
    const handle = createMailWebhookHandler({
      logger: silent,
      providers: [
        providerReturning(() =>
          [1, 2, 3, 4, 5].map((i) => ctx({ recipient: `r${i}@example.com`, rawEvent: raw })),
        ),
      ],
      sinks: [createQueueSink(queue as never)],
    });
    const response = await handle(post());
    expect(await response.json()).toEqual({ ok: true, events: 5 });
    expect(batches.flat().length).toBe(5);
    expect(serialized).toBe(1);
  });

  it('rawEvent shared by a message is serialized once for the fan-out, not per recipient and endpoint', async () => {
    let serialized = 0;
    const raw = {
      toJSON() {
        serialized++;
        return { k: 'v' };
      },
    };
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://a.example.com/h', secret: SECRET_A },
        { url: 'https://b.example.com/h', secret: SECRET_B },
      ],
      fetch: (async () => new Response(null, { status: 204 })) as typeof fetch,
    });
    const handle = createMailWebhookHandler({
      logger: silent,
      providers: [
        providerReturning(() =>
          [1, 2, 3].map((i) => ctx({ recipient: `r${i}@example.com`, rawEvent: raw })),
        ),
      ],
      sinks: [sink],
    });
    expect((await handle(post())).status).toBe(200);
    expect(serialized).toBe(1);
  });
});

describe('fan-out body', () => {
  it('is {type, timestamp, data} in that order with data the wire object', async () => {
    let body = '';
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://a.example.com/h', secret: SECRET_A }],
      fetch: (async (_u: RequestInfo | URL, init?: RequestInit) => {
        body = await new Request('https://a.example.com/h', init).text();
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    const c = ctx({ eventType: 'opened', userAgent: 'UA/1', rawEvent: { a: 1 } });
    await sink.send([c]);
    expect(
      body.startsWith('{"type":"email.opened","timestamp":"2026-01-01T00:00:00.000Z","data":{'),
    ).toBe(true);
    const parsed = JSON.parse(body);
    expect(parsed.data).toEqual(JSON.parse(encodeTrackingEvent(c)));
  });

  it('retries 429, 408 and network errors; 404 is final', async () => {
    const plan: (number | 'throw')[] = [429, 408, 'throw', 200];
    let n = 0;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://a.example.com/h', secret: SECRET_A }],
      retries: 3,
      fetch: (async () => {
        const step = plan[n++];
        if (step === 'throw') throw new TypeError('fetch failed');
        return new Response(null, { status: step });
      }) as typeof fetch,
    });
    await sink.send([ctx()]);
    expect(n).toBe(4);
    let m = 0;
    const final = createFanoutSink({
      endpoints: [{ url: 'https://a.example.com/h', secret: SECRET_A }],
      retries: 3,
      fetch: (async () => {
        m++;
        return new Response(null, { status: 404 });
      }) as typeof fetch,
    });
    await expect(final.send([ctx()])).rejects.toThrow();
    expect(m).toBe(1);
  });

  it('one endpoint down does not stop delivery to the others, and send rejects', async () => {
    const hosts: string[] = [];
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://down.example.com/h', secret: SECRET_A },
        { url: 'https://up.example.com/h', secret: SECRET_B },
      ],
      retries: 0,
      fetch: (async (u: RequestInfo | URL) => {
        const host = new URL(String(u instanceof Request ? u.url : u)).host;
        hosts.push(host);
        return new Response(null, { status: host.startsWith('down') ? 500 : 200 });
      }) as typeof fetch,
    });
    await expect(sink.send([ctx()])).rejects.toThrow(/down\.example\.com/);
    expect(hosts.sort()).toEqual(['down.example.com', 'up.example.com']);
  });

  it('the signature covers the exact bytes: a re-serialized body does not verify', async () => {
    let body = '';
    let headers: Record<string, string> = {};
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://a.example.com/h', secret: SECRET_A }],
      fetch: (async (_u: RequestInfo | URL, init?: RequestInit) => {
        const r = new Request('https://a.example.com/h', init);
        body = await r.text();
        headers = Object.fromEntries(r.headers);
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    await sink.send([ctx({ rawEvent: { text: 'é ✓ \u2028' } })]);
    expect(() => new Webhook(SECRET_A).verify(body, headers)).not.toThrow();
    expect(() =>
      new Webhook(SECRET_A).verify(JSON.stringify(JSON.parse(body), null, 1), headers),
    ).toThrow();
  });
});

describe('deadlines reach custom sinks', () => {
  it('a sink gets a signal that aborts at deliveryTimeoutMs', async () => {
    let aborted = false;
    const sink: Sink = {
      name: 'waits',
      send: (_events, options?: { signal?: AbortSignal }) =>
        new Promise<void>((_resolve, reject) => {
          const signal = options?.signal;
          signal?.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
    };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [sink], deliveryTimeoutMs: 40 }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-timeout');
    expect(aborted).toBe(true);
  });

  it('sinks run in order: the second starts after the first finished', async () => {
    const log: string[] = [];
    const first: Sink = {
      name: 'first',
      send: async () => {
        log.push('first:start');
        await new Promise((r) => setTimeout(r, 10));
        log.push('first:end');
      },
    };
    const second: Sink = { name: 'second', send: async () => void log.push('second') };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [first, second] }));
    expect((await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })))).status).toBe(
      200,
    );
    expect(log).toEqual(['first:start', 'first:end', 'second']);
  });
});

describe('listeners, more', () => {
  it('a named plain function that times out is named', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function crmSync() {
      return new Promise(() => {});
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus], listenerTimeoutMs: 30 }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    const body = (await response.json()) as { error: string; message: string };
    expect(response.status).toBe(503);
    expect(body.error).toBe('listener-timeout');
    expect(body.message).toContain('crmSync');
  });

  it('next() not returned, later listener rejects after a delay: 503, no crash', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (c: EmailTrackingContext, next) => {
      next(c);
      return undefined;
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      await new Promise((r) => setTimeout(r, 15));
      throw new Error('late failure');
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-failed');
  });

  it('next() not returned, later listener hangs: 503 listener-timeout naming the later one', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (c: EmailTrackingContext, next) => {
      next(c);
    });
    bus.subscribe(EmailTrackingEvent, {
      name: 'hangsForever',
      handle: () => new Promise(() => {}),
    } as never);
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus], listenerTimeoutMs: 30 }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    const body = (await response.json()) as { error: string; message: string };
    expect(response.status).toBe(503);
    expect(body.error).toBe('listener-timeout');
    expect(body.message).toContain('hangsForever');
  });

  it('a listener timeout is its own bound: a slow but finishing listener under it passes', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, async (c: EmailTrackingContext, next) => {
      await new Promise((r) => setTimeout(r, 10));
      return next(c);
    });
    // 10 ms of work against 5 s: a loaded machine runs the 10 ms timer late, never 5 s late.
    const handle = createMailWebhookHandler(
      baseOptions({ sinks: [bus], listenerTimeoutMs: 5_000 }),
    );
    expect(
      (await handle(snsRequest(sesBounce({ recipients: ['a@example.com', 'b@example.com'] }))))
        .status,
    ).toBe(200);
  });
});

describe('body deadline from the first byte', () => {
  it('a trickling body that never pauses long still gets 408 once bodyTimeoutMs passed', async () => {
    const handle = createMailWebhookHandler(
      baseOptions({ bodyTimeoutMs: 80, sinks: [new EventBus()] }),
    );
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 10));
        if (sent++ > 60) controller.close();
        else controller.enqueue(new TextEncoder().encode(' '));
      },
    });
    const response = await handle(streamedRequest(stream));
    expect(response.status).toBe(408);
    expect(((await response.json()) as { error: string }).error).toBe('body-timeout');
  });
});

describe('wire timestamps', () => {
  it('an offset is converted to the instant, and one leaving 1970..9999 is refused naming timestamp', () => {
    const wire = JSON.parse(encodeTrackingEvent(ctx()));
    expect(
      decodeTrackingEvent({
        ...wire,
        timestamp: '2026-01-01T00:30:00+01:00',
      }).timestamp.toISOString(),
    ).toBe('2025-12-31T23:30:00.000Z');
    for (const bad of [
      '9999-12-31T23:30:00-01:00',
      '1970-01-01T00:30:00+01:00',
      '2026-01-01T24:00:00Z',
      '2026-02-30T00:00:00Z',
    ]) {
      let thrown: unknown;
      try {
        decodeTrackingEvent({ ...wire, timestamp: bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, bad).toBeInstanceOf(WireFormatError);
      expect(String((thrown as Error).message)).toContain('timestamp');
    }
  });
});

describe('queue consumer', () => {
  it('reads a json body (an object) as well as text', async () => {
    const got: string[] = [];
    const acked: string[] = [];
    const sink: Sink = {
      name: 'r',
      send: async (events) => void got.push(...events.map((e) => e.recipient)),
    };
    const wire = JSON.parse(encodeTrackingEvent(ctx({ recipient: 'obj@example.com' })));
    const messages = [wire, encodeTrackingEvent(ctx({ recipient: 'text@example.com' }))].map(
      (body, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        body,
        attempts: 1,
        ack: () => acked.push(`m${i}`),
        retry: () => {},
      }),
    );
    await consumeQueueBatch({ queue: 'q', messages, ackAll() {}, retryAll() {} } as never, [sink]);
    expect(got.sort()).toEqual(['obj@example.com', 'text@example.com']);
    expect(acked.sort()).toEqual(['m0', 'm1']);
  });
});
