/**
 * The listener contract as a user meets it: an SES bounce posted to createMailWebhookHandler with
 * `sinks: [bus]` (or no sinks: the default bus), and EventBus used directly.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type EventKey,
  type EventListener,
  ListenerError,
  type ListenerLike,
  type NextFn,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { memoryLogger } from '../helpers/envelope.js';
import { snsRequest } from './samples.js';

type Ctx = EmailTrackingContext;
const Ping: EventKey<{ n: number }> = { name: 'Ping' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bounce fixture with `count` bounced recipients: r0@example.com, r1@example.com, ... */
function bounceTo(count: number): unknown {
  const recipients = Array.from({ length: count }, (_, i) => ({
    ...bounce.bounce.bouncedRecipients[0],
    emailAddress: `r${i}@example.com`,
  }));
  return { ...bounce, bounce: { ...bounce.bounce, bouncedRecipients: recipients } };
}

let _id = 0;
/** Posts `sesEvent` (default: the one-recipient bounce) to a handler whose sinks are `[bus]`. */
async function post(
  bus: EventBus | undefined,
  sesEvent: unknown = bounce,
  options: { listenerTimeoutMs?: number } = {},
) {
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    ...(bus ? { sinks: [bus] } : {}),
    logger,
    ...options,
  });
  const response = await handle(snsRequest(sesEvent, `sns-bus-contract-${++_id}`));
  const body = (await response.json()) as { ok: boolean; error?: string; message?: string };
  const refused = lines.filter((l) => l.msg === 'request refused');
  return { status: response.status, body, lines, refused };
}

/** A listener that records `label` and passes the context on. */
const passing =
  (seen: string[], label: string) =>
  (context: Ctx, next: NextFn<Ctx>): Ctx | Promise<Ctx> => {
    seen.push(`${label}:${context.recipient}`);
    return next(context);
  };

describe('order, subscribe and unsubscribe', () => {
  test('listeners run in subscription order for each recipient, one recipient at a time', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, passing(seen, 'a'));
    bus.subscribe(EmailTrackingEvent, {
      async handle(context, next) {
        await sleep(1);
        seen.push(`b:${context.recipient}`);
        return next(context);
      },
    });
    bus.subscribe(EmailTrackingEvent, passing(seen, 'c'));

    const { status } = await post(bus, bounceTo(2));

    expect(status).toBe(200);
    expect(seen).toEqual([
      'a:r0@example.com',
      'b:r0@example.com',
      'c:r0@example.com',
      'a:r1@example.com',
      'b:r1@example.com',
      'c:r1@example.com',
    ]);
  });

  test('calling unsubscribe twice removes the listener once and nothing else', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const listener = passing(seen, 'twice');
    const offFirst = bus.subscribe(EmailTrackingEvent, listener);
    bus.subscribe(EmailTrackingEvent, listener);
    bus.subscribe(EmailTrackingEvent, passing(seen, 'other'));
    offFirst();
    offFirst();

    await post(bus);

    expect(seen).toEqual(['twice:recipient@example.com', 'other:recipient@example.com']);
    expect(bus.listenerCount(EmailTrackingEvent)).toBe(2);
  });

  test('the same listener subscribed twice runs twice; each unsubscribe removes one', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const listener = passing(seen, 'l');
    const off1 = bus.subscribe(EmailTrackingEvent, listener);
    const off2 = bus.subscribe(EmailTrackingEvent, listener);

    await post(bus);
    expect(seen).toEqual(['l:recipient@example.com', 'l:recipient@example.com']);

    seen.length = 0;
    off1();
    await post(bus);
    expect(seen).toEqual(['l:recipient@example.com']);

    seen.length = 0;
    off2();
    await post(bus);
    expect(seen).toEqual([]);
  });

  test('a listener that unsubscribes itself finishes this event, and sees no later recipient', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(`once:${context.recipient}`);
      off();
      return next(context);
    });
    bus.subscribe(EmailTrackingEvent, passing(seen, 'after'));

    const { status } = await post(bus, bounceTo(2));

    expect(status).toBe(200);
    expect(seen).toEqual(['once:r0@example.com', 'after:r0@example.com', 'after:r1@example.com']);
  });

  test('unsubscribing a later listener during an event: it still gets that event, not the next', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    let offLater = () => {};
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(`first:${context.recipient}`);
      offLater();
      return next(context);
    });
    offLater = bus.subscribe(EmailTrackingEvent, passing(seen, 'later'));

    await post(bus, bounceTo(2));

    expect(seen).toEqual(['first:r0@example.com', 'later:r0@example.com', 'first:r1@example.com']);
  });

  test('subscribing during an event: the new listener starts with the next event', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    let added = false;
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(`first:${context.recipient}`);
      if (!added) bus.subscribe(EmailTrackingEvent, passing(seen, 'new'));
      added = true;
      return next(context);
    });

    await post(bus, bounceTo(2));

    expect(seen).toEqual(['first:r0@example.com', 'first:r1@example.com', 'new:r1@example.com']);
  });
});

