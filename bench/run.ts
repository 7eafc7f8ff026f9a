/** `npm run bench`: runs every benchmark, prints one table and writes bench/results.json. */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HttpRow, overHttp } from './http.js';
import { inProcess, type Row } from './inprocess.js';

const _us = (n: number) => n.toFixed(1);
const PEERS = ['sns-validator 0.3.5', 'sns-payload-validator 2.1.0'];

function _table(rows: Row[], http: HttpRow[], workerGzipBytes: number): string {
  const out: string[] = [];
  const fastestPeer = (message: string, concurrency: number) =>
    rows
      .filter(
        (r) => PEERS.includes(r.what) && r.message === message && r.concurrency === concurrency,
      )
      .sort((a, b) => b.timing.perSecond - a.timing.perSecond)[0];
  out.push('| group | what | message | conc. | median µs | p99 µs | per s | × fastest peer |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const peer = r.group === 'parsing alone' ? undefined : fastestPeer(r.message, r.concurrency);
    const ratio = peer ? (r.timing.perSecond / peer.timing.perSecond).toFixed(2) : '';
    out.push(
      `| ${r.group} | ${r.what} | ${r.message} | ${r.concurrency} | ${_us(r.timing.median)} | ${_us(r.timing.p99)} | ${r.timing.perSecond.toFixed(0)} | ${ratio} |`,
    );
  }
  out.push('');
  out.push(
    '| runtime | mailhooks rps / per CPU-s (p99) | bare per CPU-s | floor per CPU-s | mailhooks ÷ bare | floor ÷ bare | mailhooks ÷ floor | errors | RSS start → after (after a forced GC) | bare RSS start → after |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  const _ratio = (a?: HttpRow, b?: HttpRow) =>
    a && b ? (a.perCpuSecond / b.perCpuSecond).toFixed(2) : '';
  const _rss = (r?: HttpRow) =>
    r ? `${r.rssStartMb.toFixed(1)} → ${r.rssAfterMb.toFixed(1)} MB` : '';
  for (const m of http.filter((h) => h.server === 'mailhooks')) {
    const of = (server: HttpRow['server']) =>
      http.find((h) => h.runtime === m.runtime && h.server === server);
    const bare = of('bare');
    const floor = of('floor');
    const errors = [m, bare, floor].reduce((sum, r) => sum + (r?.errors ?? 0), 0);
    out.push(
      `| ${m.runtime} | ${m.rps.toFixed(0)} / ${m.perCpuSecond.toFixed(0)} (${m.p99Ms} ms) | ${bare?.perCpuSecond.toFixed(0) ?? ''} | ${floor?.perCpuSecond.toFixed(0) ?? ''} | ${_ratio(m, bare)} | ${_ratio(floor, bare)} | ${_ratio(m, floor)} | ${errors} | ${_rss(m)} (${m.rssAfterGcMb?.toFixed(1) ?? 'no GC hook'}) | ${_rss(bare)} |`,
    );
  }
  out.push('');
  out.push(
    `Worker bundle (wrangler deploy --dry-run, every provider): ${(workerGzipBytes / 1024).toFixed(1)} KB gzip`,
  );
  return out.join('\n');
}

export async function runBenchmarks(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const work = mkdtempSync(join(tmpdir(), 'mailhooks-bench-'));
  try {
    const rows = process.env.BENCH_SKIP_IN_PROCESS ? [] : await inProcess(log);
    const { rows: http, workerGzipBytes } = process.env.BENCH_SKIP_HTTP
      ? { rows: [], workerGzipBytes: 0 }
      : await overHttp(work, log);
    const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
    console.log(_table(rows, http, workerGzipBytes));
    writeFileSync(
      join(import.meta.dirname, 'results.json'),
      `${JSON.stringify({ date: new Date().toISOString(), machine, inProcess: rows, http, workerGzipBytes }, null, 2)}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
