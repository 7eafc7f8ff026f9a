/**
 * The deadlines' default values and exact bounds, on a fake clock: nothing here waits in real
 * time. A deadline one millisecond short has not fired; at its value it has.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  createFanoutSink,
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  FanoutError,
  type MailWebhookOptions,
  type Sink,
  ses,
} from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, snsRequest, URL_SES } from '../helpers/envelope.js';
import { sampleContext } from '../sinks/samples.js';

// Only the timers are faked: setImmediate stays real, to let the work under test run.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** One turn of the event loop: every pending microtask runs. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts `work`, waits until `started()` says the part under test began, and reports its outcome as it comes. */
async function track<T>(work: Promise<T>, started: () => boolean) {
  const outcome: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  work.then(
    (value) => Object.assign(outcome, { value, settled: true }),
    (error: unknown) => Object.assign(outcome, { error, settled: true }),
  );
  // Real time, not a count of turns: a loaded machine's WebCrypto threads (the fan-out signs
  // before its fetch) may answer after thousands of turns.
  for (const end = Date.now() + 10_000; !started() && Date.now() < end; ) await turn();
  expect(started()).toBe(true);
  await turn();
  return outcome;
}

/** Moves the fake clock on by `ms`, then lets what the timers started finish. */
async function advance(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
  await turn();
}

/**
 * `advance`, then turns of the event loop until `outcome` settles (at most 10 s): what a fired
 * deadline starts may take more than one turn (the fan-out's signing runs on WebCrypto's threads,
 * which a loaded machine answers late).
 */
async function settleAfter(ms: number, outcome: { settled: boolean }) {
  await advance(ms);
  for (const end = Date.now() + 10_000; !outcome.settled && Date.now() < end; ) await turn();
}

function handler(options: MailWebhookOptions) {
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    logger: silentLogger,
    ...options,
  });
  return (n: number) => handle(snsRequest(envelope(bounce, { messageId: `deadline-${n}` })));
}

const errorOf = async (response: Response | undefined) =>
  response && {
    status: response.status,
    error: ((await response.json()) as { error: string }).error,
  };

/** A sink that never settles, and whether it was called. */
function stuckSink() {
  let called = false;
  const stuck: Sink = {
    name: 'stuck',
    send: () => {
      called = true;
      return new Promise<void>(() => {});
    },
  };
  return { stuck, called: () => called };
}

describe('bodyTimeoutMs', () => {
  test('defaults to 30000: a body that stops coming is still awaited at 29999 ms, and 408 body-timeout at 30000', async () => {
    let pulled = false;
    // One chunk, then nothing: the read of the second waits for ever.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"Type":'));
      },
      pull() {
        pulled = true;
        return new Promise<void>(() => {});
      },
    });
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      logger: silentLogger,
    });
    const request = new Request(URL_SES, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    const outcome = await track(handle(request), () => pulled);
    await advance(29_999);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 408, error: 'body-timeout' });
  });
});

describe('deliveryTimeoutMs', () => {
  test('defaults to 10000: a sink that never settles is still awaited at 9999 ms, and 503 sink-timeout at 10000', async () => {
    const { stuck, called } = stuckSink();
    const post = handler({ sinks: [stuck] });
    const outcome = await track(post(1), called);
    await advance(9_999);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'sink-timeout' });
  });

  test('a value set is the bound: 2500 set, 503 sink-timeout at 2500 ms and not before', async () => {
    const { stuck, called } = stuckSink();
    const post = handler({ sinks: [stuck], deliveryTimeoutMs: 2_500 });
    const outcome = await track(post(2), called);
    await advance(2_499);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'sink-timeout' });
  });
});

