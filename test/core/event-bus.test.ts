import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type EventKey,
  type EventListener,
  ListenerError,
  type NextFn,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { memoryLogger } from '../helpers/envelope.js';
import { unreadable } from '../helpers/unreadable.js';
import { snsRequest } from '../sinks/samples.js';

const Ping: EventKey<{ n: number }> = { name: 'Ping' };

describe('EventBus', () => {
  test('runs listeners in subscription order, each passing the context on with next', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(Ping, (context, next) => {
      seen.push(`a${context.n}`);
      return next({ n: context.n + 1 });
    });
    bus.subscribe(Ping, {
      async handle(context, next) {
        await Promise.resolve();
        seen.push(`b${context.n}`);
        return next(context);
      },
    });
    const result = await bus.emit(Ping, { n: 1 });
    expect(seen).toEqual(['a1', 'b2']);
    expect(result).toEqual({ n: 2 });
  });

  test('the four listener forms run in subscription order; an unsubscribed one comes back last', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    class ClassListener {
      handle(context: { n: number }, next: NextFn<{ n: number }>) {
        seen.push('class');
        return next(context);
      }
    }
    const Compiled = function Compiled() {} as unknown as new () => EventListener<{ n: number }>;
    Compiled.prototype.handle = (context: { n: number }, next: NextFn<{ n: number }>) => {
      seen.push('compiled');
      return next(context);
    };
    const object = {
      handle(context: { n: number }, next: NextFn<{ n: number }>) {
        seen.push('object');
        return next(context);
      },
    };
    bus.subscribe(Ping, object);
    const offClass = bus.subscribe(Ping, ClassListener);
    bus.subscribe(Ping, (context, next) => {
      seen.push('function');
      return next(context);
    });
    bus.subscribe(Ping, Compiled);
    await bus.emit(Ping, { n: 1 });
    expect(seen).toEqual(['object', 'class', 'function', 'compiled']);
    seen.length = 0;
    offClass();
    bus.subscribe(Ping, ClassListener);
    await bus.emit(Ping, { n: 1 });
    expect(seen).toEqual(['object', 'function', 'compiled', 'class']);
  });

  test('a listener that does not call next stops the chain', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe(Ping, () => ({ n: 0 }));
    bus.subscribe(Ping, (c) => {
      seen.push(c.n);
    });
    expect(await bus.emit(Ping, { n: 5 })).toEqual({ n: 0 });
    expect(seen).toEqual([]);
  });

  test('accepts a class with a no-argument constructor, as the reference does', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    class TrackingListener {
      handle(context: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        seen.push(context.recipient);
        return next(context);
      }
    }
    bus.subscribe(EmailTrackingEvent, TrackingListener);
    await bus.send([{ recipient: 'a@example.com' } as EmailTrackingContext]);
    expect(seen).toEqual(['a@example.com']);
  });

  test('unsubscribe removes only that listener', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const offA = bus.subscribe(Ping, (c, next) => {
      seen.push('a');
      return next(c);
    });
    bus.subscribe(Ping, (c, next) => {
      seen.push('b');
      return next(c);
    });
    offA();
    offA();
    await bus.emit(Ping, { n: 1 });
    expect(seen).toEqual(['b']);
    expect(bus.listenerCount(Ping)).toBe(1);
  });

  test('a throwing listener rejects with a ListenerError naming it', async () => {
    const bus = new EventBus();
    bus.subscribe(Ping, function auditLog() {
      throw new Error('boom');
    });
    const error = await bus.emit(Ping, { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenerError);
    expect((error as ListenerError).listener).toBe('auditLog');
    expect((error as Error).message).toContain('boom');
  });

  test('the static default bus is one per process', () => {
    expect(EventBus.default).toBe(EventBus.default);
    const off = EventBus.subscribe(Ping, (c) => c);
    expect(EventBus.default.listenerCount(Ping)).toBe(1);
    off();
    expect(EventBus.default.listenerCount(Ping)).toBe(0);
  });

  test('keys are separate', async () => {
    const bus = new EventBus();
    const Other: EventKey<{ n: number }> = { name: 'Other' };
    const seen: string[] = [];
    bus.subscribe(Other, () => {
      seen.push('other');
    });
    await bus.emit(Ping, { n: 1 });
    expect(seen).toEqual([]);
  });

  test('refuses something that is not a listener', () => {
    const bus = new EventBus();
    expect(() => bus.subscribe(Ping, {} as never)).toThrow(TypeError);
  });

  test('accepts a class whose handle is a class field (an arrow function on the instance)', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    class FieldListener {
      handle = (context: { n: number }, next: NextFn<{ n: number }>) => {
        seen.push(context.n);
        return next(context);
      };
    }
    bus.subscribe(Ping, FieldListener as never);
    await bus.emit(Ping, { n: 7 });
    expect(seen).toEqual([7]);
  });

  test('a class with no handle at all is refused when subscribed, naming it', () => {
    const bus = new EventBus();
    class NoHandle {}
    expect(() => bus.subscribe(Ping, NoHandle as never)).toThrow(
      'listener NoHandle is a class without a handle(context, next) method',
    );
  });

  test('next() with no argument passes on the context the listener got', async () => {
    const bus = new EventBus();
    const seen: unknown[] = [];
    bus.subscribe(Ping, (_context, next) => next());
    bus.subscribe(Ping, (context, next) => {
      seen.push(context);
      return next(context);
    });
    await bus.emit(Ping, { n: 3 });
    expect(seen).toEqual([{ n: 3 }]);
  });
});

