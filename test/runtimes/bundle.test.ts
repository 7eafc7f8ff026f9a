/** Bundle budgets: the Worker as wrangler builds it, and the core bundled for a browser-like platform. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, expect, test } from 'vitest';

// Budgets in gzip bytes, measured first and given ~40% headroom (docs/runtimes.md keeps the figures).
/** The Worker as `wrangler deploy` uploads it (not minified): measured 25.9 KB. */
const WORKER_BUDGET_GZIP = 36 * 1024;
/** The core (src/index.ts) minified, every dependency inlined: measured 17.5 KB. */
const CORE_BUDGET_GZIP = 24 * 1024;

const outdir = mkdtempSync(join(tmpdir(), 'mailhooks-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const _kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function _wranglerDryRun(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const args = ['deploy', '--dry-run', '--outdir', outdir];
    const child = spawn('node_modules/.bin/wrangler', args, {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test(`the Worker bundle stays under ${_kb(WORKER_BUDGET_GZIP)} gzip`, {
  timeout: 90_000,
}, async () => {
  const { code, output } = await _wranglerDryRun();
  expect(code, output).toBe(0);
  const file = readdirSync(outdir).find((name) => name.endsWith('.js'));
  expect(file, `no .js in ${outdir}`).toBeDefined();
  const bytes = readFileSync(join(outdir, file as string));
  const gzip = gzipSync(bytes).byteLength;
  console.log(
    `Worker bundle (wrangler deploy --dry-run): ${_kb(bytes.byteLength)}, ${_kb(gzip)} gzip`,
  );
  expect(gzip).toBeLessThan(WORKER_BUDGET_GZIP);
});

test('the core bundles for a browser-like platform with no node: import', async () => {
  const result = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  expect(imports.filter((entry) => entry.path.startsWith('node:'))).toEqual([]);
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  expect(new TextDecoder().decode(code)).not.toMatch(/["'`]node:/);
  const gzip = gzipSync(code).byteLength;
  console.log(
    `core bundle (esbuild src/index.ts, browser, minified): ${_kb(code.byteLength)}, ${_kb(gzip)} gzip`,
  );
  expect(gzip).toBeLessThan(CORE_BUDGET_GZIP);
});