describe('listenerTimeoutMs', () => {
  /** A bus whose one listener never returns, and whether it was called. */
  function stuckBus(bus = new EventBus()) {
    const state = { called: false };
    bus.subscribe(EmailTrackingEvent, function neverReturns() {
      state.called = true;
      return new Promise<never>(() => {});
    });
    return { bus, state };
  }

  test('defaults to 5000 in the handler: 503 listener-timeout at 5000 ms and not before', async () => {
    const { bus, state } = stuckBus();
    const post = handler({ sinks: [bus] });
    const outcome = await track(post(3), () => state.called);
    await advance(4_999);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'listener-timeout' });
  });

  test("the bus's own listenerTimeoutMs wins over the handler's", async () => {
    const { bus, state } = stuckBus(new EventBus({ listenerTimeoutMs: 100 }));
    const post = handler({ sinks: [bus], listenerTimeoutMs: 4_000 });
    const outcome = await track(post(4), () => state.called);
    await settleAfter(100, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'listener-timeout' });
  });

  test('above deliveryTimeoutMs: 503 sink-timeout at the deadline, and the listener’s timer goes with it', async () => {
    const { bus, state } = stuckBus();
    const post = handler({ sinks: [bus], deliveryTimeoutMs: 1_000, listenerTimeoutMs: 60_000 });
    const outcome = await track(post(5), () => state.called);
    await settleAfter(1_000, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'sink-timeout' });
    // Nothing left to fire 59 s after the answer, holding the request until then.
    expect(vi.getTimerCount()).toBe(0);
  });

  test('above deliveryTimeoutMs: a listener waiting on the chain it started loses its timer too', async () => {
    const bus = new EventBus();
    const state = { called: false };
    // Starts the listeners after it (its clock paused meanwhile) and never returns: its clock
    // resumes when that chain fails at the deadline, on a signal that has already aborted.
    bus.subscribe(EmailTrackingEvent, function startsTheRest(_context, next) {
      void next();
      return new Promise<never>(() => {});
    });
    bus.subscribe(EmailTrackingEvent, function neverReturns() {
      state.called = true;
      return new Promise<never>(() => {});
    });
    const post = handler({ sinks: [bus], deliveryTimeoutMs: 1_000, listenerTimeoutMs: 60_000 });
    const outcome = await track(post(6), () => state.called);
    await settleAfter(1_000, outcome);
    expect(await errorOf(outcome.value)).toEqual({ status: 503, error: 'sink-timeout' });
    // Its clock ends on the next tick, not listenerTimeoutMs after the answer.
    await advance(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('emit with a signal: aborting it rejects at once with its reason, the listener’s timer cleared', async () => {
    const { bus, state } = stuckBus();
    const controller = new AbortController();
    const emitted = bus.emit(EmailTrackingEvent, sampleContext(), { signal: controller.signal });
    const outcome = await track(emitted, () => state.called);
    controller.abort(new Error('shutting down'));
    await turn();
    expect(outcome.error).toEqual(new Error('shutting down'));
    expect(vi.getTimerCount()).toBe(0);
  });

  test('EventBus used on its own (emit, no handler) also allows a listener 5000 ms', async () => {
    const { bus, state } = stuckBus();
    const outcome = await track(bus.emit(EmailTrackingEvent, sampleContext()), () => state.called);
    await advance(4_999);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(outcome.error).toMatchObject({ listener: 'neverReturns', reason: 'listener-timeout' });
  });
});

describe('the fan-out timeoutMs', () => {
  test('defaults to 10000 per attempt: an endpoint that never answers fails at 10000 ms and not before', async () => {
    let calls = 0;
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://crm.example.com/hooks', secret: `whsec_${btoa('k'.repeat(32))}` },
      ],
      retries: 0,
      logger: silentLogger,
      fetch: async () => {
        calls++;
        return new Promise<Response>(() => {});
      },
    });
    const outcome = await track(sink.send([sampleContext()]), () => calls > 0);
    await advance(9_999);
    expect(outcome.settled).toBe(false);
    await settleAfter(1, outcome);
    expect(outcome.error).toBeInstanceOf(FanoutError);
    expect((outcome.error as FanoutError).failures[0]?.reason).toBe(
      'timed out after 10000 ms after 1 attempt',
    );
  });
});
