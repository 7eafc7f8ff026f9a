/** The package as a consumer installs it: built into `<directory>/node_modules/mailhooks`, its dependencies linked. */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

// One build per worker, in the run's scratch directory (removed at the end of the run): the files
// sharing the worker (vitest.config.ts: not isolated) each install a copy of it.
let _built: Promise<string> | undefined;

function _build(): Promise<string> {
  _built ??= (async () => {
    const out = mkdtempSync(join(inject('scratch'), 'build-'));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--outDir', out],
      { cwd: ROOT },
    );
    return out;
  })();
  return _built;
}

/**
 * Builds the package (`tsconfig.build.json`, not the repository's dist/) into `directory`'s
 * node_modules, beside links to `dependencies` from this repository's node_modules.
 */
export async function installPackage(
  directory: string,
  dependencies: readonly string[] = ['valibot', 'itty-router'],
): Promise<void> {
  const installed = join(directory, 'node_modules/mailhooks');
  mkdirSync(installed, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  for (const dependency of dependencies) {
    symlinkSync(
      join(ROOT, 'node_modules', dependency),
      join(directory, 'node_modules', dependency),
      'dir',
    );
  }
  cpSync(await _build(), join(installed, 'dist'), { recursive: true });
}
