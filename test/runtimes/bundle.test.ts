/** Bundle budgets: the Worker as wrangler builds it, and the core bundled for a browser-like platform. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, expect, test } from 'vitest';

// Budgets in gzip bytes.
/** The Worker as `wrangler deploy` uploads it (minified, every provider): DESIGN's 40 KB. */
const WORKER_BUDGET_GZIP = 40 * 1024;
/** An app that imports the handler and SES only, minified, every dependency inlined. */
const SES_APP_BUDGET_GZIP = 24 * 1024;

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

/** Bundles `code` (resolved from the repository root) for a browser-like platform, minified. */
async function _bundle(code: string) {
  const result = await build({
    stdin: { contents: code, resolveDir: process.cwd(), sourcefile: 'app.ts', loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  return {
    imports,
    bytes,
    text: new TextDecoder().decode(bytes),
    gzip: gzipSync(bytes).byteLength,
  };
}

test('the core bundles for a browser-like platform with no node: import', async () => {
  const { imports, text, bytes, gzip } = await _bundle("export * from './src/index.ts';");
  expect(imports.filter((entry) => entry.path.startsWith('node:'))).toEqual([]);
  expect(text).not.toMatch(/["'`]node:/);
  console.log(`core bundle (every export, minified): ${_kb(bytes.byteLength)}, ${_kb(gzip)} gzip`);
});

test(`an app with the handler and SES only stays under ${_kb(SES_APP_BUDGET_GZIP)} gzip`, async () => {
  const { gzip } = await _bundle("export { createMailWebhookHandler, ses } from './src/index.ts';");
  expect(gzip).toBeLessThan(SES_APP_BUDGET_GZIP);
});

test('providers an app does not import are left out of its bundle', async () => {
  const { text } = await _bundle(
    "export { createMailWebhookHandler, resend } from './src/index.ts';",
  );
  expect(text).toContain('svix-signature');
  expect(text.toLowerCase()).not.toContain('x-twilio-email-event-webhook-signature');
  expect(text).not.toContain('mailgun');
  expect(text).not.toContain('RecordType');
});
