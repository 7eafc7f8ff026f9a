/** Bundle budgets: the Worker as wrangler builds it, and the core bundled for a browser-like platform. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, expect, test } from 'vitest';

// Budgets in gzip bytes.
/**
 * DESIGN's 40 KB, for the Worker as `wrangler deploy` uploads it (minified). Every provider does
 * not fit; the README names the ones to leave out, and this checks the first-wave Worker
 * (`examples/cloudflare-first-wave.ts`: createWorker with SES, Resend, SendGrid, Mailgun and
 * Postmark, plus the store and every sink).
 */
const WORKER_BUDGET_GZIP = 40 * 1024;
/** An app that imports the handler and SES only, minified, every dependency inlined. */
const SES_APP_BUDGET_GZIP = 24 * 1024;

const outdir = mkdtempSync(join(tmpdir(), 'mailhooks-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const _kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** `wrangler deploy --dry-run` of `main` with wrangler.toml's build settings; the bundle's sizes. */
async function _wranglerBundle(name: string, main?: string) {
  const dir = join(outdir, name);
  mkdirSync(dir);
  const args = ['deploy', '--dry-run', '--outdir', join(dir, 'out')];
  if (main) {
    // The repository's own settings (minify, keep_names), another entry.
    const config = readFileSync('wrangler.toml', 'utf8')
      .split(/^\[/m)[0]
      ?.replace(/^main = .*$/m, `main = ${JSON.stringify(resolve(main))}`);
    writeFileSync(join(dir, 'wrangler.toml'), config ?? '');
    args.push('--config', join(dir, 'wrangler.toml'));
  }
  const { code, output } = await _run(args);
  expect(code, output).toBe(0);
  const file = readdirSync(join(dir, 'out')).find((entry) => entry.endsWith('.js'));
  expect(file, `no .js in ${dir}/out`).toBeDefined();
  const bytes = readFileSync(join(dir, 'out', file as string));
  return { bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength, text: bytes.toString() };
}

function _run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
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

/** The providers the README says to leave out to get the Worker under 40 KB with all the rest. */
const LEFT_OUT = [
  'scaleway',
  'unisenderGo',
  'postal',
  'mandrill',
  'mailersend',
  'sparkpost',
  'mailtrap',
  'mailpace',
];

test(`every provider is reported; without the ones the README names it stays under ${_kb(WORKER_BUDGET_GZIP)} gzip`, {
  timeout: 90_000,
}, async () => {
  const full = await _wranglerBundle('full');
  console.log(
    `Worker bundle, every provider (wrangler deploy --dry-run): ${_kb(full.bytes)}, ${_kb(full.gzip)} gzip (${full.gzip} bytes)`,
  );
  const src = (path: string) => JSON.stringify(join(process.cwd(), 'src', path));
  const kept = Object.keys(await import('../../src/env/index.js')).filter(
    (name) => name.endsWith('Provider') && !LEFT_OUT.includes(name.slice(0, -'Provider'.length)),
  );
  // Named as the README's figures were measured: the last line names the source map after it.
  const entry = join(outdir, 'entry.ts');
  writeFileSync(
    entry,
    `import { createWorker } from ${src('adapters/cloudflare.ts')};
     import { ${kept.join(', ')} } from ${src('env/index.ts')};
     export default createWorker([${kept.join(', ')}]);`,
  );
  const rest = await _wranglerBundle('without-heaviest', entry);
  console.log(
    `Worker bundle without ${LEFT_OUT.join(', ')}: ${_kb(rest.bytes)}, ${_kb(rest.gzip)} gzip (${rest.gzip} bytes, ${WORKER_BUDGET_GZIP - rest.gzip} under)`,
  );
  // The README's advice must stay true: these left out, the rest fit.
  expect(rest.gzip).toBeLessThan(WORKER_BUDGET_GZIP);
});

test(`the first-wave Worker (createWorker) stays under ${_kb(WORKER_BUDGET_GZIP)} gzip`, {
  timeout: 90_000,
}, async () => {
  const { bytes, gzip, text } = await _wranglerBundle(
    'first-wave',
    'examples/cloudflare-first-wave.ts',
  );
  console.log(
    `Worker bundle, first-wave providers: ${_kb(bytes)}, ${_kb(gzip)} gzip (${gzip} bytes)`,
  );
  expect(gzip).toBeLessThan(WORKER_BUDGET_GZIP);
  // The providers it was not given are not in it; the store and the sinks are.
  expect(text).not.toContain('mandrill');
  expect(text).not.toContain('unisender');
  expect(text).toContain('MAIL_WEBHOOK_DB');
  expect(text).toContain('MAIL_WEBHOOK_FANOUT_ENDPOINTS');
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

test('a Worker without SES carries none of it (no default provider, which only a program gets)', async () => {
  const { text } = await _bundle(
    `import { createWorker } from './src/adapters/cloudflare.ts';
     import { resendProvider } from './src/env/index.ts';
     export default createWorker([resendProvider]);`,
  );
  expect(text).toContain('svix-signature');
  expect(text).not.toContain('SimpleNotificationService');
  expect(text).not.toContain('x-amz-sns-message-type');
});
