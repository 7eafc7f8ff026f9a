import { describe, expect, test } from 'vitest';
import {
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type EventKey,
  ListenerError,
  type NextFn,
} from '../../src/index.js';

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
});
