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

/**
 * A countdown that can be paused while the listener waits on the listeners after it. `signal`
 * ends it at once, also when it aborted while paused: past the delivery's deadline, its timer
 * would outlive the answer. Heard only while running, so a chain adds one listener to it at a time.
 */
function _clock(ms: number, onEnd: () => void, signal: AbortSignal | undefined) {
  let remaining = ms;
  let since = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pause = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener('abort', onEnd);
    remaining -= Date.now() - since;
  };
  const resume = () => {
    if (timer !== undefined) return;
    since = Date.now();
    timer = setTimeout(
      onEnd,
      signal?.aborted ? 0 : Math.min(Math.max(remaining, 0), _MAX_TIMER_MS),
    );
    signal?.addEventListener('abort', onEnd);
  };
  resume();
  return { pause, resume };
}

/**
 * Calls listener `index`. Its clock runs while it runs and pauses while the chain it started with
 * `next` runs, so a timeout names the listener that stalled, not the ones waiting on it. A chain
 * it started without returning it (the Express habit) is awaited and its error kept. `next` runs
 * the listeners after it once: a second call returns the first call's result.
 */
function _step<T>(run: ChainRun<T>, index: number, context: T): Promise<T> {
  const entry = run.entries[index];
  if (!entry) return Promise.resolve(context);
  // An aborted AbortSignal always has a reason: abort() with none gives an AbortError.
  if (run.signal?.aborted) return Promise.reject(run.signal.reason);
  return new Promise<T>((resolve, reject) => {
    let chain: Promise<T> | undefined;
    let returned = false;
    let settled = false;
    // The error of the chain this listener started: it outranks the listener's own timeout.
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
    const clock = _clock(
      run.timeoutMs,
      () => {
        // The option, not its value: this message reaches the 503's public body.
        const cause = new Error('neither returned nor threw within listenerTimeoutMs');
        settle(() =>
          reject(
            run.signal?.aborted
              ? run.signal.reason
              : chainFailed
                ? chainFailed.error
                : run.fail(entry.name, cause, 'listener-timeout'),
          ),
        );
      },
      run.signal,
    );
    // `next()` with no argument passes the context this listener got.
    const next = (nextContext: T = context): T | Promise<T> => {
      if (chain) return chain;
      // Called after the listener returned or timed out: nothing would await that chain.
      if (returned || settled) return nextContext;
      clock.pause();
      // Listeners that call next at once nest their calls: every 100th starts the rest on a
      // fresh stack, so thousands of them do not overflow it.
      chain =
        index % 100 === 99
          ? Promise.resolve().then(() => _step(run, index + 1, nextContext))
          : _step(run, index + 1, nextContext);
      const done = () => {
        if (!returned && !settled) clock.resume();
      };
      // Also marks the chain handled: a listener that drops it cannot cause an unhandled rejection.
      chain.then(done, (error: unknown) => {
        chainFailed = { error };
        done();
      });
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
        // A listener that returns nothing passes on what its chain returned, else its context.
        let value = result as T;
        try {
          const passed = chain ? await chain : context;
          if (result === undefined) value = passed;
        } catch (error) {
          return settle(() => reject(error));
        }
        settle(() => resolve(value));
      },
      async (error: unknown) => {
        returned = true;
        clock.pause();
        await chain?.catch(() => {});
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
