// Blind tests (written from DESIGN "Sinks" and "Public API" only).
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { consumeQueueBatch } from '../../src/adapters/cloudflare.js';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  createQueueSink,
  decodeTrackingEvent,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  encodeTrackingEvent,
  type Sink,
  WireFormatError,
} from '../../src/index.js';
import {
  context as acmeContext,
  baseOptions,
  SECRET_A,
  SECRET_B,
  sesBounce,
  snsRequest,
} from './delivery-helpers.js';

type Captured = { url: string; headers: Headers; body: string };

function capturingFetch(status: (n: number, url: string) => number = () => 200) {
  const calls: Captured[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = await request.text();
    calls.push({ url: request.url, headers: request.headers, body });
    return new Response('ok', { status: status(calls.length, request.url) });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const context = (overrides: Partial<EmailTrackingContext> = {}) =>
  acmeContext({
    eventType: 'bounced',
    messageId: 'msg-1',
    recipient: 'jane@example.com',
    timestamp: new Date('2026-01-02T03:04:05.678Z'),
    espName: 'ses',
    tags: ['campaign:spring'],
    metadata: { user: '42' },
    rejectReason: 'Permanent/General',
    description: 'smtp; 550',
    rawEvent: { eventType: 'Bounce', big: 'x' },
    eventId: 'evt-1',
    mtaResponse: 'smtp; 550',
    rejectCategory: 'bounced',
    permanent: true,
    ...overrides,
  });

describe('EventBus', () => {
  it('runs listeners in subscription order and unsubscribe removes one', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    bus.subscribe(EmailTrackingEvent, {
      handle(c: EmailTrackingContext, next) {
        order.push(`object:${c.recipient}`);
        return next(c);
      },
    });
    class ClassListener {
      handle(c: EmailTrackingContext, next: (c: EmailTrackingContext) => unknown) {
        order.push(`class:${c.recipient}`);
        return next(c);
      }
    }
    bus.subscribe(EmailTrackingEvent, ClassListener);
    const off = bus.subscribe(EmailTrackingEvent, (c: EmailTrackingContext, next) => {
      order.push(`fn:${c.recipient}`);
      return next(c);
    });
    expect(typeof off).toBe('function');
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const response = await handle(
      snsRequest(sesBounce({ recipients: ['a@example.com', 'b@example.com'] })),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(order).toEqual([
      'object:a@example.com',
      'class:a@example.com',
      'fn:a@example.com',
      'object:b@example.com',
      'class:b@example.com',
      'fn:b@example.com',
    ]);
    off();
    order.length = 0;
    await handle(snsRequest(sesBounce({ recipients: ['c@example.com'] })));
    expect(order).toEqual(['object:c@example.com', 'class:c@example.com']);
  });

  it('a listener that throws makes the request 503 sink-failed', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('CRM down');
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
  });

  it('the static default bus gets events when no sinks are given', async () => {
    const seen: string[] = [];
    const off = EventBus.subscribe(EmailTrackingEvent, (c: EmailTrackingContext, next) => {
      seen.push(c.eventType);
      return next(c);
    });
    try {
      const handle = createMailWebhookHandler(baseOptions({}));
      const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
      expect(response.status).toBe(200);
      expect(seen).toEqual(['bounced']);
    } finally {
      off();
    }
  });

  it('subscribe with a string key is a TypeError', () => {
    expect(() => new EventBus().subscribe('EmailTrackingEvent' as never, () => undefined)).toThrow(
      TypeError,
    );
  });
});

describe('sink failures', () => {
  it('a sink that rejects makes the answer 503 sink-failed, never 200', async () => {
    const seen: EmailTrackingContext[][] = [];
    const ok: Sink = { name: 'ok', send: async (events) => void seen.push(events) };
    const bad: Sink = {
      name: 'bad',
      send: async () => {
        throw new Error('boom');
      },
    };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [ok, bad] }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(seen.length).toBe(1);
  });

  it('sinks get the contexts in order, one per recipient, same eventId', async () => {
    const got: EmailTrackingContext[] = [];
    const sink: Sink = { name: 'mine', send: async (events) => void got.push(...events) };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [sink] }));
    const response = await handle(
      snsRequest(
        sesBounce({ recipients: ['a@example.com', 'b@example.com', 'c@example.com'] }),
        'sns-same-id',
      ),
    );
    expect(await response.json()).toEqual({ ok: true, events: 3 });
    expect(got.map((c) => c.recipient)).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
    expect(new Set(got.map((c) => c.eventId))).toEqual(new Set(['sns-same-id']));
    expect(got[0]?.timestamp).toBeInstanceOf(Date);
    expect(got[0]?.timestamp.toISOString()).toBe('2026-01-02T03:04:05.678Z');
  });
});

