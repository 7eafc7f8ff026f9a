/** Round 25, blind: the limits and deadlines, the queue and fan-out sinks, and the store, as DESIGN states them. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../src/env/index.js';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  createQueueSink,
  decodeTrackingEvent,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type MailWebhookOptions,
  type Sink,
} from '../../src/index.js';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import { acme, wire } from './r25-delivery-helpers.js';

const BASE = 'https://hooks.test/webhooks/mail';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const encoder = new TextEncoder();

function context(over: Record<string, unknown> = {}): EmailTrackingContext {
  return decodeTrackingEvent(wire(over)) as EmailTrackingContext;
}

interface LogLine {
  level: string;
  text: string;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({
        level,
        text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
      });
    };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

function recordingSink(name = 'rec'): Sink & { got: EmailTrackingContext[] } {
  const got: EmailTrackingContext[] = [];
  return {
    name,
    got,
    async send(events: EmailTrackingContext[]) {
      got.push(...events);
    },
  };
}

function handlerWith(options: MailWebhookOptions) {
  const { logger, lines } = captureLogger();
  const handle = createMailWebhookHandler({ providers: [acme], logger, ...options });
  return { handle, lines };
}

function post(body: BodyInit, headers: Record<string, string> = {}, path = '/acme'): Request {
  return new Request(`${BASE}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    duplex: 'half',
  } as RequestInit);
}

const postEvents = (events: Record<string, unknown>[]) => post(JSON.stringify(events));

async function answer(
  response: Response,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, json, text };
}

/** The refusal's reason, wherever the JSON error puts it. */
const reasonOf = (json: Record<string, unknown>) => String(json.reason ?? json.error ?? '');

/** A body stream of `total` bytes that counts what was pulled from it. */
function countingBody(total: number, chunk = 16_384) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) {
        controller.close();
        return;
      }
      const n = Math.min(chunk, total - pulled);
      controller.enqueue(new Uint8Array(n).fill(0x20));
      pulled += n;
    },
  });
  return { stream, pulled: () => pulled };
}

/** A body that sends a byte every `everyMs` until cancelled or stopped. */
function tricklingBody(everyMs: number) {
  let stopped = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, everyMs));
      if (!stopped) controller.enqueue(encoder.encode(' '));
    },
    cancel() {
      stopped = true;
    },
  });
  return { stream, stop: () => (stopped = true) };
}

function expectConfigError(fn: () => unknown, ...words: string[]): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  for (const word of words) expect((caught as Error).message).toContain(word);
  return caught as ConfigError;
}

