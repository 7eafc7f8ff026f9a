/** Timing helpers: latency percentiles at a given concurrency, and /proc readings of a process. */
import { readFileSync } from 'node:fs';

export interface Timing {
  /** Microseconds. */
  readonly median: number;
  readonly p99: number;
  /**
   * Calls completed per second of wall time, all workers together: the best of the blocks (other
   * work on the machine only ever slows a block down, so the best is the closest to the cost).
   */
  readonly perSecond: number;
}

const WARM_UP_MS = Number(process.env.BENCH_WARM_UP_MS ?? 1000);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 3);

/**
 * Runs `fn` `runs` times over `concurrency` concurrent loops, in `BENCH_BLOCKS` blocks after a
 * warm-up, and times each call; median and p99 are over every call of every block.
 */
export async function measure(
  fn: () => Promise<unknown>,
  concurrency: number,
  runs: number,
): Promise<Timing> {
  const [timing] = await measureTogether([fn], concurrency, runs);
  if (!timing) throw new Error('measure: no timing');
  return timing;
}

/**
 * `measure` for several subjects whose rates are compared: each is warmed up, then their blocks
 * take turns (A B C, A B C, ...), so a busy moment on the machine falls on every subject alike
 * instead of on whichever ran then. One `Timing` per subject, in order.
 */
export async function measureTogether(
  fns: readonly (() => Promise<unknown>)[],
  concurrency: number,
  runs: number,
): Promise<Timing[]> {
  const times = fns.map((): number[] => []);
  const perSecond = fns.map(() => 0);
  for (const fn of fns) {
    // Warm-up by time, the same for every subject: until the JIT has settled, not a fixed count.
    const warmUntil = performance.now() + WARM_UP_MS;
    for (let i = 0; i < 500 || performance.now() < warmUntil; i++) await fn();
  }
  for (let block = 0; block < BLOCKS; block++) {
    for (const [index, fn] of fns.entries()) {
      const own = times[index] ?? [];
      let left = runs;
      const worker = async () => {
        while (left-- > 0) {
          const start = performance.now();
          await fn();
          own.push(performance.now() - start);
        }
      };
      const start = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      const rate = (runs / (performance.now() - start)) * 1000;
      perSecond[index] = Math.max(perSecond[index] ?? 0, rate);
    }
  }
  return times.map((own, index) => {
    own.sort((a, b) => a - b);
    const at = (q: number) =>
      (own[Math.min(own.length - 1, Math.floor(own.length * q))] ?? 0) * 1000;
    return { median: at(0.5), p99: at(0.99), perSecond: perSecond[index] ?? 0 };
  });
}

const _TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / _TICKS;
}

/** Resident set size of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
