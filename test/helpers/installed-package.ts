/** The package as a consumer installs it: built into `<directory>/node_modules/mailhooks`, its dependencies linked. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = new URL('../../', import.meta.url).pathname;

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
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', join(installed, 'dist')],
    { cwd: ROOT },
  );
}
