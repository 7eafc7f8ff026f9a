/** A wait that sets its timer only when the awaited work is still running after a few microtasks. */

/** A settled promise: `resolved.then(f)` runs `f` on the next microtask. */
export const resolved = Promise.resolve();

/**
 * `read`'s outcome if it settles within `ticks` microtasks, else its race with `timeout()`: a
 * read that is already done sets no timer. Rejects as `read` does. The body reads and the
 * delivery deadline wait this way.
 */
export function soonOrRace<T, U>(
  read: Promise<T>,
  timeout: () => Promise<U>,
  ticks: number,
): Promise<T | U> {
  // One promise settled by whichever comes first, and a check per microtask until `read` settles:
  // no async function, and no promise per tick but the check's own.
  return new Promise((resolve, reject) => {
    let done = false;
    let tick = 0;
    const check = () => {
      if (done) return;
      if (tick++ < ticks) resolved.then(check);
      else timeout().then(resolve, reject);
    };
    read.then(
      (value) => {
        done = true;
        resolve(value);
      },
      (error: unknown) => {
        done = true;
        reject(error);
      },
    );
    check();
  });
}
