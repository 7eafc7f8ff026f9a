/**
 * Every TypeScript block (```ts, ```typescript) in README.md and every page under docs/
 * (docs/*.md, docs/providers/*.md) compiles against the package's source, so the docs cannot drift from the
 * code.
 *
 * Each block is written as its own module into a temporary directory, in one of four tsc
 * projects chosen by what the block uses: `worker` (imports `mailhooks/cloudflare` or names a
 * Workers type: @cloudflare/workers-types, no DOM), `deno` (`Deno.`), `bun` (`Bun.`, `bun:`),
 * else `node` (DOM + @types/node). Every project is as strict as tsconfig.json and maps the
 * package's public entry points (package.json `exports`) to the `src/` files they are built from.
 * One `tsc -b` process checks all four.
 *
 * A block that is deliberately not a whole program is marked by the line just before its fence:
 * `<!-- snippet: fragment -->` (invisible on GitHub). A fragment is compiled too and must NOT
 * compile (else the marker has rotted), and the number of fragments is pinned below, so a new
 * unchecked block takes a deliberate change here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docPages, ROOT as root } from '../helpers/docs.js';

/** Blocks marked `<!-- snippet: fragment -->`; change it together with the docs. */
const EXPECTED_FRAGMENTS = 0;

const FRAGMENT_MARKER = '<!-- snippet: fragment -->';

type Project = 'node' | 'worker' | 'deno' | 'bun';

interface Snippet {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  fragment: boolean;
  project: Project;
  /** The module's path relative to the temporary directory. */
  module: string;
}

function projectOf(code: string): Project {
  if (/\bDeno\./.test(code)) return 'deno';
  if (/\bBun\.|['"]bun:/.test(code)) return 'bun';
  if (
    /['"]mailhooks\/cloudflare['"]/.test(code) ||
    /\b(Env|MessageBatch|D1Database|ExecutionContext|Queue)\b/.test(code)
  ) {
    return 'worker';
  }
  return 'node';
}

/** Every ```ts / ```typescript block of `file`, with the line of its fence. */
function extract(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
  const snippets: Snippet[] = [];
  let open: { fence: string; line: number; ts: boolean; fragment: boolean } | undefined;
  let body: string[] = [];
  lines.forEach((text, index) => {
    if (!open) {
      const start = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
      if (!start) return;
      const language = (start[2] ?? '').toLowerCase();
      open = {
        fence: start[1] ?? '```',
        line: index + 1,
        ts: language === 'ts' || language === 'typescript',
        fragment: lines[index - 1]?.trim() === FRAGMENT_MARKER,
      };
      body = [];
      return;
    }
    const close = new RegExp(`^ {0,3}${open.fence[0]}{${open.fence.length},}\\s*$`);
    if (!close.test(text)) {
      body.push(text);
      return;
    }
    if (open.ts) {
      const code = `${body.join('\n')}\n`;
      const project = projectOf(code);
      const name = `${file.replaceAll('/', '__')}-${open.line}.ts`;
      snippets.push({
        file,
        line: open.line,
        code,
        fragment: open.fragment,
        project,
        module: `${project}/${name}`,
      });
    }
    open = undefined;
  });
  if (open) throw new Error(`${file}:${open.line}: the fence is never closed`);
  return snippets;
}

/** `mailhooks/<subpath>` → the `src/` file its `exports` entry is built from. */
function entryPoints(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string; default?: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [key, target] of Object.entries(pkg.exports)) {
    const built = typeof target === 'string' ? target : (target.types ?? target.default);
    const match = built && /^\.\/dist\/(.+?)(\.d)?\.js$|^\.\/dist\/(.+?)\.d\.ts$/.exec(built);
    if (!match) continue; // ./package.json
    const source = join(root, 'src', `${match[1] ?? match[3]}.ts`);
    paths[key === '.' ? 'mailhooks' : `mailhooks/${key.slice(2)}`] = [source];
  }
  return paths;
}

/** The repository's tsconfig.json strictness, for a project of snippets. */
function tsconfig(project: Project, files: string[], paths: Record<string, string[]>) {
  const environment = {
    node: { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'] },
    worker: { lib: ['ES2022'], types: ['@cloudflare/workers-types'] },
    deno: { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] },
    bun: { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] },
  }[project];
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      moduleDetection: 'force',
      ...environment,
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      noEmit: true,
      paths,
    },
    files,
  };
}

/** Just what the README's Deno and Bun servers and the SQLite store use, so tsc needs no runtime types. */
const AMBIENT: Partial<Record<Project, string>> = {
  deno: `declare namespace Deno {
  interface ServeOptions { port?: number; hostname?: string; signal?: AbortSignal }
  function serve(
    options: ServeOptions,
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
}
`,
  bun: `declare namespace Bun {
  function serve(options: {
    port?: number;
    hostname?: string;
    fetch(request: Request): Response | Promise<Response>;
  }): { stop(): void };
}
declare module 'bun:sqlite' {
  export class Database {
    constructor(path: string);
    prepare(sql: string): { all(...params: (string | number | null)[]): unknown[] };
    exec(sql: string): void;
  }
}
`,
};

