/** Runs the shared SNS verification cases under Deno and Bun, each with its own test runner. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verifyCases } from '../ses/verify-cases.js';

interface Run {
  readonly code: number | null;
  readonly output: string;
}

// Offline and quiet: no update check, no colours to parse around (vitest sets FORCE_COLOR).
const { FORCE_COLOR: _, ...inherited } = process.env;
const ENV = { ...inherited, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;

function _run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(ANSI, '') });
    });
  });
}

describe('SNS verification on other runtimes', () => {
  const expected = verifyCases.length;

  it(`passes all ${expected} cases under Deno`, { timeout: 60_000 }, async () => {
    const { code, output } = await _run('node_modules/.bin/deno', [
      'test',
      '--allow-read',
      '--no-check',
      '--no-prompt',
      '--no-lock',
      '--node-modules-dir=manual',
      'test/runtimes/verify.deno.ts',
    ]);
    expect(output).toMatch(new RegExp(`ok \\| ${expected} passed \\| 0 failed`));
    expect(code).toBe(0);
  });

  it(`passes all ${expected} cases under Bun`, { timeout: 60_000 }, async () => {
    const { code, output } = await _run('node_modules/.bin/bun', [
      'test',
      './test/runtimes/verify.bun.ts',
    ]);
    expect(output).toMatch(new RegExp(`\\b${expected} pass\\b`));
    expect(output).toMatch(/\b0 fail\b/);
    expect(code).toBe(0);
  });
});
