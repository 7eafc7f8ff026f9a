/** Runs one payload through a bus's listeners: each listener's own time bounded, started chains awaited. */

/** Why a listener failed: it threw or rejected, or it neither returned nor threw in time. */
export type ListenerFailure = 'listener-failed' | 'listener-timeout';

/** A listener as the bus keeps it: its name for errors, and how to call it. */
export interface ChainEntry<T> {
  readonly name: string;
  readonly handle: (context: T, next: (context?: T) => T | Promise<T>) => unknown;
}

export interface ChainRun<T> {
  readonly entries: readonly ChainEntry<T>[];
  /** The key's name, for errors. */
  readonly event: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Builds the error that names a failed listener (the bus's `ListenerError`). */
  readonly fail: (listener: string, cause: unknown, reason: ListenerFailure) => Error;
  /** True for errors already naming a listener, passed up the chain unchanged. */
  readonly isNamed: (error: unknown) => boolean;
}

// setTimeout fires at once for delays past 2^31 - 1 ms.
const _MAX_TIMER_MS = 2_147_483_647;

/** A countdown that can be paused while the listener waits on the listeners after it. */
function _clock(ms: number, onTimeout: () => void) {
  let remaining = ms;
  let since = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    remaining -= Date.now() - since;
  };
  const resume = () => {
    if (timer !== undefined) return;
    since = Date.now();
    timer = setTimeout(onTimeout, Math.min(Math.max(remaining, 0), _MAX_TIMER_MS));
  };
  resume();
  return { pause, resume };
}

function _aborted(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('the delivery was aborted');
}

/**
 * Calls listener `index`. Its clock runs while it runs and pauses while a chain it started with
 * `next` runs, so a timeout names the listener that stalled, not the ones waiting on it. Chains
 * it started without returning them (the Express habit) are awaited and their errors kept.
 */
function _step<T>(run: ChainRun<T>, index: number, context: T): Promise<T> {
  const entry = run.entries[index];
  if (!entry) return Promise.resolve(context);
  if (run.signal?.aborted) return Promise.reject(_aborted(run.signal));
  return new Promise<T>((resolve, reject) => {
    const started: Promise<T>[] = [];
    let running = 0;
    let returned = false;
    let settled = false;
    // The first error of a chain this listener started: it outranks the listener's own timeout.
    let chainFailed: { error: unknown } | undefined;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clock.pause();
      // Naming what a listener threw reads it, and a getter or proxy may throw: fail with that.
      try {
        finish();
      } catch (error) {
        reject(error);
      }
    };
    const clock = _clock(run.timeoutMs, () => {
      // The option, not its value: this message reaches the 503's public body.
      const cause = new Error('neither returned nor threw within listenerTimeoutMs');
      settle(() =>
        reject(chainFailed ? chainFailed.error : run.fail(entry.name, cause, 'listener-timeout')),
      );
    });
    // `next()` with no argument passes the context this listener got.
    const next = (nextContext: T = context): T | Promise<T> => {
      // Called after the listener returned or timed out: nothing awaits that chain any more.
      if (returned || settled) return nextContext;
      if (running++ === 0) clock.pause();
      const chain = _step(run, index + 1, nextContext);
      const done = () => {
        if (--running === 0 && !returned && !settled) clock.resume();
      };
      // Also marks the chain handled: a listener that drops it cannot cause an unhandled rejection.
      chain.then(done, (error: unknown) => {
        chainFailed ??= { error };
        done();
      });
      started.push(chain);
      return chain;
    };
    let own: Promise<unknown>;
    try {
      own = Promise.resolve(entry.handle(context, next));
    } catch (error) {
      own = Promise.reject(error);
    }
    own.then(
      async (result) => {
        returned = true;
        clock.pause();
        const outcomes = await Promise.allSettled(started);
        const failed = outcomes.find((o) => o.status === 'rejected');
        if (failed) return settle(() => reject(failed.reason));
        const last = outcomes.at(-1);
        // A listener that returns nothing passes on what its chain returned, else its context.
        const value =
          result !== undefined
            ? (result as T)
            : last?.status === 'fulfilled'
              ? last.value
              : context;
        settle(() => resolve(value));
      },
      async (error: unknown) => {
        returned = true;
        clock.pause();
        await Promise.allSettled(started);
        settle(() =>
          reject(
            run.isNamed(error) || (run.signal?.aborted && error === run.signal.reason)
              ? error
              : run.fail(entry.name, error, 'listener-failed'),
          ),
        );
      },
    );
  });
}

/** Runs the chain for one payload; resolves with what the chain returned. */
export function runChain<T>(run: ChainRun<T>, payload: T): Promise<T> {
  return _step(run, 0, payload);
}
