/**
 * Events per second into the event store on a local D1 (a Worker under `wrangler dev`, timing the
 * loop inside workerd) and on Bun's SQLite. Each request is one `record` batch and one
 * `markDelivered` batch; a SES message to N recipients is N contexts in one request.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench } from 'vitest';
import { unstable_dev } from 'wrangler';

const SIZES = [1, 10, 100] as const;

/** Inside workerd (bench/store-d1.worker.ts), where the store and D1 sit in `wrangler dev`. */
async function d1Rows(): Promise<string[]> {
  // On disk, as `wrangler dev` keeps it, but in a directory of its own.
  const state = mkdtempSync(join(tmpdir(), 'mailhooks-d1-bench-'));
  const worker = await unstable_dev('bench/store-d1.worker.ts', {
    config: 'wrangler.toml',
    env: 'store',
    ip: '127.0.0.1',
    persistTo: state,
    experimental: { disableExperimentalWarning: true },
  });
  try {
    const rows: string[] = [];
    for (const size of SIZES) {
      const answer = await worker.fetch(`/?size=${size}`);
      const { perSecond } = (await answer.json()) as { perSecond: number };
      rows.push(`| D1 (local, wrangler dev) | ${size} | ${perSecond.toFixed(0)} |`);
    }
    return rows;
  } finally {
    await worker.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

/** The same loop under Bun on a SQLite file (bench/store-sqlite.bun.ts prints its rows). */
function bunRows(): string[] {
  const run = spawnSync('node_modules/.bin/bun', ['bench/store-sqlite.bun.ts'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return run.status === 0
    ? run.stdout.trim().split('\n')
    : [`| bun:sqlite | failed | ${run.stderr.slice(0, 200)} |`];
}

const table = [
  '| store | contexts per request | events/s (record + markDelivered) |',
  '|---|---|---|',
  ...(await d1Rows()),
  ...bunRows(),
];
console.log(table.join('\n'));

// vitest bench wants at least one bench(); the figures above are the ones that count.
bench.skip('see the store table above', () => {});
