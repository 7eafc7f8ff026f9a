// Blind tests (written from DESIGN "Limits and deadlines" only).
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  type Sink,
} from '../../src/index.js';
import {
  baseOptions,
  recordingLogger,
  SECRET_A,
  sesBounce,
  silent,
  snsRequest,
  streamedRequest,
} from './delivery-helpers.js';

describe('body limits', () => {
  it('answers 413 for a body over maxBodyBytes', async () => {
    const handle = createMailWebhookHandler(
      baseOptions({ maxBodyBytes: 100, sinks: [new EventBus()] }),
    );
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { ok: boolean; error: string };
    expect(body.ok).toBe(false);
    expect(body.error).toBe('body-too-large');
  });

  it('answers 413 for a default-limit overflow (1048576 bytes) without waiting for the rest', async () => {
    const handle = createMailWebhookHandler(baseOptions({ sinks: [new EventBus()] }));
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.length;
        // never ends on its own: 4 MB then stop offering more
        if (pulled > 4 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = streamedRequest(stream);
    const response = await handle(request);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(2 * 1024 * 1024);
  });

  it('answers 408 body-timeout when the body is not read whole within bodyTimeoutMs', async () => {
    const { lines, logger } = recordingLogger();
    const handle = createMailWebhookHandler(
      baseOptions({ bodyTimeoutMs: 50, sinks: [new EventBus()], logger }),
    );
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"Type":'));
        // then nothing, ever
      },
    });
    const request = streamedRequest(stream);
    const response = await handle(request);
    expect(response.status).toBe(408);
    const body = (await response.json()) as { error: string };
    expect(body.error).toBe('body-timeout');
    expect(lines.some((l) => l.fields.reason === 'body-timeout')).toBe(true);
  });

  it.each([
    ['bodyTimeoutMs', 0],
    ['deliveryTimeoutMs', 0],
    ['listenerTimeoutMs', -1],
    ['bodyTimeoutMs', 1.5],
    ['maxBodyBytes', 0],
  ])('refuses %s = %s with a ConfigError naming it', (key, value) => {
    let thrown: unknown;
    try {
      createMailWebhookHandler({ logger: silent, [key]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(String((thrown as Error).message)).toContain(key);
  });
});

describe('delivery deadline', () => {
  it('answers 503 sink-timeout when the sinks do not finish within deliveryTimeoutMs', async () => {
    const hanging: Sink = { name: 'hanging', send: () => new Promise<void>(() => {}) };
    const { lines, logger } = recordingLogger();
    const handle = createMailWebhookHandler(
      baseOptions({ sinks: [hanging], deliveryTimeoutMs: 50, logger }),
    );
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ok: boolean; error: string };
    expect(body).toMatchObject({ ok: false, error: 'sink-timeout' });
    const refused = lines.find((l) => l.message === 'request refused');
    expect(refused?.level).toBe('error');
    expect(refused?.fields.reason).toBe('sink-timeout');
    // no event line for a request answered 503
    expect(lines.some((l) => l.message === 'event')).toBe(false);
  });

  it('counts fan-out retries inside deliveryTimeoutMs', async () => {
    let calls = 0;
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
      timeoutMs: 1000,
      retries: 10,
      fetch: async () => {
        calls++;
        return new Response('down', { status: 503 });
      },
    });
    const handle = createMailWebhookHandler(
      baseOptions({ sinks: [fanout], deliveryTimeoutMs: 150 }),
    );
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-timeout');
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThan(11);
  });
});

describe('listener deadline', () => {
  class SlowCrmSync {
    handle() {
      return new Promise(() => {});
    }
  }
  it.each<[string, unknown, string]>([
    [
      'answers 503 listener-timeout naming a listener that never returns',
      { name: 'stuckListener', handle: () => new Promise(() => {}) },
      'stuckListener',
    ],
    ['names a class listener by its class name', SlowCrmSync, 'SlowCrmSync'],
  ])('%s', async (_title, listener, name) => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, listener as never);
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus], listenerTimeoutMs: 50 }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('listener-timeout');
    expect(body.message).toContain(name);
  });

  it('a listener calling next() without returning it does not lose a later listener error', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (context: unknown, next: (c?: unknown) => unknown) => {
      next(context);
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      throw new Error('CRM down');
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('sink-failed');
  });

  it('a listener calling next() without returning it still waits for the later listener', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, (context: unknown, next: (c?: unknown) => unknown) => {
      next(context);
    });
    bus.subscribe(EmailTrackingEvent, async (context: { recipient: string }) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(context.recipient);
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const response = await handle(
      snsRequest(sesBounce({ recipients: ['a@example.com', 'b@example.com'] })),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(seen).toEqual(['a@example.com', 'b@example.com']);
  });
});

describe('fan-out endpoint URLs', () => {
  it.each([
    'https://user:s3cr3tPw@crm.example.com/hooks',
    'https://crm.example.com/hooks?token=abc',
  ])('refuses %s at configuration without printing the secret part', (url) => {
    let thrown: unknown;
    try {
      createFanoutSink({ endpoints: [{ url, secret: SECRET_A }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = String((thrown as Error).message);
    expect(message).toContain('url');
    expect(message).not.toContain('s3cr3tPw');
    expect(message).not.toContain('abc');
  });

  it('logs a failing endpoint as origin and path only', async () => {
    const { lines, logger } = recordingLogger();
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://crm.example.com/hooks/mail', secret: SECRET_A }],
      retries: 0,
      fetch: async () => new Response('no', { status: 500 }),
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [fanout], logger }));
    const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(response.status).toBe(503);
    const text = JSON.stringify(lines);
    expect(text).toContain('crm.example.com/hooks/mail');
    expect(text).not.toContain(SECRET_A);
  });
});
