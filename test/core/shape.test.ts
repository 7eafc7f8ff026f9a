/**
 * DESIGN "Shape": the core never imports a runtime, the handler and config know no provider by
 * name, and adding an ESP adds a folder and one registry line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/env/index.js';
import * as root from '../../src/index.js';

const SRC = join(process.cwd(), 'src');

/** Every .ts file under `dir`, relative to src/. */
function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path.slice(SRC.length + 1)] : [];
  });
}

/** The module specifiers a file imports (static, dynamic and re-exports). */
const importsOf = (file: string): string[] =>
  [
    ...readFileSync(join(SRC, file), 'utf8').matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? '');

const PROVIDER_FOLDERS = readdirSync(join(SRC, 'providers')).filter((entry) =>
  statSync(join(SRC, 'providers', entry)).isDirectory(),
);

describe('the split DESIGN fixes', () => {
  test('the core (everything but adapters, the command and its bin) imports no runtime', () => {
    const core = sources().filter((file) => !/^(adapters|cli|bin)\//.test(file));
    const runtime = /^(node:|bun:|bun$|cloudflare:|deno|npm:|jsr:)/;
    const found = core.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => runtime.test(specifier))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(found).toEqual([]);
  });

  test.each(['handler.ts', 'config.ts'])('%s knows no provider by name', (file) => {
    // Comments aside: a usage example may show a factory.
    const text = readFileSync(join(SRC, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(importsOf(file).filter((s) => /providers\/[^/]+\//.test(s))).toEqual([]);
    for (const { name } of BUILTIN_PROVIDERS) {
      // Quoted, or called as a factory: `'ses'`, `ses(`.
      expect(text, `${file} names ${name}`).not.toMatch(
        new RegExp(`['"\`]${name}['"\`]|\\b${name}\\(`, 'i'),
      );
    }
  });

  test('adding an ESP adds a folder and one registry line: each folder is one entry of that name', () => {
    expect(BUILTIN_PROVIDERS.map((p) => p.name).sort()).toEqual([...PROVIDER_FOLDERS].sort());
    const registry = readFileSync(join(SRC, 'providers/registry.ts'), 'utf8');
    for (const folder of PROVIDER_FOLDERS) {
      expect(registry.match(new RegExp(`from '\\./${folder}/index\\.js'`, 'g'))).toHaveLength(1);
    }
  });

  test('each registry entry makes the provider of its name, the one the root export makes', () => {
    const factories = root as unknown as Record<string, unknown>;
    for (const entry of BUILTIN_PROVIDERS) {
      const camel = entry.name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      const factory =
        entry.name === 'ses-eventbridge' ? factories.sesEventBridge : factories[camel];
      expect(entry.create, entry.name).toBe(factory);
    }
  });
});
