/** The in-memory event bus: listeners in subscription order, each passing the context on with `next`. */
import { type EmailTrackingContext, EmailTrackingEvent, type EventKey } from '../events.js';
import type { Sink } from './types.js';

/** Passes the context to the next listener; returns what the rest of the chain returned. */
export type NextFn<T> = (context: T) => T | Promise<T>;

/** A listener: `handle` returns `next(context)` to pass the context on, or anything else to stop. */
export interface EventListener<T> {
  handle(context: T, next: NextFn<T>): T | Promise<T> | void | Promise<void>;
}

export type ListenerFn<T> = (context: T, next: NextFn<T>) => T | Promise<T> | void | Promise<void>;

/** What `subscribe` accepts: a listener object, a class with a no-argument constructor, or a function. */
export type ListenerLike<T> = EventListener<T> | (new () => EventListener<T>) | ListenerFn<T>;

interface _Entry<T> {
  readonly name: string;
  readonly handle: ListenerFn<T>;
}

/** Thrown by `emit`/`send` when a listener throws; names the listener. */
export class ListenerError extends Error {
  override readonly name = 'ListenerError';
  constructor(
    readonly listener: string,
    readonly event: string,
    override readonly cause: unknown,
  ) {
    super(
      `listener ${listener} failed on ${event}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

function _isClass<T>(value: ListenerLike<T>): value is new () => EventListener<T> {
  return (
    typeof value === 'function' &&
    /^class[\s{]/.test(Function.prototype.toString.call(value)) &&
    typeof value.prototype?.handle === 'function'
  );
}

function _entry<T>(listener: ListenerLike<T>): _Entry<T> {
  if (_isClass(listener)) {
    const instance = new listener();
    return { name: listener.name || 'anonymous class', handle: (c, n) => instance.handle(c, n) };
  }
  if (typeof listener === 'function') {
    return { name: listener.name || 'anonymous function', handle: listener as ListenerFn<T> };
  }
  if (listener && typeof listener.handle === 'function') {
    const name = listener.constructor?.name;
    return {
      name: name && name !== 'Object' ? name : 'anonymous listener',
      handle: (c, n) => listener.handle(c, n),
    };
  }
  throw new TypeError('a listener is an object with handle(context, next), a class, or a function');
}

/**
 * An in-memory publish/subscribe bus, also usable as a `Sink`.
 *
 * @example
 * EventBus.subscribe(EmailTrackingEvent, {
 *   handle(context, next) {
 *     if (context.eventType === 'bounced') console.log(context.recipient, context.rejectReason);
 *     return next(context);
 *   },
 * });
 */
export class EventBus implements Sink {
  readonly name: string;
  readonly #listeners = new Map<EventKey<unknown>, _Entry<unknown>[]>();
  static #default: EventBus | undefined;

  constructor(name = 'memory') {
    this.name = name;
  }

  /** The process-wide bus that handlers use when no sinks are given. */
  static get default(): EventBus {
    EventBus.#default ??= new EventBus();
    return EventBus.#default;
  }

  /** Subscribes to the process-wide default bus; returns the unsubscribe function. */
  static subscribe<T>(key: EventKey<T>, listener: ListenerLike<T>): () => void {
    return EventBus.default.subscribe(key, listener);
  }

  /** Adds a listener after the existing ones; the returned function removes it again. */
  subscribe<T>(key: EventKey<T>, listener: ListenerLike<T>): () => void {
    const entry = _entry(listener) as _Entry<unknown>;
    const list = this.#listeners.get(key) ?? [];
    // Copy on write: an emit already under way keeps the list it started with.
    this.#listeners.set(key, [...list, entry]);
    return () => {
      const current = this.#listeners.get(key) ?? [];
      this.#listeners.set(
        key,
        current.filter((e) => e !== entry),
      );
    };
  }

  /** How many listeners the key has. */
  listenerCount(key: EventKey<unknown>): number {
    return this.#listeners.get(key)?.length ?? 0;
  }

  /** Runs the listener chain for one payload; rejects with a `ListenerError` naming a listener that threw. */
  async emit<T>(key: EventKey<T>, payload: T): Promise<T> {
    const chain = (this.#listeners.get(key) ?? []) as _Entry<T>[];
    const step = async (index: number, context: T): Promise<T> => {
      const entry = chain[index];
      if (!entry) return context;
      // A listener that returns nothing (void) passes on the context it was given.
      let result: unknown;
      try {
        result = await entry.handle(context, (next) => step(index + 1, next));
      } catch (error) {
        if (error instanceof ListenerError) throw error;
        throw new ListenerError(entry.name, key.name, error);
      }
      return result === undefined ? context : (result as T);
    };
    return step(0, payload);
  }

  /** Sink: emits each context as an `EmailTrackingEvent`, in order. */
  async send(events: EmailTrackingContext[]): Promise<void> {
    for (const event of events) await this.emit(EmailTrackingEvent, event);
  }
}