describe('body size: maxBodyBytes', () => {
  it('accepts a body of exactly maxBodyBytes', async () => {
    const body = JSON.stringify([wire()]);
    const { handle } = handlerWith({ maxBodyBytes: body.length, sinks: [recordingSink()] });
    const { status, json } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(200);
    expect(json).toEqual({ ok: true, events: 1 });
  });

  it('answers 413 to a body one byte over maxBodyBytes', async () => {
    const body = JSON.stringify([wire()]);
    const sink = recordingSink();
    const { handle } = handlerWith({ maxBodyBytes: body.length - 1, sinks: [sink] });
    const { status } = await answer(await handle(post(body)));
    expect(status).toBe(413);
    expect(sink.got).toEqual([]);
  });

  it('answers 413 from a declared Content-Length without reading the body whole', async () => {
    const { stream, pulled } = countingBody(8 * 1024 * 1024);
    const { handle } = handlerWith({ maxBodyBytes: 1000, sinks: [recordingSink()] });
    const response = await handle(post(stream, { 'content-length': String(8 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(1024 * 1024);
  });

  it('answers 413 to a chunked body with no Content-Length once it passes the limit, without reading it whole', async () => {
    const { stream, pulled } = countingBody(8 * 1024 * 1024);
    const { handle } = handlerWith({ maxBodyBytes: 50_000, sinks: [recordingSink()] });
    const response = await handle(post(stream));
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(1024 * 1024);
  });

  it('answers 413 to a body that lies about its length (Content-Length small, body large)', async () => {
    const { stream, pulled } = countingBody(8 * 1024 * 1024);
    const { handle } = handlerWith({ maxBodyBytes: 50_000, sinks: [recordingSink()] });
    const response = await handle(post(stream, { 'content-length': '10' }));
    expect([400, 413]).toContain(response.status);
    expect(pulled()).toBeLessThan(1024 * 1024);
  });

  it('defaults maxBodyBytes to 1048576: 1 MiB of padding passes the limit, one more byte does not', async () => {
    const event = JSON.stringify([wire()]);
    const pad = (n: number) => event + ' '.repeat(n - event.length);
    const { handle } = handlerWith({ sinks: [recordingSink()] });
    expect((await handle(post(pad(1_048_576)))).status).toBe(200);
    expect((await handle(post(pad(1_048_577)))).status).toBe(413);
  });

  it('refuses a maxBodyBytes that is not a positive number, naming the option', () => {
    expectConfigError(() => createMailWebhookHandler({ maxBodyBytes: -1 }), 'maxBodyBytes');
    expectConfigError(
      () => createMailWebhookHandler({ maxBodyBytes: '1000' as unknown as number }),
      'maxBodyBytes',
    );
  });
});

describe('body deadline: bodyTimeoutMs', () => {
  it('answers 408 body-timeout to a body that stops arriving', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('['));
      },
    });
    const sink = recordingSink();
    const { handle, lines } = handlerWith({ bodyTimeoutMs: 100, sinks: [sink] });
    const { status, json } = await answer(await handle(post(stream)));
    expect(status).toBe(408);
    expect(reasonOf(json)).toBe('body-timeout');
    expect(sink.got).toEqual([]);
    expect(lines.some((l) => l.text.includes('body-timeout'))).toBe(true);
  });

  it('counts from the first byte: a body trickling a byte at a time does not reset the deadline', async () => {
    const { stream, stop } = tricklingBody(20);
    const { handle } = handlerWith({ bodyTimeoutMs: 300, sinks: [recordingSink()] });
    try {
      const { status, json } = await answer(await handle(post(stream)));
      expect(status).toBe(408);
      expect(reasonOf(json)).toBe('body-timeout');
    } finally {
      stop();
    }
  }, 10_000);

  it('a body that arrives whole within the deadline is not refused', async () => {
    const { handle } = handlerWith({ bodyTimeoutMs: 5_000, sinks: [recordingSink()] });
    expect((await handle(postEvents([wire()]))).status).toBe(200);
  });

  it('refuses a bodyTimeoutMs that is not a positive number, naming the option', () => {
    expectConfigError(() => createMailWebhookHandler({ bodyTimeoutMs: -5 }), 'bodyTimeoutMs');
    expectConfigError(
      () => createMailWebhookHandler({ bodyTimeoutMs: Number.NaN }),
      'bodyTimeoutMs',
    );
  });
});

