/**
 * What `npm install mailhooks` gives a user: the files `npm pack` puts in the tarball. The D1
 * schema ships with the code, so `wrangler d1 migrations apply` works from `node_modules`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

interface Packed {
  readonly files: readonly { readonly path: string }[];
}

async function packedPaths(): Promise<string[]> {
  // --ignore-scripts: list the tarball without rebuilding dist/ (prepare) in the middle of a test.
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: ROOT },
  );
  const [packed] = JSON.parse(stdout) as Packed[];
  return (packed?.files ?? []).map((file) => file.path);
}

describe('the published package', () => {
  it('ships every migration, so wrangler can apply them from node_modules/mailhooks', async () => {
    const paths = await packedPaths();
    const migrations = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql'));
    expect(migrations.length).toBeGreaterThan(0);
    for (const file of migrations) expect(paths).toContain(`migrations/${file}`);
    // Nothing from the repository's own working files: sources, tests, secrets.
    expect(paths.filter((p) => /^(src|test|bench|\.dev\.vars)/.test(p))).toEqual([]);
  }, 30_000);

  it('names in `files` every folder its exports and bin point into', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      files: string[];
      exports: Record<string, string | { default: string; types?: string }>;
      bin: Record<string, string>;
    };
    const targets = [
      ...Object.values(pkg.exports).flatMap((t) =>
        typeof t === 'string' ? [t] : [t.default, ...(t.types ? [t.types] : [])],
      ),
      ...Object.values(pkg.bin),
    ].filter((t) => t !== './package.json');
    for (const target of targets) {
      const top = target.replace(/^\.\//, '').split('/')[0];
      expect(pkg.files, target).toContain(top);
    }
  });
});