describe('Cloudflare Queue sink', () => {
  function fakeQueue() {
    const batches: { body: unknown; contentType?: string }[][] = [];
    return {
      batches,
      queue: {
        async send() {
          throw new Error('send() not expected: sendBatch is');
        },
        async sendBatch(messages: Iterable<{ body: unknown; contentType?: string }>) {
          batches.push([...messages]);
        },
      },
    };
  }

  it('sends each context as the wire JSON of one context, one sendBatch per 100', async () => {
    const { batches, queue } = fakeQueue();
    const sink = createQueueSink(queue as never);
    const events = Array.from({ length: 250 }, (_, i) =>
      context({ recipient: `r${i}@example.com` }),
    );
    await sink.send(events);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    const first = batches[0]?.[0];
    const decoded = decodeTrackingEvent(first?.body as string);
    expect(decoded.recipient).toBe('r0@example.com');
    expect(decoded.timestamp.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const wire = typeof first?.body === 'string' ? JSON.parse(first.body) : first?.body;
    expect(wire.timestamp).toBe('2026-01-02T03:04:05.678Z');
    expect(wire.eventId).toBe('evt-1');
    const all = batches.flat().map((m) => decodeTrackingEvent(m.body as string).recipient);
    expect(all).toEqual(events.map((e) => e.recipient));
  });

  it('cuts sendBatch calls at 256 KB', async () => {
    const { batches, queue } = fakeQueue();
    const sink = createQueueSink(queue as never);
    const raw = { eventType: 'Bounce', pad: 'y'.repeat(10_000) };
    const events = Array.from({ length: 60 }, (_, i) =>
      context({ recipient: `r${i}@example.com`, rawEvent: raw }),
    );
    await sink.send(events);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      const bytes = batch.reduce(
        (n, m) =>
          n +
          new TextEncoder().encode(typeof m.body === 'string' ? m.body : JSON.stringify(m.body))
            .length,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
      expect(batch.length).toBeLessThanOrEqual(100);
    }
    expect(batches.flat().length).toBe(60);
  });

  it('without a queue binding is a ConfigError naming queue', () => {
    let thrown: unknown;
    try {
      createQueueSink(undefined as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('queue');
  });

  it('a queue that refuses makes the request 503 sink-failed', async () => {
    const queue = {
      send: async () => {
        throw new Error('full');
      },
      sendBatch: async () => {
        throw new Error('full');
      },
    };
    const handle = createMailWebhookHandler(
      baseOptions({ sinks: [createQueueSink(queue as never)] }),
    );
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-failed');
  });
});

describe('wire format', () => {
  it('encodeTrackingEvent writes an ISO timestamp and decode gives it back as a Date', () => {
    const json = encodeTrackingEvent(context());
    const parsed = JSON.parse(json);
    expect(parsed.timestamp).toBe('2026-01-02T03:04:05.678Z');
    const back = decodeTrackingEvent(json);
    expect(back.timestamp).toBeInstanceOf(Date);
    expect(back).toMatchObject({
      eventType: 'bounced',
      recipient: 'jane@example.com',
      permanent: true,
    });
    expect(decodeTrackingEvent(parsed).eventId).toBe('evt-1');
  });

  it('a wire object from an older version without rejectCategory/permanent decodes with null', () => {
    const parsed = JSON.parse(encodeTrackingEvent(context()));
    delete parsed.rejectCategory;
    delete parsed.permanent;
    const back = decodeTrackingEvent(parsed);
    expect(back.rejectCategory).toBeNull();
    expect(back.permanent).toBeNull();
  });

  it('bad input throws WireFormatError naming the field', () => {
    const parsed = JSON.parse(encodeTrackingEvent(context()));
    parsed.timestamp = '2026-02-30T00:00:00.000Z';
    expect(() => decodeTrackingEvent(parsed)).toThrow(WireFormatError);
    expect(() => decodeTrackingEvent(parsed)).toThrow(/timestamp/);
    const noType = JSON.parse(encodeTrackingEvent(context()));
    noType.eventType = 'exploded';
    expect(() => decodeTrackingEvent(noType)).toThrow(/eventType/);
    expect(() => decodeTrackingEvent('not json')).toThrow(WireFormatError);
  });
});

describe('webhook fan-out', () => {
  it('POSTs Standard Webhooks-signed JSON over the exact bytes sent', async () => {
    const { calls, fetch } = capturingFetch();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      fetch,
    });
    await sink.send([context()]);
    expect(calls.length).toBe(1);
    const call = calls[0] as Captured;
    expect(call.url).toBe('https://crm.example.com/hooks');
    const id = call.headers.get('webhook-id');
    const ts = call.headers.get('webhook-timestamp');
    const sig = call.headers.get('webhook-signature');
    expect(id).toBeTruthy();
    expect(ts).toMatch(/^\d+$/);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    expect(sig).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    // independent verification with the reference library over the exact bytes
    const verified = new Webhook(SECRET_A).verify(call.body, {
      'webhook-id': id as string,
      'webhook-timestamp': ts as string,
      'webhook-signature': sig as string,
    }) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(verified.type).toBe('email.bounced');
    expect(verified.timestamp).toBe('2026-01-02T03:04:05.678Z');
    expect(verified.data).toMatchObject({
      eventType: 'bounced',
      recipient: 'jane@example.com',
      eventId: 'evt-1',
    });
    expect(decodeTrackingEvent(verified.data as never).recipient).toBe('jane@example.com');
    // and by hand, HMAC-SHA256 keyed with the base64 after whsec_
    const key = await crypto.subtle.importKey(
      'raw',
      Buffer.from(SECRET_A.slice(6), 'base64'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = await crypto.subtle.sign(
      'HMAC',
      key,
      new TextEncoder().encode(`${id}.${ts}.${call.body}`),
    );
    expect(sig).toBe(`v1,${Buffer.from(mac).toString('base64')}`);
    expect(call.headers.get('content-type')).toContain('application/json');
  });

  it('webhook-id is stable per (eventId, recipient, eventType) and differs otherwise', async () => {
    const { calls, fetch } = capturingFetch();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      fetch,
    });
    await sink.send([context()]);
    await sink.send([context()]);
    await sink.send([context({ recipient: 'other@example.com' })]);
    await sink.send([context({ eventType: 'delivered', rejectCategory: null, permanent: null })]);
    await sink.send([context({ eventId: 'evt-2' })]);
    const ids = calls.map((c) => c.headers.get('webhook-id'));
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(4);
  });

  it('filters per endpoint by events', async () => {
    const { calls, fetch } = capturingFetch();
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://all.example.com/h', secret: SECRET_A },
        {
          url: 'https://bounces.example.com/h',
          secret: SECRET_B,
          events: ['bounced', 'complained'],
        },
      ],
      fetch,
    });
    await sink.send([
      context(),
      context({
        eventType: 'delivered',
        recipient: 'd@example.com',
        rejectCategory: null,
        permanent: null,
      }),
    ]);
    const byHost = (host: string) =>
      calls.filter((c) => new URL(c.url).host === host).map((c) => JSON.parse(c.body).type);
    expect(byHost('all.example.com').sort()).toEqual(['email.bounced', 'email.delivered']);
    expect(byHost('bounces.example.com')).toEqual(['email.bounced']);
    // the second endpoint is signed with its own secret
    const b = calls.find((c) => new URL(c.url).host === 'bounces.example.com') as Captured;
    expect(() =>
      new Webhook(SECRET_B).verify(b.body, Object.fromEntries(b.headers) as Record<string, string>),
    ).not.toThrow();
    expect(() =>
      new Webhook(SECRET_A).verify(b.body, Object.fromEntries(b.headers) as Record<string, string>),
    ).toThrow();
  });

  it('retries 5xx with the same webhook-id, then succeeds', async () => {
    const { calls, fetch } = capturingFetch((n) => (n < 3 ? 503 : 200));
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      retries: 3,
      fetch,
    });
    await sink.send([context()]);
    expect(calls.length).toBe(3);
    expect(new Set(calls.map((c) => c.headers.get('webhook-id'))).size).toBe(1);
  });

  it('retries are bounded and the send rejects after them', async () => {
    const { calls, fetch } = capturingFetch(() => 500);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      retries: 2,
      fetch,
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(calls.length).toBe(3);
  });

  it('a 400 is final: no retry', async () => {
    const { calls, fetch } = capturingFetch(() => 400);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      retries: 3,
      fetch,
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(calls.length).toBe(1);
  });

  it('times out a hanging endpoint after timeoutMs', async () => {
    let attempts = 0;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://slow.example.com/hooks', secret: SECRET_A }],
      timeoutMs: 30,
      retries: 1,
      fetch: ((_input: RequestInfo | URL, init?: RequestInit) => {
        attempts++;
        return new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () =>
            reject(init.signal?.reason ?? new Error('aborted')),
          );
        });
      }) as typeof fetch,
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(attempts).toBe(2);
  });

  it('through the handler: a fan-out endpoint that stays down gives 503 sink-failed', async () => {
    const { fetch } = capturingFetch(() => 500);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      retries: 0,
      fetch,
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [sink] }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-failed');
  });

  it('bad options are a ConfigError naming the field', () => {
    const attempt = (options: unknown) => {
      try {
        createFanoutSink(options as never);
      } catch (error) {
        return error as Error;
      }
      return undefined;
    };
    const badSecret = attempt({ endpoints: [{ url: 'https://a.example.com/', secret: 'nope!' }] });
    expect(badSecret).toBeInstanceOf(ConfigError);
    expect(badSecret?.message).toContain('secret');
    expect(badSecret?.message).not.toContain('nope!');
    const badEvents = attempt({
      endpoints: [{ url: 'https://a.example.com/', secret: SECRET_A, events: ['bounce'] }],
    });
    expect(badEvents).toBeInstanceOf(ConfigError);
    expect(badEvents?.message).toContain('events');
    const badUrl = attempt({ endpoints: [{ url: 'ftp://a.example.com/', secret: SECRET_A }] });
    expect(badUrl).toBeInstanceOf(ConfigError);
    expect(badUrl?.message).toContain('url');
    const badRetries = attempt({
      endpoints: [{ url: 'https://a.example.com/', secret: SECRET_A }],
      retries: 11,
    });
    expect(badRetries).toBeInstanceOf(ConfigError);
    expect(badRetries?.message).toContain('retries');
  });
});