describe('delivery deadline: deliveryTimeoutMs', () => {
  it('answers 503 sink-timeout when a sink never settles', async () => {
    const hung: Sink = { name: 'hung', send: () => new Promise(() => {}) };
    const { handle } = handlerWith({ deliveryTimeoutMs: 100, sinks: [hung] });
    const { status, json } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('sink-timeout');
  });

  it('answers 503 sink-timeout when fan-out retries outlast the request deadline', async () => {
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 3,
      timeoutMs: 5_000,
      fetch: (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const { handle } = handlerWith({ deliveryTimeoutMs: 150, sinks: [fanout] });
    const { status, json } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('sink-timeout');
  });

  it('answers 503 (never 200) when a sink throws', async () => {
    const broken: Sink = {
      name: 'broken',
      send: async () => {
        throw new Error('disk full');
      },
    };
    const { handle } = handlerWith({ sinks: [broken] });
    const { status, json, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(json.ok).not.toBe(true);
    expect(text).not.toContain('disk full\n    at');
  });

  it('answers 503 when the second of two sinks fails, though the first took the event', async () => {
    const first = recordingSink('first');
    const broken: Sink = {
      name: 'broken',
      send: async () => {
        throw new Error('nope');
      },
    };
    const { handle } = handlerWith({ sinks: [first, broken] });
    expect((await handle(postEvents([wire()]))).status).toBe(503);
    expect(first.got).toHaveLength(1);
  });

  it('hands the events to the sinks in order and answers 200 with their count', async () => {
    const order: string[] = [];
    const a: Sink = { name: 'a', send: async () => void order.push('a') };
    const b: Sink = { name: 'b', send: async () => void order.push('b') };
    const { handle } = handlerWith({ sinks: [a, b] });
    const { status, json } = await answer(
      await handle(postEvents([wire(), wire({ recipient: 'bob@example.com' })])),
    );
    expect(status).toBe(200);
    expect(json).toEqual({ ok: true, events: 2 });
    expect(order).toEqual(['a', 'b']);
  });

  it('refuses a deliveryTimeoutMs that is not a positive number, and a misspelt one, naming them', () => {
    expectConfigError(
      () => createMailWebhookHandler({ deliveryTimeoutMs: -1 }),
      'deliveryTimeoutMs',
    );
    expectConfigError(
      () => createMailWebhookHandler({ deliveryTimeoutMS: 100 } as unknown as MailWebhookOptions),
      'deliveryTimeoutMS',
      'deliveryTimeoutMs',
    );
  });
});

describe('listener deadline: listenerTimeoutMs', () => {
  it('answers 503 listener-timeout naming a hung function listener', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function slowAuditor() {
      return new Promise(() => {});
    });
    const { handle } = handlerWith({ listenerTimeoutMs: 80, sinks: [bus] });
    const { status, json, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('listener-timeout');
    expect(text).toContain('slowAuditor');
  });

  it('names a hung class listener by its class name', async () => {
    class HungRecorder {
      handle() {
        return new Promise(() => {});
      }
    }
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, HungRecorder);
    const { handle } = handlerWith({ listenerTimeoutMs: 80, sinks: [bus] });
    const { status, json, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('listener-timeout');
    expect(text).toContain('HungRecorder');
  });

  it('a listener that calls next() without returning it does not lose a later listener error', async () => {
    const seen: string[] = [];
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      seen.push('first');
      next(ctx);
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      seen.push('second');
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('later listener failed');
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { handle } = handlerWith({ sinks: [bus] });
      const { status } = await answer(await handle(postEvents([wire()])));
      expect(status).toBe(503);
      expect(seen).toEqual(['first', 'second']);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a listener that throws synchronously fails the request with 503', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, {
      handle() {
        throw new Error('sync failure');
      },
    });
    const { handle } = handlerWith({ sinks: [bus] });
    expect((await handle(postEvents([wire()]))).status).toBe(503);
  });

  it('runs listeners in subscription order, each passing on with return next(context)', async () => {
    const seen: string[] = [];
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      seen.push(`a:${ctx.recipient}`);
      return next(ctx);
    });
    bus.subscribe(EmailTrackingEvent, {
      handle(ctx: EmailTrackingContext, next: (c: EmailTrackingContext) => unknown) {
        seen.push(`b:${ctx.recipient}`);
        return next(ctx);
      },
    });
    const { handle } = handlerWith({ listenerTimeoutMs: 1_000, sinks: [bus] });
    expect((await handle(postEvents([wire()]))).status).toBe(200);
    expect(seen).toEqual(['a:jane@example.com', 'b:jane@example.com']);
  });

  it('refuses a listenerTimeoutMs that is not a positive number, naming the option', () => {
    expectConfigError(
      () => createMailWebhookHandler({ listenerTimeoutMs: -1 }),
      'listenerTimeoutMs',
    );
  });
});

describe('the limits from variables', () => {
  const cases = [
    ['MAIL_WEBHOOK_MAX_BODY_BYTES', 'maxBodyBytes'],
    ['MAIL_WEBHOOK_BODY_TIMEOUT_MS', 'bodyTimeoutMs'],
    ['MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS', 'deliveryTimeoutMs'],
    ['MAIL_WEBHOOK_LISTENER_TIMEOUT_MS', 'listenerTimeoutMs'],
  ] as const;

  it.each(cases)('%s sets %s', (variable, option) => {
    const options = optionsFromEnv({ [variable]: '4321' });
    expect(options[option]).toBe(4321);
  });

  it.each(cases)('a bad %s stops start-up naming it', (variable) => {
    expectConfigError(() => optionsFromEnv({ [variable]: 'soon' }), variable);
    expectConfigError(() => optionsFromEnv({ [variable]: '-10' }), variable);
  });
});

