/** Bun's half of bench/store.bench.ts: the same loop on a bun:sqlite file, rows on stdout. */
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmailTrackingContext } from '../src/index.js';
import { createSqliteStore } from '../src/index.js';
import { sampleContext } from '../test/sinks/samples.js';

const work = mkdtempSync(join(tmpdir(), 'mailhooks-store-bench-'));
let serial = 0;
const request = (size: number): EmailTrackingContext[] => {
  const eventId = `bench-${++serial}`;
  const rawEvent = { eventType: 'Bounce', bounce: { bounceType: 'Permanent' } };
  return Array.from({ length: size }, (_, i) =>
    sampleContext({ eventId, recipient: `r${serial}-${i}@example.com`, rawEvent }),
  );
};
try {
  const modes = [
    ['file, WAL, fsync per commit', join(work, 'bench.sqlite')],
    ['in memory: CPU cost alone', ':memory:'],
  ] as const;
  for (const [mode, path] of modes) {
    const db = new Database(path);
    db.exec('PRAGMA journal_mode = WAL');
    const store = createSqliteStore(db);
    for (const size of [1, 10, 100]) {
      const run = async () => store.markDelivered(await store.record(request(size)));
      for (let i = 0; i < 20; i++) await run();
      const requests = Math.max(20, Math.floor(10_000 / size));
      const started = performance.now();
      for (let i = 0; i < requests; i++) await run();
      const perSecond = (requests * size) / ((performance.now() - started) / 1000);
      console.log(`| bun:sqlite (${mode}) | ${size} | ${perSecond.toFixed(0)} |`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