describe('next', () => {
  test('a listener that does not call next stops the chain: later listeners do not run, the answer is 200', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, function filterBounces(context) {
      seen.push(`filter:${context.recipient}`);
    });
    bus.subscribe(EmailTrackingEvent, passing(seen, 'later'));

    const { status, lines } = await post(bus, bounceTo(2));

    expect(status).toBe(200);
    // Each recipient gets its own chain: stopping one does not skip the next recipient.
    expect(seen).toEqual(['filter:r0@example.com', 'filter:r1@example.com']);
    expect(lines.filter((l) => l.msg === 'event').map((l) => l.fields.recipient)).toEqual([
      'r0@example.com',
      'r1@example.com',
    ]);
  });

  test('next called twice runs the listeners after it once, and both calls give the same result', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const results: unknown[] = [];
    bus.subscribe(EmailTrackingEvent, async function callsNextTwice(context, next) {
      results.push(await next(context));
      results.push(await next(context));
      return results[1] as Ctx;
    });
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(`crm:${context.recipient}`);
      return next({ ...context, tags: ['seen'] });
    });

    const { status } = await post(bus);

    expect(status).toBe(200);
    expect(seen).toEqual(['crm:recipient@example.com']);
    expect(results).toHaveLength(2);
    expect(results[1]).toBe(results[0]);
    expect(results[0]).toMatchObject({ tags: ['seen'] });
  });

  test('next called twice without awaiting: a later listener that fails still fails the request once', async () => {
    const bus = new EventBus();
    let calls = 0;
    bus.subscribe(EmailTrackingEvent, function sloppy(context, next) {
      next(context);
      return next(context);
    });
    bus.subscribe(EmailTrackingEvent, function crmSync() {
      calls++;
      throw new Error('CRM unavailable');
    });

    const { status, body, refused } = await post(bus);

    expect(status).toBe(503);
    expect(body.error).toBe('sink-failed');
    expect(calls).toBe(1);
    expect(refused).toHaveLength(1);
  });

  test('next called after a delay, before the listener settles, passes the context on', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, async (context, next) => {
      await sleep(5);
      return next(context);
    });
    bus.subscribe(EmailTrackingEvent, passing(seen, 'later'));

    const { status } = await post(bus);

    expect(status).toBe(200);
    expect(seen).toEqual(['later:recipient@example.com']);
  });

  test('next called from a timer after the listener returned does nothing: the chain ended when it returned', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    let late: unknown;
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      setTimeout(() => {
        late = next(context);
      }, 5);
    });
    bus.subscribe(EmailTrackingEvent, passing(seen, 'later'));

    const { status } = await post(bus);
    await sleep(20);

    expect(status).toBe(200);
    expect(seen).toEqual([]);
    // Nothing thrown or rejected into the timer's callback: the process stays up.
    expect(late).toMatchObject({ recipient: 'recipient@example.com' });
  });

  test('a listener returning a plain value (not a promise, not next’s result) stops the chain with 200', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, () => 42 as never);
    bus.subscribe(EmailTrackingEvent, passing(seen, 'later'));
    const direct = new EventBus();
    direct.subscribe(Ping, () => ({ n: 0 }));

    const { status } = await post(bus);

    expect(status).toBe(200);
    expect(seen).toEqual([]);
    await expect(direct.emit(Ping, { n: 5 })).resolves.toEqual({ n: 0 });
  });
});

