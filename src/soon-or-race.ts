/** A wait that sets its timer only when the awaited work is still running after a few microtasks. */

/**
 * `read`'s outcome if it settles within `ticks` microtasks, else its race with `timeout()`: a
 * read that is already done sets no timer. Rejects as `read` does. The body reads and the
 * delivery deadline wait this way.
 */
export async function soonOrRace<T, U>(
  read: Promise<T>,
  timeout: () => Promise<U>,
  ticks: number,
): Promise<T | U> {
  const state: { done: boolean; value?: T; error?: unknown; failed?: boolean } = { done: false };
  read.then(
    (value) => {
      state.done = true;
      state.value = value;
    },
    (error: unknown) => {
      state.done = true;
      state.failed = true;
      state.error = error;
    },
  );
  for (let i = 0; i < ticks && !state.done; i++) await undefined;
  if (!state.done) return Promise.race([read, timeout()]);
  if (state.failed) throw state.error;
  return state.value as T;
}