/** A handler delivering unsigned SES requests to `bus`, with its log lines captured. */
function handlerWith(bus: EventBus, options: { listenerTimeoutMs?: number } = {}) {
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [bus],
    logger,
    ...options,
  });
  return { handle, lines };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventBus listeners as users write them', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', record);
    unhandled.length = 0;
  });

  test('runs a listener class compiled to ES5 (a constructor function with prototype.handle)', async () => {
    const seen: string[] = [];
    // What tsc and Babel emit for `class Es5Listener { handle(c, next) {...} }` with target ES5.
    const Es5Listener = (() => {
      function Es5Listener(this: { prefix: string }) {
        this.prefix = 'es5:';
      }
      Es5Listener.prototype.handle = function (
        this: { prefix: string },
        context: EmailTrackingContext,
        next: NextFn<EmailTrackingContext>,
      ) {
        seen.push(this.prefix + context.recipient);
        return next(context);
      };
      return Es5Listener as unknown as new () => EventListener<EmailTrackingContext>;
    })();
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, Es5Listener);
    const { handle } = handlerWith(bus);

    const response = await handle(snsRequest(bounce, 'sns-es5-1'));

    expect(response.status).toBe(200);
    expect(seen).toEqual(['es5:recipient@example.com']);
  });

  test('a listener that calls next() without returning it: a later listener failing answers 503, nothing unhandled', async () => {
    process.on('unhandledRejection', record);
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function expressHabit(context, next) {
      next(context);
    });
    bus.subscribe(EmailTrackingEvent, async function crmSync() {
      await sleep(5);
      throw new Error('CRM unavailable');
    });
    const { handle, lines } = handlerWith(bus);

    const response = await handle(snsRequest(bounce, 'sns-express-1'));
    await sleep(20);

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(unhandled).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({
          sink: 'memory',
          error: expect.stringContaining(
            'listener crmSync failed on EmailTrackingEvent: CRM unavailable',
          ),
        }),
      }),
    );
  });

  test('a listener that calls next() without returning it, then stalls: the later failure is the one named, not the stall', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function expressThenStall(context, next) {
      next(context);
      return new Promise<void>(() => {});
    });
    bus.subscribe(EmailTrackingEvent, function crmSync() {
      throw new Error('CRM unavailable');
    });
    const { handle, lines } = handlerWith(bus, { listenerTimeoutMs: 30 });

    const response = await handle(snsRequest(bounce, 'sns-express-3'));

    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    const failures = lines.filter((l) => l.msg === 'request refused');
    expect(failures.map((l) => l.fields.error)).toEqual([
      expect.stringContaining('listener crmSync failed on EmailTrackingEvent: CRM unavailable'),
    ]);
  });

  test.each(
    unreadable(
      'an Error whose message getter throws',
      'a value whose toString throws',
      'a proxy that throws on every read',
    ),
  )(
    'a listener that throws %s answers 503 sink-failed at once, nothing unhandled',
    async (_, thrown) => {
      process.on('unhandledRejection', record);
      const bus = new EventBus();
      bus.subscribe(EmailTrackingEvent, function odd() {
        throw thrown();
      });
      const { handle } = handlerWith(bus);

      // At once: before a 4 s timer set beside the request, so not at the 5 s listenerTimeoutMs
      // (timers fire in the order they are due, however late a loaded machine runs them).
      const response = await Promise.race([
        handle(snsRequest(bounce, 'sns-odd-throw-1')),
        sleep(4_000).then(() => 'waited for the listener timeout'),
      ]);
      await sleep(20);

      if (!(response instanceof Response)) throw new Error(String(response));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
      expect(unhandled).toEqual([]);
    },
  );

  test('a listener that calls next() without returning it: the answer waits for the listeners after it', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, async (context, next) => {
      next(context);
    });
    bus.subscribe(EmailTrackingEvent, async function slowAudit(context) {
      await sleep(20);
      seen.push(context.recipient);
    });
    const { handle } = handlerWith(bus);

    const response = await handle(snsRequest(bounce, 'sns-express-2'));

    expect(response.status).toBe(200);
    expect(seen).toEqual(['recipient@example.com']);
  });

  test('a listener that never settles answers 503 listener-timeout, naming it in the answer and the log', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (context, next) => next(context));
    bus.subscribe(EmailTrackingEvent, function waitsForever() {
      return new Promise<void>(() => {});
    });
    const { handle, lines } = handlerWith(bus, { listenerTimeoutMs: 50 });

    const response = await handle(snsRequest(bounce, 'sns-hang-1'));

    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body).toMatchObject({ ok: false, error: 'listener-timeout' });
    // The answer names the listener too: that is where to look.
    expect(body.message).toContain('waitsForever');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({
          error: expect.stringContaining(
            'listener waitsForever failed on EmailTrackingEvent: neither returned nor threw within listenerTimeoutMs',
          ),
        }),
      }),
    );
  });

  test('the bus option listenerTimeoutMs bounds emit; the error says listener-timeout', async () => {
    const bus = new EventBus({ listenerTimeoutMs: 30 });
    bus.subscribe(Ping, function stuck() {
      return new Promise<{ n: number }>(() => {});
    });
    const error = await bus.emit(Ping, { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenerError);
    expect(error).toMatchObject({ listener: 'stuck', reason: 'listener-timeout' });
  });

  test.each([0, -1, Number.NaN, '30'])(
    'a bus listenerTimeoutMs of %s is a ConfigError naming it',
    (ms) => {
      expect(() => new EventBus({ listenerTimeoutMs: ms as number })).toThrow(ConfigError);
      expect(() => new EventBus({ listenerTimeoutMs: ms as number })).toThrow(/listenerTimeoutMs/);
    },
  );

  test('a misspelt bus option is a ConfigError naming it, not the default timeout kept', () => {
    expect(() => new EventBus({ listenerTimeout: 30 } as never)).toThrow(
      'listenerTimeout: unknown option; did you mean listenerTimeoutMs?',
    );
  });

  test('a misspelt emit option rejects with a ConfigError naming it, no listener run', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe(Ping, (context) => {
      seen.push(context.n);
      return context;
    });
    await expect(bus.emit(Ping, { n: 1 }, { listenerTimeoutMS: 30 } as never)).rejects.toThrow(
      'listenerTimeoutMS: unknown option; did you mean listenerTimeoutMs?',
    );
    await expect(
      bus.emit(Ping, { n: 2 }, { singal: AbortSignal.abort() } as never),
    ).rejects.toThrow('singal: unknown option; did you mean signal?');
    expect(seen).toEqual([]);
    // Spelt right, both are taken.
    await expect(
      bus.emit(Ping, { n: 3 }, { listenerTimeoutMs: 30, signal: new AbortController().signal }),
    ).resolves.toEqual({ n: 3 });
  });

  test('a listener is timed on its own work, not on the listeners after it', async () => {
    // On the fake clock: 20 ms a listener, 80 in all, against 60 each, whatever the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const bus = new EventBus({ listenerTimeoutMs: 60 });
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        bus.subscribe(Ping, async (context, next) => {
          await sleep(20);
          seen.push(i);
          return next(context);
        });
      }
      const emitted = bus.emit(Ping, { n: 1 });
      await vi.advanceTimersByTimeAsync(80);
      await expect(emitted).resolves.toEqual({ n: 1 });
      expect(seen).toEqual([0, 1, 2, 3]);
    } finally {
      vi.useRealTimers();
    }
  });

  test('starts no listener once the signal has aborted', async () => {
    const bus = new EventBus();
    const controller = new AbortController();
    const seen: string[] = [];
    bus.subscribe(Ping, (context, next) => {
      seen.push('first');
      controller.abort();
      return next(context);
    });
    bus.subscribe(Ping, (context) => {
      seen.push('second');
      return context;
    });
    await expect(bus.emit(Ping, { n: 1 }, { signal: controller.signal })).rejects.toThrow();
    await expect(
      bus.send([{} as EmailTrackingContext], { signal: controller.signal }),
    ).rejects.toThrow();
    expect(seen).toEqual(['first']);
  });

  test('emit under a signal already aborted starts no listener and rejects with its reason', async () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe(Ping, (context, next) => {
      seen.push(context.n);
      return next(context);
    });
    const reason = new Error('deadline passed');
    await expect(bus.emit(Ping, { n: 1 }, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(seen).toEqual([]);
  });

  test('a signal aborting while a later listener runs rejects with its reason, blaming no listener', async () => {
    const bus = new EventBus();
    const controller = new AbortController();
    const reason = new Error('deadline passed');
    bus.subscribe(Ping, async (context, next) => next(context));
    bus.subscribe(Ping, () => {
      setTimeout(() => controller.abort(reason), 1);
      return new Promise<never>(() => {});
    });
    await expect(bus.emit(Ping, { n: 1 }, { signal: controller.signal })).rejects.toBe(reason);
  });

  test('10 emits running at once under one signal hold one listener each on it: no MaxListenersExceededWarning, none left after', async () => {
    const bus = new EventBus();
    let running = 0;
    let listening = 0;
    const controller = new AbortController();
    bus.subscribe(Ping, async (context, next) => {
      running++;
      // Every emit's listener is running here at once before the first returns.
      await new Promise((resolve) => setImmediate(resolve));
      listening = Math.max(listening, getEventListeners(controller.signal, 'abort').length);
      return next(context);
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const sent = Array.from({ length: 10 }, (_, n) => ({ n }));
      const emitted = sent.map((payload) => bus.emit(Ping, payload, { signal: controller.signal }));
      expect(await Promise.all(emitted)).toEqual(sent);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(running).toBe(10);
    expect(listening).toBe(10);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  test('12 listeners each awaiting next, 20 emits under one signal: no MaxListenersExceededWarning, no listener left on it', async () => {
    const bus = new EventBus();
    for (let i = 0; i < 12; i++) {
      bus.subscribe(Ping, async (context, next) => {
        await new Promise((resolve) => setImmediate(resolve));
        return next(context);
      });
    }
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let n = 0; n < 20; n++) {
        expect(await bus.emit(Ping, { n }, { signal: controller.signal })).toEqual({ n });
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    // Node warns past 10 listeners on one signal: a clock heard it only while running.
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });
});
