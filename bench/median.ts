/** Prints the median (and p90) of timed runs: the figure the budgets in DESIGN.md speak of. */

/** Runs `fn` `warmup` times, then times `runs` calls one by one and prints the median and p90. */
export async function printMedian(
  label: string,
  fn: () => Promise<void>,
  runs = 5000,
  warmup = 200,
): Promise<void> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.floor(runs * q)] ?? Number.NaN) * 1000;
  // workerd freezes its clock between I/O (a Spectre mitigation), so it cannot time this.
  if (at(0.5) === 0) {
    console.log(`${label}: this runtime stops the clock during CPU work; run under Node`);
    return;
  }
  console.log(
    `${label}: median ${at(0.5).toFixed(1)} µs, p90 ${at(0.9).toFixed(1)} µs over ${runs} runs`,
  );
}