describe('failures: what the handler answers and logs', () => {
  test.each<[string, () => ListenerLike<Ctx>, string]>([
    [
      'a function that throws',
      () =>
        function crmSync() {
          throw new Error('CRM down');
        },
      'crmSync',
    ],
    [
      'an async function that rejects',
      () =>
        async function crmSync() {
          await sleep(1);
          throw new Error('CRM down');
        },
      'crmSync',
    ],
    [
      'an arrow function that throws',
      () => () => {
        throw new Error('CRM down');
      },
      'anonymous function',
    ],
    [
      'an instance of a named class',
      () =>
        new (class AuditListener {
          handle(): never {
            throw new Error('CRM down');
          }
        })(),
      'AuditListener',
    ],
    [
      'a class subscribed as a class',
      () =>
        class AuditListener {
          handle(): never {
            throw new Error('CRM down');
          }
        },
      'AuditListener',
    ],
    [
      'an anonymous class',
      () =>
        class {
          handle(): never {
            throw new Error('CRM down');
          }
        },
      'anonymous class',
    ],
    [
      'an object literal',
      () => ({
        handle(): never {
          throw new Error('CRM down');
        },
      }),
      'anonymous listener',
    ],
    [
      'a bound method',
      () => {
        const service = {
          handle(): never {
            throw new Error('CRM down');
          },
        };
        return service.handle.bind(service) as ListenerLike<Ctx>;
      },
      'bound handle',
    ],
    [
      'a Proxy around an object listener',
      () =>
        new Proxy(
          {
            handle(): never {
              throw new Error('CRM down');
            },
          },
          {},
        ),
      'anonymous listener',
    ],
    [
      'a Proxy around a listener class',
      () =>
        new Proxy(
          class ProxiedListener {
            handle(): never {
              throw new Error('CRM down');
            }
          },
          {},
        ),
      'ProxiedListener',
    ],
  ])('%s: 503 sink-failed, the log names the listener and its error', async (_, make, name) => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, make());

    const { status, body, refused } = await post(bus);

    expect(status).toBe(503);
    expect(body).toEqual({
      ok: false,
      error: 'sink-failed',
      message: 'sink memory did not take the events; retry later',
    });
    expect(refused).toEqual([
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({
          status: 503,
          reason: 'sink-failed',
          sink: 'memory',
          events: 1,
          error: `ListenerError: listener ${name} failed on EmailTrackingEvent: CRM down`,
        }),
      }),
    ]);
  });

  test('a failing listener stops the later recipients: the ESP retries the whole message', async () => {
    const bus = new EventBus('crm-bus');
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(context.recipient);
      if (context.recipient === 'r1@example.com') throw new Error('CRM down');
      return next(context);
    });

    const { status, refused } = await post(bus, bounceTo(4));

    expect(status).toBe(503);
    expect(seen).toEqual(['r0@example.com', 'r1@example.com']);
    expect(refused[0]?.fields).toMatchObject({ sink: 'crm-bus', events: 4 });
  });

  test.each<[string, () => ListenerLike<Ctx>, string]>([
    [
      'a function',
      () =>
        function waitsForever() {
          return new Promise<void>(() => {});
        },
      'waitsForever',
    ],
    ['an arrow function', () => () => new Promise<void>(() => {}), 'anonymous function'],
    [
      'a class',
      () =>
        class StuckListener {
          handle() {
            return new Promise<void>(() => {});
          }
        },
      'StuckListener',
    ],
    [
      'an object literal',
      () => ({ handle: () => new Promise<void>(() => {}) }),
      'anonymous listener',
    ],
    [
      'an object literal with a name',
      () => ({ name: 'crmSync', handle: () => new Promise<void>(() => {}) }),
      'crmSync',
    ],
    [
      'an instance whose class gives it a name',
      () =>
        new (class Forwarder {
          readonly name = 'crm-forwarder';
          handle() {
            return new Promise<void>(() => {});
          }
        })(),
      'crm-forwarder',
    ],
  ])('%s that never settles: 503 listener-timeout naming it', async (_, make, name) => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (context, next) => next(context));
    bus.subscribe(EmailTrackingEvent, make());

    const { status, body, refused } = await post(bus, bounce, { listenerTimeoutMs: 20 });

    expect(status).toBe(503);
    expect(body).toEqual({
      ok: false,
      error: 'listener-timeout',
      message: `ListenerError: listener ${name} failed on EmailTrackingEvent: neither returned nor threw within listenerTimeoutMs; retry later`,
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]?.fields).toMatchObject({ reason: 'listener-timeout', sink: 'memory' });
  });
});