describe('consumeQueueBatch', () => {
  function batchOf(bodies: unknown[]) {
    const acked: string[] = [];
    const retried: string[] = [];
    const messages = bodies.map((body, i) => ({
      id: `m${i}`,
      timestamp: new Date(),
      body,
      attempts: 1,
      ack: () => acked.push(`m${i}`),
      retry: () => retried.push(`m${i}`),
    }));
    const batch = {
      queue: 'mailhooks-events',
      messages,
      ackAll: () => {
        for (const m of messages) m.ack();
      },
      retryAll: () => {
        for (const m of messages) m.retry();
      },
    };
    return { batch, acked, retried };
  }

  it('delivers each message to the fan-out and acks it', async () => {
    const { calls, fetch } = capturingFetch();
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/h', secret: SECRET_A }],
      fetch,
    });
    const { batch, acked, retried } = batchOf([
      encodeTrackingEvent(context()),
      encodeTrackingEvent(context({ recipient: 'b@example.com' })),
    ]);
    await consumeQueueBatch(batch as never, [fanout]);
    expect(acked.sort()).toEqual(['m0', 'm1']);
    expect(retried).toEqual([]);
    expect(calls.map((c) => JSON.parse(c.body).data.recipient).sort()).toEqual([
      'b@example.com',
      'jane@example.com',
    ]);
  });

  it('retries a message whose endpoint failed, acks an undecodable one', async () => {
    const { fetch } = capturingFetch(() => 500);
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/h', secret: SECRET_A }],
      retries: 0,
      fetch,
    });
    const { batch, acked, retried } = batchOf([
      encodeTrackingEvent(context()),
      '{"not":"an event"}',
    ]);
    await consumeQueueBatch(batch as never, [fanout]);
    expect(retried).toEqual(['m0']);
    expect(acked).toEqual(['m1']);
  });
});