interface Diagnostic {
  module: string;
  /** 1-based line in the module, when tsc named one. */
  line?: number;
  text: string;
}

/** `tsc -b` with `--pretty false`: `path(line,col): error TSnnnn: message`, then indented lines. */
function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const text of output.split(/\r?\n/)) {
    const head = /^(.+?)\((\d+),\d+\): (error .*)$/.exec(text);
    if (head) {
      diagnostics.push({ module: head[1] ?? '', line: Number(head[2]), text: head[3] ?? '' });
    } else if (/^\s/.test(text) && diagnostics.length > 0) {
      const last = diagnostics[diagnostics.length - 1];
      if (last) last.text += `\n  ${text.trim()}`;
    } else if (text.trim()) {
      diagnostics.push({ module: '', text: text.trim() });
    }
  }
  return diagnostics;
}

const snippets = docPages().flatMap(extract);
const directory = mkdtempSync(join(tmpdir(), 'mailhooks-snippets-'));
let diagnostics: Diagnostic[] = [];

beforeAll(async () => {
  // Snippets import npm packages (standardwebhooks, the Workers types) the way a reader would.
  symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'), 'dir');
  const paths = entryPoints();
  const projects = [...new Set(snippets.map((snippet) => snippet.project))].sort();
  for (const project of projects) {
    mkdirSync(join(directory, project));
    const files = snippets
      .filter((snippet) => snippet.project === project)
      .map((snippet) => {
        writeFileSync(join(directory, snippet.module), snippet.code);
        return snippet.module.slice(project.length + 1);
      });
    const ambient = AMBIENT[project];
    if (ambient) {
      writeFileSync(join(directory, project, 'ambient.d.ts'), ambient);
      files.push('ambient.d.ts');
    }
    writeFileSync(
      join(directory, project, 'tsconfig.json'),
      JSON.stringify(tsconfig(project, files, paths), null, 2),
    );
  }
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const output = await new Promise<string>((done) => {
    execFile(
      process.execPath,
      [tsc, '-b', ...projects, '--pretty', 'false'],
      { cwd: directory, maxBuffer: 16 * 1024 * 1024 },
      // A tsc that cannot start leaves its error as a diagnostic outside the blocks.
      (error, stdout, stderr) => done(`${stdout}${stderr}` || (error ? String(error) : '')),
    );
  });
  diagnostics = parseDiagnostics(output);
}, 60_000);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** `README.md:70 (block at line 56): error TS…` for a diagnostic inside a snippet. */
function describeDiagnostic(snippet: Snippet, diagnostic: Diagnostic): string {
  const at = diagnostic.line === undefined ? snippet.line : snippet.line + diagnostic.line;
  return `${snippet.file}:${at} (block at line ${snippet.line}): ${diagnostic.text}`;
}

describe('TypeScript blocks in the docs', () => {
  it('finds the blocks', () => {
    expect(snippets.length).toBeGreaterThan(0);
    expect(Object.keys(entryPoints()).sort()).toEqual(
      expect.arrayContaining([
        'mailhooks',
        'mailhooks/bun',
        'mailhooks/cloudflare',
        'mailhooks/deno',
        'mailhooks/env',
        'mailhooks/node',
        'mailhooks/receiver',
      ]),
    );
  });

  it('compiles every block that is not marked as a fragment', () => {
    const failures = snippets
      .filter((snippet) => !snippet.fragment)
      .flatMap((snippet) =>
        diagnostics
          .filter((diagnostic) => diagnostic.module === snippet.module)
          .map((diagnostic) => describeDiagnostic(snippet, diagnostic)),
      );
    expect(failures.join('\n\n')).toBe('');
  });

  it('reports nothing outside the blocks (the setup itself compiles)', () => {
    const modules = new Set(snippets.map((snippet) => snippet.module));
    const stray = diagnostics.filter((diagnostic) => !modules.has(diagnostic.module));
    expect(stray.map((d) => (d.module ? `${d.module}: ${d.text}` : d.text)).join('\n')).toBe('');
  });

  it('marks as fragments only blocks that do not compile, and counts them', () => {
    const fragments = snippets.filter((snippet) => snippet.fragment);
    const compiling = fragments
      .filter((snippet) => !diagnostics.some((diagnostic) => diagnostic.module === snippet.module))
      .map((snippet) => `${snippet.file}:${snippet.line} compiles: drop its ${FRAGMENT_MARKER}`);
    expect(compiling.join('\n')).toBe('');
    expect(
      fragments.map((snippet) => `${snippet.file}:${snippet.line}`),
      `update EXPECTED_FRAGMENTS in ${import.meta.filename}`,
    ).toHaveLength(EXPECTED_FRAGMENTS);
  });
});