describe('listener classes', () => {
  test('a class is built once, at subscribe, and that one instance sees every event', async () => {
    const bus = new EventBus();
    let built = 0;
    const seen: string[] = [];
    class CountingListener {
      readonly id = ++built;
      handle(context: Ctx, next: NextFn<Ctx>) {
        seen.push(`${this.id}:${context.recipient}`);
        return next(context);
      }
    }
    bus.subscribe(EmailTrackingEvent, CountingListener);
    expect(built).toBe(1);

    await post(bus, bounceTo(2));
    await post(bus);

    expect(built).toBe(1);
    expect(seen).toEqual(['1:r0@example.com', '1:r1@example.com', '1:recipient@example.com']);
  });

  test('a class whose constructor throws: subscribe throws that error and subscribes nothing', () => {
    const bus = new EventBus();
    class NeedsDatabase {
      constructor() {
        throw new Error('DATABASE_URL is not set');
      }
      handle(context: Ctx) {
        return context;
      }
    }
    expect(() => bus.subscribe(EmailTrackingEvent, NeedsDatabase)).toThrow(
      'DATABASE_URL is not set',
    );
    expect(bus.listenerCount(EmailTrackingEvent)).toBe(0);
  });

  test('a class whose constructor needs an argument is built without it: subscribe an instance instead', async () => {
    class CrmListener {
      constructor(readonly crm: { record(address: string): void }) {}
      handle(context: Ctx, next: NextFn<Ctx>) {
        this.crm.record(context.recipient);
        return next(context);
      }
    }
    // As a class, `crm` is undefined: every event fails, naming the class.
    const asClass = new EventBus();
    asClass.subscribe(EmailTrackingEvent, CrmListener as never);
    const failed = await post(asClass);
    expect(failed.status).toBe(503);
    expect(String(failed.refused[0]?.fields.error)).toContain(
      'listener CrmListener failed on EmailTrackingEvent',
    );

    // As an instance, it works.
    const recorded: string[] = [];
    const asInstance = new EventBus();
    asInstance.subscribe(EmailTrackingEvent, new CrmListener({ record: (a) => recorded.push(a) }));
    expect((await post(asInstance)).status).toBe(200);
    expect(recorded).toEqual(['recipient@example.com']);
  });

  test('an ES5 constructor function with prototype.handle is built with new, keeping its this', async () => {
    const seen: string[] = [];
    function Es5Listener(this: { prefix: string }) {
      this.prefix = 'es5';
    }
    Es5Listener.prototype.handle = function (
      this: { prefix: string },
      context: Ctx,
      next: NextFn<Ctx>,
    ) {
      seen.push(`${this.prefix}:${context.recipient}`);
      return next(context);
    };
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, Es5Listener as unknown as new () => EventListener<Ctx>);

    expect((await post(bus)).status).toBe(200);
    expect(seen).toEqual(['es5:recipient@example.com']);
  });

  test('a bound method and an arrow function (no prototype) are called as functions', async () => {
    const seen: string[] = [];
    const service = {
      prefix: 'bound',
      handle(context: Ctx, next: NextFn<Ctx>) {
        seen.push(`${this.prefix}:${context.recipient}`);
        return next(context);
      },
    };
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, service.handle.bind(service));
    bus.subscribe(EmailTrackingEvent, (context: Ctx, next: NextFn<Ctx>) => {
      seen.push(`arrow:${context.recipient}`);
      return next(context);
    });

    expect((await post(bus)).status).toBe(200);
    expect(seen).toEqual(['bound:recipient@example.com', 'arrow:recipient@example.com']);
  });
});

