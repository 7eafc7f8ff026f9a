import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The store tests' D1 databases: one the store sets up itself, one set up by migrations/.
const storeMigrations = await readD1Migrations('./migrations');

// A developer's .dev.vars (the store walkthrough's API token, say) must not change the Worker the
// tests run: each variable it sets is put back to wrangler.toml's [vars] value, or blanked (an
// empty variable is unset), so the tests see the Worker CI sees.
const shippedVars = new Map(
  [
    ...(/^\[vars\]$([\s\S]*?)^\[/m.exec(readFileSync('wrangler.toml', 'utf8'))?.[1] ?? '').matchAll(
      /^([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm,
    ),
  ].map(([, name, value]) => [name, value]),
);
const devVarsUndone = Object.fromEntries(
  (existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '')
    .split('\n')
    .map((line) => /^\s*([A-Z_][A-Z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => [name, shippedVars.get(name) ?? '']),
);

// A test that spawns runtimes or sends thousands of events takes a few seconds alone, and several
// times that on a loaded machine (2 vCPUs at load 15 timed out seven at the default 5 s): the
// limit catches a hang, not a slow run, so it is generous. Nothing asserts speed.
const generous = { testTimeout: 60_000, hookTimeout: 60_000 };

// Not isolated: a worker runs file after file in one process (Node) or one workerd (the Worker),
// importing src/ and the helpers once, not once a file. Starting a process and a workerd per file,
// and evaluating the same modules again in each, was most of the run's time. What a file leaves
// behind is its to clean up: vitest restores mocks after each file; a file stubbing a global, or
// leaving a server or a timer running, must put it back or stop it in its own afterAll. A module
// several files import is loaded once: a time it reads at loading (a Timestamp "10 minutes ahead")
// is minutes old when a later file runs it, so cases read the clock when they run.
const shared = { isolate: false, setupFiles: ['test/helpers/shared-process.ts'] };

// A test may import the package by its name, as DESIGN and the README write it (`from 'mailhooks'`,
// `'mailhooks/receiver'`): each name of package.json's `exports` is the src/ file it is built from,
// so it needs no build, and shares its modules (the default EventBus) with `../../src/...` imports.
const packageEntries = Object.entries(
  (JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> })
    .exports,
).flatMap(([key, target]) => {
  const built = typeof target === 'string' ? target : (target as { default: string }).default;
  const file = /^\.\/dist\/(.+)\.js$/.exec(built)?.[1];
  const name = key === '.' ? 'mailhooks' : `mailhooks/${key.slice(2)}`;
  const find = new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`);
  return file
    ? [{ find, replacement: fileURLToPath(new URL(`src/${file}.ts`, import.meta.url)) }]
    : [];
});
const resolve = { alias: packageEntries };

// Two projects: the core and adapters under Node, and the Worker inside workerd.
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'node',
          ...generous,
          ...shared,
          // The run's scratch directory: the package the CLI and server tests install is built
          // there once a worker (test/helpers/installed-package.ts), not once a file.
          globalSetup: ['test/helpers/scratch-setup.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/workerd/**', '**/node_modules/**'],
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './src/adapters/cloudflare.ts',
            wrangler: { configPath: './wrangler.toml' },
            // The shipped default config has no queue; the queue tests get a producer binding
            // (no consumer: they drive queue() themselves, so nothing runs in the background).
            miniflare: {
              queueProducers: { MAIL_WEBHOOK_QUEUE: { queueName: 'mailhooks-events-test' } },
              // Not named MAIL_WEBHOOK_DB, which would turn the store on in every Worker test.
              d1Databases: { STORE_TEST_DB: 'store-test', STORE_MIGRATED_DB: 'store-migrated' },
              bindings: { STORE_MIGRATIONS: storeMigrations, ...devVarsUndone },
            },
          }),
        ],
        resolve,
        test: {
          name: 'workerd',
          ...generous,
          ...shared,
          include: ['test/workerd/**/*.test.ts'],
        },
      },
    ],
  },
});
