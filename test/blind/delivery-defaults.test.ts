// Blind tests: the default bounds (10000 / 5000 / 30000 ms), driven with fake timers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  type Sink,
} from '../../src/index.js';
import { baseOptions, sesBounce, snsRequest, streamedRequest } from './delivery-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

async function settleWithin(promise: Promise<Response>, ms: number): Promise<Response | undefined> {
  let done: Response | undefined;
  void promise.then((r) => {
    done = r;
  });
  await vi.advanceTimersByTimeAsync(ms);
  return done;
}

describe('default deadlines', () => {
  it('deliveryTimeoutMs defaults to 10000', async () => {
    vi.useFakeTimers();
    const hanging: Sink = { name: 'hanging', send: () => new Promise<void>(() => {}) };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [hanging] }));
    const pending = handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(await settleWithin(pending, 9_900)).toBeUndefined();
    const response = await settleWithin(pending, 200);
    expect(response?.status).toBe(503);
    expect(((await (response as Response).json()) as { error: string }).error).toBe('sink-timeout');
  });

  it('listenerTimeoutMs defaults to 5000', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, {
      name: 'slowpoke',
      handle: () => new Promise(() => {}),
    } as never);
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus] }));
    const pending = handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(await settleWithin(pending, 4_900)).toBeUndefined();
    const response = await settleWithin(pending, 200);
    expect(response?.status).toBe(503);
    const body = (await (response as Response).json()) as { error: string; message: string };
    expect(body.error).toBe('listener-timeout');
    expect(body.message).toContain('slowpoke');
  });

  it('bodyTimeoutMs defaults to 30000', async () => {
    vi.useFakeTimers();
    const handle = createMailWebhookHandler(baseOptions({ sinks: [new EventBus()] }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{'));
      },
    });
    const pending = handle(streamedRequest(stream));
    expect(await settleWithin(pending, 29_900)).toBeUndefined();
    const response = await settleWithin(pending, 200);
    expect(response?.status).toBe(408);
  });
});

describe('listener time is its own', () => {
  it('many quick listeners in a chain longer than listenerTimeoutMs pass', async () => {
    // On the fake clock: 10 ms a listener, 80 in all, against 60 each, whatever the machine's load.
    vi.useFakeTimers();
    const bus = new EventBus();
    for (let i = 0; i < 8; i++) {
      bus.subscribe(EmailTrackingEvent, async (c, next) => {
        await new Promise((r) => setTimeout(r, 10));
        return next(c);
      });
    }
    const handle = createMailWebhookHandler(baseOptions({ sinks: [bus], listenerTimeoutMs: 60 }));
    const pending = handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
    expect(await settleWithin(pending, 79)).toBeUndefined();
    expect((await settleWithin(pending, 21))?.status).toBe(200);
  });
});