describe('queue sink', () => {
  function fakeQueue() {
    const batches: { body: unknown }[][] = [];
    return {
      batches,
      binding: {
        async sendBatch(messages: Iterable<{ body: unknown }>) {
          batches.push([...messages]);
        },
      },
    };
  }
  const bodyText = (m: { body: unknown }) =>
    typeof m.body === 'string' ? m.body : JSON.stringify(m.body);

  it('sends 250 contexts as three sendBatch calls of 100, 100 and 50', async () => {
    const { batches, binding } = fakeQueue();
    const sink = createQueueSink(binding);
    const events = Array.from({ length: 250 }, (_, i) =>
      context({ recipient: `u${i}@example.com` }),
    );
    await sink.send(events);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
  });

  it('sends exactly 100 contexts in one sendBatch call', async () => {
    const { batches, binding } = fakeQueue();
    await createQueueSink(binding).send(
      Array.from({ length: 100 }, (_, i) => context({ recipient: `u${i}@example.com` })),
    );
    expect(batches.map((b) => b.length)).toEqual([100]);
  });

  it('each message is the wire JSON of one context, timestamp an ISO string, in order', async () => {
    const { batches, binding } = fakeQueue();
    const events = [
      context({
        eventType: 'bounced',
        recipient: 'a@example.com',
        permanent: true,
        rejectCategory: 'bounced',
      }),
      context({ recipient: 'b@example.com', tags: ['x'], metadata: { k: 'v' } }),
    ];
    await createQueueSink(binding).send(events);
    const messages = batches.flat();
    expect(messages).toHaveLength(2);
    const [one, two] = messages as [{ body: unknown }, { body: unknown }];
    const first = JSON.parse(bodyText(one)) as Record<string, unknown>;
    expect(first.timestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(first.recipient).toBe('a@example.com');
    expect(first.permanent).toBe(true);
    expect(decodeTrackingEvent(bodyText(two))).toEqual(events[1]);
  });

  it('keeps each sendBatch call at or under 256 KB of messages', async () => {
    const { batches, binding } = fakeQueue();
    const big = 'x'.repeat(60_000);
    const events = Array.from({ length: 12 }, (_, i) =>
      context({ recipient: `u${i}@example.com`, rawEvent: { big } }),
    );
    await createQueueSink(binding).send(events);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      const bytes = batch.reduce((n, m) => n + encoder.encode(bodyText(m)).length, 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(
      batches.flat().map((m) => (JSON.parse(bodyText(m)) as { recipient: string }).recipient),
    ).toEqual(events.map((e) => e.recipient));
  });

  it('counts each message’s platform metadata: 100 messages of about 2.5 KB go as two calls', async () => {
    const { batches, binding } = fakeQueue();
    const pad = 'p'.repeat(2_200);
    const events = Array.from({ length: 100 }, (_, i) =>
      context({ recipient: `u${i}@example.com`, rawEvent: { pad } }),
    );
    await createQueueSink(binding).send(events);
    const bodies = batches.flat().map(bodyText);
    const total = bodies.reduce((n, b) => n + encoder.encode(b).length, 0);
    expect(total).toBeLessThan(256_000);
    expect(total + 128 * 100).toBeGreaterThan(256_000);
    expect(batches.length).toBe(2);
    expect(bodies).toHaveLength(100);
  });

  it('refuses a limit that is not a whole number from 1, naming the option, rather than trimming every message', () => {
    const binding = fakeQueue().binding;
    expectConfigError(
      () => createQueueSink(binding, { maxMessageBytes: '128000' as unknown as number }),
      'maxMessageBytes',
    );
    expectConfigError(() => createQueueSink(binding, { maxBatchMessages: 0 }), 'maxBatchMessages');
    expectConfigError(() => createQueueSink(binding, { maxBatchBytes: 1.5 }), 'maxBatchBytes');
    expectConfigError(() => createQueueSink(binding, { name: 42 as unknown as string }), 'name');
  });

  it('a failing sendBatch fails the request with 503', async () => {
    const sink = createQueueSink({
      async sendBatch() {
        throw new Error('queue down');
      },
    });
    const { handle } = handlerWith({ sinks: [sink] });
    expect((await handle(postEvents([wire()]))).status).toBe(503);
  });

  it('serializes a shared rawEvent once for a message of three recipients', async () => {
    const { binding } = fakeQueue();
    let calls = 0;
    const raw = {
      toJSON() {
        calls++;
        return { id: 'raw' };
      },
    };
    const events = ['a', 'b', 'c'].map((r) => ({
      ...context({ recipient: `${r}@example.com` }),
      rawEvent: raw,
    }));
    await createQueueSink(binding).send(events as EmailTrackingContext[]);
    expect(calls).toBe(1);
  });
});

describe('fan-out sink', () => {
  function fakeFetch(status: (n: number, request: Request) => number = () => 200) {
    const requests: { request: Request; body: string }[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const body = await request.clone().text();
      requests.push({ request, body });
      return new Response('ok', { status: status(requests.length, request) });
    };
    return { requests, fetch };
  }

  async function hmac(secret: string, content: string): Promise<string> {
    const key = await crypto.subtle.importKey(
      'raw',
      Buffer.from(secret.slice('whsec_'.length), 'base64'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return Buffer.from(await crypto.subtle.sign('HMAC', key, encoder.encode(content))).toString(
      'base64',
    );
  }

  it('POSTs {type, timestamp, data} signed as Standard Webhooks', async () => {
    const { requests, fetch } = fakeFetch();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      fetch,
    });
    const event = context({ eventType: 'bounced', permanent: true, rejectCategory: 'bounced' });
    await sink.send([event]);
    expect(requests).toHaveLength(1);
    const { request, body } = requests[0] as { request: Request; body: string };
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://receiver.test/hook');
    const parsed = JSON.parse(body) as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(parsed.type).toBe('email.bounced');
    expect(Number.isNaN(Date.parse(parsed.timestamp))).toBe(false);
    expect(parsed.data.recipient).toBe('jane@example.com');
    expect(parsed.data.timestamp).toBe('2024-05-01T10:00:00.000Z');
    const id = request.headers.get('webhook-id');
    const ts = request.headers.get('webhook-timestamp');
    expect(id).toBeTruthy();
    expect(ts).toMatch(/^\d+$/);
    const signatures = request.headers.get('webhook-signature')?.split(' ');
    expect(signatures).toContain(`v1,${await hmac(SECRET, `${id}.${ts}.${body}`)}`);
  });

  it('is accepted by verifyTrackingWebhook with the same secret', async () => {
    const { requests, fetch } = fakeFetch();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      fetch,
    });
    await sink.send([context({ eventType: 'opened' })]);
    const { request, body } = requests[0] as { request: Request; body: string };
    const decoded = await verifyTrackingWebhook(
      new Request(request.url, { method: 'POST', headers: request.headers, body }),
      SECRET,
    );
    expect(decoded.eventType).toBe('opened');
    expect(decoded.timestamp).toEqual(new Date('2024-05-01T10:00:00.000Z'));
  });

  it('keeps webhook-id stable for one (eventId, recipient, eventType) and distinct otherwise', async () => {
    const { requests, fetch } = fakeFetch();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      fetch,
    });
    await sink.send([context()]);
    await sink.send([context({ tags: ['retry'] })]);
    await sink.send([context({ recipient: 'bob@example.com' })]);
    await sink.send([context({ eventType: 'opened' })]);
    await sink.send([context({ eventId: 'evt-2' })]);
    const ids = requests.map((r) => r.request.headers.get('webhook-id'));
    expect(ids[0]).toBe(ids[1]);
    expect(new Set([ids[0], ids[2], ids[3], ids[4]]).size).toBe(4);
  });

  it('sends each endpoint only the event types it lists, and all types to one that lists none', async () => {
    const { requests, fetch } = fakeFetch();
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://bounces.test/hook', secret: SECRET, events: ['bounced', 'complained'] },
        { url: 'https://all.test/hook', secret: SECRET },
      ],
      fetch,
    });
    await sink.send([
      context(),
      context({ eventType: 'bounced' }),
      context({ eventType: 'opened' }),
    ]);
    const to = (host: string) =>
      requests
        .filter((r) => new URL(r.request.url).host === host)
        .map((r) => (JSON.parse(r.body) as { type: string }).type)
        .sort();
    expect(to('bounces.test')).toEqual(['email.bounced']);
    expect(to('all.test')).toEqual(['email.bounced', 'email.delivered', 'email.opened']);
  });

  it('refuses an endpoint events filter with an unknown type, naming it', () => {
    expectConfigError(
      () =>
        createFanoutSink({
          endpoints: [
            { url: 'https://receiver.test/hook', secret: SECRET, events: ['bounce' as 'bounced'] },
          ],
        }),
      'bounce',
    );
  });

  it('retries a failed POST and succeeds within the bound', async () => {
    const { requests, fetch } = fakeFetch((n) => (n < 3 ? 500 : 200));
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 2,
      fetch,
    });
    await sink.send([context()]);
    expect(requests).toHaveLength(3);
    const ids = new Set(requests.map((r) => r.request.headers.get('webhook-id')));
    expect(ids.size).toBe(1);
  }, 20_000);

  it('gives up after retries + 1 attempts and fails the send', async () => {
    const { requests, fetch } = fakeFetch(() => 500);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 1,
      fetch,
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(requests).toHaveLength(2);
  }, 20_000);

  it('with retries: 0 makes one attempt', async () => {
    const { requests, fetch } = fakeFetch(() => 503);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 0,
      fetch,
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(requests).toHaveLength(1);
  });

  it('abandons a POST that outlasts timeoutMs', async () => {
    let aborted = 0;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 0,
      timeoutMs: 50,
      fetch: (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => {
            aborted++;
            reject(new Error('aborted'));
          });
        }),
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(aborted).toBe(1);
  });

  it('retries an attempt that timed out, each attempt with its own timeout', async () => {
    let attempts = 0;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 2,
      timeoutMs: 40,
      fetch: (_input: RequestInfo | URL, init?: RequestInit) => {
        attempts++;
        return new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        });
      },
    });
    await expect(sink.send([context()])).rejects.toThrow(/timed out/);
    expect(attempts).toBe(3);
  }, 20_000);

  it('refuses an endpoint URL with credentials at configuration, without echoing them', () => {
    const error = expectConfigError(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://admin:hunter2@receiver.test/hook', secret: SECRET }],
      }),
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses an endpoint URL with a query token at configuration, without echoing it', () => {
    const error = expectConfigError(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://receiver.test/hook?token=s3cr3t', secret: SECRET }],
      }),
    );
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses an endpoint URL that is not http(s), and a secret that is not whsec_', () => {
    expectConfigError(() =>
      createFanoutSink({ endpoints: [{ url: 'ftp://receiver.test/hook', secret: SECRET }] }),
    );
    expectConfigError(
      () =>
        createFanoutSink({
          endpoints: [{ url: 'https://receiver.test/hook', secret: 'not-a-key' }],
        }),
      'secret',
    );
  });

  it('a failing endpoint fails the request with 503 whose body and logs carry no secret or URL', async () => {
    const { fetch } = fakeFetch(() => 500);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/private/hook', secret: SECRET }],
      retries: 0,
      fetch,
    });
    const { handle, lines } = handlerWith({ sinks: [sink] });
    const { status, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(text).not.toContain('receiver.test');
    expect(text).not.toContain(SECRET.slice(6));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.text).not.toContain(SECRET.slice(6));
  });

  it('serializes a rawEvent shared by three recipients once, not per recipient and endpoint', async () => {
    const { fetch } = fakeFetch();
    let calls = 0;
    const raw = {
      toJSON() {
        calls++;
        return { id: 'raw' };
      },
    };
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://one.test/hook', secret: SECRET },
        { url: 'https://two.test/hook', secret: SECRET },
      ],
      fetch,
    });
    const events = ['a', 'b', 'c'].map((r) => ({
      ...context({ recipient: `${r}@example.com` }),
      rawEvent: raw,
    }));
    await sink.send(events as EmailTrackingContext[]);
    expect(calls).toBe(1);
  });
});

