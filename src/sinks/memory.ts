/** The in-memory event bus: listeners in subscription order, each passing the context on with `next`. */

import { ConfigError, describeThrown } from '../errors.js';
import { type EmailTrackingContext, EmailTrackingEvent, type EventKey } from '../events.js';
import { rejectUnknownKeys } from '../providers/options.js';
import { type ChainEntry, type ListenerFailure, runChain } from './listener-chain.js';
import { type Sink, type SinkSendOptions, sendAborted } from './types.js';

export type { ListenerFailure } from './listener-chain.js';

/** How long a listener may take when neither the bus nor the send says otherwise. */
export const DEFAULT_LISTENER_TIMEOUT_MS = 5_000;

/**
 * Passes the context to the next listener (with no argument, the one this listener got); returns
 * what the rest of the chain returned. It runs the rest once: a second call returns the same.
 */
export type NextFn<T> = (context?: T) => T | Promise<T>;

/** A listener: `handle` returns `next(context)` to pass the context on; not calling `next` stops the chain. */
export interface EventListener<T> {
  /** Names the listener in a 503's message and log line; default its class's name. */
  readonly name?: string;
  handle(context: T, next: NextFn<T>): T | void | Promise<T | undefined> | Promise<void>;
}

export type ListenerFn<T> = (
  context: T,
  next: NextFn<T>,
) => T | void | Promise<T | undefined> | Promise<void>;

/** What `subscribe` accepts: a listener object, a class with a no-argument constructor, or a function. */
export type ListenerLike<T> = EventListener<T> | (new () => EventListener<T>) | ListenerFn<T>;

/** Options of `new EventBus(...)`. */
export interface EventBusOptions {
  /** Shown in logs when the bus fails as a sink; default `memory`. */
  readonly name?: string | undefined;
  /** How long one listener may run (its own time, not the listeners after it); overrides the handler's `listenerTimeoutMs`. */
  readonly listenerTimeoutMs?: number | undefined;
}

/** What a run of the chain may be told: the delivery's signal and the per-listener timeout. */
export type EmitOptions = SinkSendOptions;

type _Entry<T> = ChainEntry<T>;

/** Thrown by `emit`/`send` when a listener throws or runs past its timeout; names the listener. */
export class ListenerError extends Error {
  override readonly name = 'ListenerError';
  constructor(
    readonly listener: string,
    readonly event: string,
    override readonly cause: unknown,
    readonly reason: ListenerFailure = 'listener-failed',
  ) {
    super(`listener ${listener} failed on ${event}: ${describeThrown(cause, true)}`);
  }
}

// Any function whose prototype has `handle` is a class, however it was compiled (an ES5
// constructor function has no `class` keyword in its source).
function _isClass<T>(value: ListenerLike<T>): value is new () => EventListener<T> {
  return typeof value === 'function' && typeof value.prototype?.handle === 'function';
}

function _entry<T>(listener: ListenerLike<T>): _Entry<T> {
  // A class whose handle is a class field (`handle = (c, n) => ...`) has it on the instance only;
  // called without new it would throw on every event, so it is built here like any class.
  const native =
    typeof listener === 'function' && /^class\b/.test(Function.prototype.toString.call(listener));
  if (_isClass(listener) || native) {
    const name = listener.name || 'anonymous class';
    const instance = new (listener as new () => EventListener<T>)();
    if (typeof instance.handle !== 'function') {
      throw new TypeError(`listener ${name} is a class without a handle(context, next) method`);
    }
    return { name, handle: (c, n) => instance.handle(c, n) };
  }
  if (typeof listener === 'function') {
    return { name: listener.name || 'anonymous function', handle: listener as ListenerFn<T> };
  }
  if (listener && typeof listener.handle === 'function') {
    // Its own `name` first (`{ name: 'crm', handle }`), else its class's.
    const own = listener.name;
    const name = typeof own === 'string' && own ? own : listener.constructor?.name;
    return {
      name: name && name !== 'Object' ? name : 'anonymous listener',
      handle: (c, n) => listener.handle(c, n),
    };
  }
  throw new TypeError('a listener is an object with handle(context, next), a class, or a function');
}