describe('the default bus', () => {
  const offs: (() => void)[] = [];
  afterEach(() => {
    for (const off of offs.splice(0)) off();
  });

  /** A listener on the default bus and one on a bus of its own, each noting what it saw. */
  const listenOnBoth = () => {
    const onDefault: string[] = [];
    const onPrivate: string[] = [];
    offs.push(EventBus.subscribe(EmailTrackingEvent, passing(onDefault, 'default')));
    const own = new EventBus();
    own.subscribe(EmailTrackingEvent, passing(onPrivate, 'private'));
    return { onDefault, onPrivate, own };
  };

  test('with no sinks, events go to EventBus.subscribe listeners, and only to them', async () => {
    const { onDefault, onPrivate } = listenOnBoth();

    const { status, lines } = await post(undefined, bounceTo(2));

    expect(status).toBe(200);
    expect(onDefault).toEqual(['default:r0@example.com', 'default:r1@example.com']);
    expect(onPrivate).toEqual([]);
    // Each event is also logged as one line.
    expect(lines.filter((l) => l.msg === 'event')).toHaveLength(2);
  });

  test('sinks: [bus] reaches that bus only, not the default one', async () => {
    const { onDefault, onPrivate, own } = listenOnBoth();

    await post(own);

    expect(onPrivate).toEqual(['private:recipient@example.com']);
    expect(onDefault).toEqual([]);
  });

  test('sinks: [EventBus.default] is the same bus as no sinks at all', async () => {
    const seen: string[] = [];
    offs.push(EventBus.subscribe(EmailTrackingEvent, passing(seen, 'default')));

    await post(EventBus.default);

    expect(seen).toEqual(['default:recipient@example.com']);
  });

  test('a default-bus listener that throws answers 503 sink-failed naming it', async () => {
    offs.push(
      EventBus.subscribe(EmailTrackingEvent, function defaultAudit() {
        throw new Error('audit down');
      }),
    );

    const { status, body, refused } = await post(undefined);

    expect(status).toBe(503);
    expect(body.error).toBe('sink-failed');
    expect(refused[0]?.fields.error).toBe(
      'ListenerError: listener defaultAudit failed on EmailTrackingEvent: audit down',
    );
  });
});

describe('many listeners, many recipients', () => {
  test('five thousand listeners that call next at once all run, in order', async () => {
    const bus = new EventBus();
    const order: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      bus.subscribe(Ping, (context, next) => {
        order.push(i);
        return next(context);
      });
    }
    await expect(bus.emit(Ping, { n: 1 })).resolves.toEqual({ n: 1 });
    expect(order).toHaveLength(5_000);
    expect(order.every((value, index) => value === index)).toBe(true);
  });

  test('five thousand async listeners through the handler: 200, every one ran', async () => {
    const bus = new EventBus();
    let calls = 0;
    for (let i = 0; i < 5_000; i++) {
      bus.subscribe(EmailTrackingEvent, async (context, next) => {
        calls++;
        return next(context);
      });
    }
    const { status, refused } = await post(bus);
    expect(refused).toEqual([]);
    expect(status).toBe(200);
    expect(calls).toBe(5_000);
  });

  test('fifty listeners on a bounce to 200 recipients: each listener sees each recipient once', async () => {
    const bus = new EventBus();
    const counts = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      bus.subscribe(EmailTrackingEvent, (context, next) => {
        counts.set(context.recipient, (counts.get(context.recipient) ?? 0) + 1);
        return next(context);
      });
    }

    const { status } = await post(bus, bounceTo(200));

    expect(status).toBe(200);
    expect(counts.size).toBe(200);
    expect([...counts.values()].every((n) => n === 50)).toBe(true);
  });
});

test('ListenerError is what emit rejects with, for direct users of the bus', async () => {
  const bus = new EventBus();
  bus.subscribe(Ping, function broken() {
    throw new Error('x');
  });
  const error = await bus.emit(Ping, { n: 1 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ListenerError);
  expect(error).toMatchObject({ listener: 'broken', event: 'Ping', reason: 'listener-failed' });
});

test.each([
  ['the key’s name as a string', 'EmailTrackingEvent'],
  ['an import that came out undefined', undefined],
])('subscribe with %s as the key is a TypeError, not a listener that never runs', (_, key) => {
  const bus = new EventBus();
  const listener = (context: Ctx) => context;
  expect(() => bus.subscribe(key as never, listener)).toThrow(
    new TypeError('subscribe(key, listener): key is an event key such as EmailTrackingEvent'),
  );
  expect(() => EventBus.subscribe(key as never, listener)).toThrow(TypeError);
  expect(bus.listenerCount(EmailTrackingEvent)).toBe(0);
});
