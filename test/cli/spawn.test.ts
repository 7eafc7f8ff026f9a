/** The command as a user runs it: a real process (the CLI bundled by esbuild), exit codes, a real server. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toNodeListener } from '../../src/adapters/node-bridge';
import { RESEND_SECRET, startHarness } from './harness';

// A directory of this run's own: a fixed path (it was under node_modules/.cache) is rebuilt by
// every run, so two runs at once could start a CLI the other is still writing.
const OUT_DIR = mkdtempSync(join(tmpdir(), 'mailhooks-cli-bin-'));
const OUT = join(OUT_DIR, 'main.mjs');
let server: Server;
let base: string;
let harness: Awaited<ReturnType<typeof startHarness>>;

beforeAll(async () => {
  await build({
    entryPoints: ['src/cli/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: OUT,
    logLevel: 'silent',
  });
  harness = await startHarness();
  server = createServer(toNodeListener(harness.handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/mail`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await harness?.cleanup();
  rmSync(OUT_DIR, { recursive: true, force: true });
});

function mailhooks(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [OUT, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the mailhooks process', () => {
  test('send to a running server: exit code 0, the answer on stdout, the event delivered', async () => {
    harness.received.length = 0;
    const result = await mailhooks(
      'send',
      'resend',
      'bounced',
      '--to',
      `${base}/resend`,
      '--secret',
      RESEND_SECRET,
    );
    expect(result.stdout).toBe('HTTP 200 OK\n{"ok":true,"events":1}\n');
    expect(result.code).toBe(0);
    expect(harness.received[0]?.eventType).toBe('bounced');
    expect(result.stderr).not.toContain(RESEND_SECRET);
  });

  test('refused: exit code 1', async () => {
    const result = await mailhooks(
      'send',
      'resend',
      'bounced',
      '--to',
      `${base}/resend`,
      '--secret',
      `whsec_${btoa('x'.repeat(32))}`,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^HTTP 403 Forbidden/);
  });

  test('unreachable: exit code 1', async () => {
    const result = await mailhooks(
      'send',
      'ses',
      'bounced',
      '--to',
      'http://127.0.0.1:1/webhooks/mail/ses',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('could not reach');
  });

  test('usage error: exit code 2', async () => {
    const result = await mailhooks('send', 'resend', 'bounced');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to <url> is required');
  });

  test.each([['--help'], ['send', '--help'], ['trigger', '--help'], ['keys', '--help']])(
    '%j: usage, exit code 0',
    async (...args) => {
      const result = await mailhooks(...args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: mailhooks/);
    },
  );
});