describe('the store', () => {
  it('refuses apiToken without a store, naming both', () => {
    expectConfigError(() => createMailWebhookHandler({ apiToken: 'tok' }), 'apiToken', 'store');
  });

  it('passes every store case on bun:sqlite', async () => {
    const bun = 'node_modules/.bin/bun';
    const child = spawn(bun, ['test', './test/blind/r25-delivery.bun.ts'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(output).toMatch(/\b0 fail\b/);
    expect(output).toMatch(/\b[1-9]\d* pass\b/);
    expect(code).toBe(0);
  }, 60_000);
});

describe('round two: edges', () => {
  it('queue: keeps each batch under 256 KB counted in UTF-8 bytes, not characters', async () => {
    const batches: { body: unknown }[][] = [];
    const sink = createQueueSink({
      async sendBatch(messages: Iterable<{ body: unknown }>) {
        batches.push([...messages]);
      },
    });
    const wide = 'é'.repeat(30_000);
    await sink.send(
      Array.from({ length: 10 }, (_, i) =>
        context({ recipient: `u${i}@example.com`, rawEvent: { wide } }),
      ),
    );
    expect(batches.flat()).toHaveLength(10);
    for (const batch of batches) {
      const bytes = batch.reduce(
        (n, m) =>
          n + encoder.encode(typeof m.body === 'string' ? m.body : JSON.stringify(m.body)).length,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256_000);
    }
  });

  it('queue: a context over the 128 KB message limit still reaches the queue or fails the send, never silently dropped', async () => {
    const batches: { body: unknown }[][] = [];
    const sink = createQueueSink({
      async sendBatch(messages: Iterable<{ body: unknown }>) {
        batches.push([...messages]);
      },
    });
    const huge = context({ rawEvent: { big: 'x'.repeat(200_000) } });
    let failed = false;
    try {
      await sink.send([huge, context({ recipient: 'b@example.com' })]);
    } catch {
      failed = true;
    }
    const recipients = batches
      .flat()
      .map((m) => (JSON.parse(String(m.body)) as { recipient: string }).recipient);
    if (!failed) expect(recipients).toEqual(['jane@example.com', 'b@example.com']);
    for (const m of batches.flat()) expect(String(m.body).length).toBeLessThanOrEqual(128_000);
  });

  it('fan-out: a misspelt endpoint key (event for events) is a ConfigError, not a filter turned off', () => {
    expectConfigError(
      () =>
        createFanoutSink({
          endpoints: [
            { url: 'https://receiver.test/hook', secret: SECRET, event: ['bounced'] } as never,
          ],
        }),
      'event',
    );
  });

  it('fan-out: a misspelt option (retry) is a ConfigError naming it', () => {
    expectConfigError(
      () =>
        createFanoutSink({
          endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
          retry: 0,
        } as never),
      'retry',
    );
  });

  it('fan-out: bad retries and timeoutMs are ConfigErrors naming them', () => {
    const endpoints = [{ url: 'https://receiver.test/hook', secret: SECRET }];
    expectConfigError(() => createFanoutSink({ endpoints, retries: -1 }), 'retries');
    expectConfigError(() => createFanoutSink({ endpoints, retries: 1.5 }), 'retries');
    expectConfigError(() => createFanoutSink({ endpoints, timeoutMs: -1 }), 'timeoutMs');
  });

  it('fan-out: a URL with only a user name is refused too', () => {
    const error = expectConfigError(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://tok123@receiver.test/hook', secret: SECRET }],
      }),
    );
    expect(error.message).not.toContain('tok123');
  });

  it('fan-out: an endpoint whose filter matches nothing in the batch gets no request, and the send succeeds', async () => {
    const requests: string[] = [];
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET, events: ['complained'] }],
      fetch: async (input: RequestInfo | URL) => {
        requests.push(String(input));
        return new Response('ok');
      },
    });
    await sink.send([context(), context({ eventType: 'bounced' })]);
    expect(requests).toEqual([]);
  });

  it('fan-out: one endpoint failing fails the send even though another took it', async () => {
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://good.test/hook', secret: SECRET },
        { url: 'https://bad.test/hook', secret: SECRET },
      ],
      retries: 0,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) =>
        new Response('x', {
          status: new URL(new Request(input, init).url).host === 'bad.test' ? 500 : 200,
        }),
    });
    await expect(sink.send([context()])).rejects.toThrow();
  });

  it('fan-out: a fetch that throws (network error) is retried, then fails the send', async () => {
    let calls = 0;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://receiver.test/hook', secret: SECRET }],
      retries: 1,
      fetch: async () => {
        calls++;
        throw new TypeError('fetch failed');
      },
    });
    await expect(sink.send([context()])).rejects.toThrow();
    expect(calls).toBe(2);
  }, 20_000);

  it('listener: next() without return, then a later listener that throws synchronously: 503, no crash', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      next(ctx);
    });
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('sync later');
    });
    const { handle } = handlerWith({ sinks: [bus] });
    expect((await handle(postEvents([wire()]))).status).toBe(503);
  });

  it('listener: next() without return, then a later listener that hangs: 503 listener-timeout', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      next(ctx);
    });
    bus.subscribe(EmailTrackingEvent, function laterHang() {
      return new Promise(() => {});
    });
    const { handle } = handlerWith({ listenerTimeoutMs: 80, sinks: [bus] });
    const { status, json, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('listener-timeout');
    expect(text).toContain('laterHang');
  });

  it('listener: a listener that never calls next() stops the chain but the request succeeds', async () => {
    const seen: string[] = [];
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => {
      seen.push('first');
    });
    bus.subscribe(EmailTrackingEvent, () => {
      seen.push('second');
    });
    const { handle } = handlerWith({ sinks: [bus] });
    expect((await handle(postEvents([wire()]))).status).toBe(200);
    expect(seen).toEqual(['first']);
  });

  it('the delivery deadline wins over a longer listener deadline: 503 sink-timeout', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => new Promise(() => {}));
    const { handle } = handlerWith({
      listenerTimeoutMs: 5_000,
      deliveryTimeoutMs: 100,
      sinks: [bus],
    });
    const { status, json } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(503);
    expect(reasonOf(json)).toBe('sink-timeout');
  });

  it('a sink without send, or without a name, is a ConfigError', () => {
    expectConfigError(() => createMailWebhookHandler({ sinks: [{ name: 'x' } as never] }), 'sinks');
  });

  it('env: a limit with trailing junk (10abc) or a fraction stops start-up naming it', () => {
    expectConfigError(
      () => optionsFromEnv({ MAIL_WEBHOOK_MAX_BODY_BYTES: '10abc' }),
      'MAIL_WEBHOOK_MAX_BODY_BYTES',
    );
    expectConfigError(
      () => optionsFromEnv({ MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1.5' }),
      'MAIL_WEBHOOK_BODY_TIMEOUT_MS',
    );
  });

  it('a 413 body names the rule, not a stack', async () => {
    const { handle, lines } = handlerWith({ maxBodyBytes: 10, sinks: [recordingSink()] });
    const { status, json, text } = await answer(await handle(postEvents([wire()])));
    expect(status).toBe(413);
    expect(reasonOf(json)).toMatch(/body|large|size/i);
    expect(text).not.toMatch(/\n\s+at /);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('a body stream that errors mid-way is a 4xx, not a 500', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('[{'));
        controller.error(new Error('connection reset'));
      },
    });
    const { handle } = handlerWith({ sinks: [recordingSink()] });
    const response = await handle(post(stream));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('the process-wide bus, with no sinks configured', () => {
  it('a hung listener subscribed with EventBus.subscribe fails the request with 503 listener-timeout naming it', async () => {
    const unsubscribe = EventBus.subscribe(EmailTrackingEvent, function stuckOnDefaultBus() {
      return new Promise(() => {});
    });
    try {
      const { handle } = handlerWith({ listenerTimeoutMs: 80 });
      const { status, json, text } = await answer(await handle(postEvents([wire()])));
      expect(status).toBe(503);
      expect(reasonOf(json)).toBe('listener-timeout');
      expect(text).toContain('stuckOnDefaultBus');
    } finally {
      unsubscribe();
    }
  });

  it('logs each event as one JSON line and answers 200 with the count', async () => {
    const { handle, lines } = handlerWith({});
    const { status, json } = await answer(
      await handle(postEvents([wire(), wire({ recipient: 'bob@example.com' })])),
    );
    expect(status).toBe(200);
    expect(json).toEqual({ ok: true, events: 2 });
    const events = lines.filter((l) => l.level === 'info' && l.text.includes('msg-1'));
    expect(events).toHaveLength(2);
    expect(events.map((l) => l.text).join('\n')).toContain('bob@example.com');
  });
});