function _timeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new ConfigError('listenerTimeoutMs', 'expected a positive number of milliseconds');
  }
  return value;
}

/**
 * An in-memory publish/subscribe bus, also usable as a `Sink`. A listener that neither returns
 * nor throws within `listenerTimeoutMs` fails with a `ListenerError` whose `reason` is
 * `listener-timeout`; the bus's own `listenerTimeoutMs` wins over the handler's.
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
  readonly #listenerTimeoutMs: number | undefined;
  readonly #listeners = new Map<EventKey<unknown>, _Entry<unknown>[]>();
  static #default: EventBus | undefined;

  /** @param options the bus's name (shown in logs; default `memory`), or `{ name, listenerTimeoutMs }` */
  constructor(options: string | EventBusOptions = {}) {
    const o = typeof options === 'string' ? { name: options } : options;
    // A misspelt `listenerTimeoutMs` must not quietly leave the default in force.
    rejectUnknownKeys(o, ['name', 'listenerTimeoutMs'], '');
    this.name = o.name ?? 'memory';
    this.#listenerTimeoutMs = _timeout(o.listenerTimeoutMs);
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
    // A key's name as a string, or an import that came out undefined, would never be emitted.
    if (typeof key?.name !== 'string') {
      throw new TypeError(
        'subscribe(key, listener): key is an event key such as EmailTrackingEvent',
      );
    }
    const entry = _entry(listener) as _Entry<unknown>;
    const list = this.#listeners.get(key) ?? [];
    // Copy on write: an emit already under way keeps the list it started with.
    this.#listeners.set(key, [...list, entry]);
    return () => {
      const left = (this.#listeners.get(key) ?? []).filter((e) => e !== entry);
      // A key with no listener left is let go: one key per order or tenant must not pile up.
      if (left.length) this.#listeners.set(key, left);
      else this.#listeners.delete(key);
    };
  }

  /** How many listeners the key has. */
  listenerCount(key: EventKey<unknown>): number {
    return this.#listeners.get(key)?.length ?? 0;
  }

  /**
   * Runs the listener chain for one payload; rejects with a `ListenerError` naming a listener
   * that threw or timed out. Once `options.signal` aborts, no further listener starts.
   */
  async emit<T>(key: EventKey<T>, payload: T, options: EmitOptions = {}): Promise<T> {
    // A misspelt `listenerTimeoutMs` must not quietly leave the default in force.
    rejectUnknownKeys(options, ['signal', 'listenerTimeoutMs'], '');
    return this.#run(key, payload, options);
  }

  // `emit` past its option check: `send` passes the delivery's own options, once per event.
  #run<T>(key: EventKey<T>, payload: T, options: EmitOptions): Promise<T> {
    return runChain(
      {
        entries: (this.#listeners.get(key) ?? []) as _Entry<T>[],
        event: key.name,
        timeoutMs:
          this.#listenerTimeoutMs ?? options.listenerTimeoutMs ?? DEFAULT_LISTENER_TIMEOUT_MS,
        signal: options.signal,
        fail: (listener, cause, reason) => new ListenerError(listener, key.name, cause, reason),
        isNamed: (error) => error instanceof ListenerError,
      },
      payload,
    );
  }

  /** Sink: emits each context as an `EmailTrackingEvent`, in order, until `options.signal` aborts. */
  send(events: EmailTrackingContext[], options: SinkSendOptions = {}): Promise<void> {
    // No listener, nothing to run: the delivery's signal is not even made, nor an async call.
    if (this.listenerCount(EmailTrackingEvent) === 0) {
      return events.length > 0 && sendAborted(options)
        ? Promise.reject(options.signal?.reason)
        : Promise.resolve();
    }
    return this.#emitEach(events, options);
  }

  async #emitEach(events: EmailTrackingContext[], options: SinkSendOptions): Promise<void> {
    for (const event of events) {
      if (options.signal?.aborted) throw options.signal.reason;
      await this.#run(EmailTrackingEvent, event, options);
    }
  }
}
