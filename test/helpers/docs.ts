/** The Markdown pages the docs tests read: the README and every page under docs/, with their links and headings. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** `README.md` and every `docs/**\/*.md`, relative to the repository root, sorted. */
export function docPages(): string[] {
  const pages = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => posix.join('docs', name.split('\\').join('/')))
    .sort();
  return ['README.md', ...pages];
}

/** The lines of a page outside its fenced code blocks (a `# comment` in a sh block is no heading). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split(/\r?\n/).filter((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
      return false;
    }
    return !fence;
  });
}

/** The anchors GitHub (and npm) give a page's headings: `## The \`mailhooks\` command` → `the-mailhooks-command`. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6} +(.+?) *#* *$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replaceAll(' ', '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

export interface DocLink {
  /** The target page relative to the repository root (the page itself for `#anchor`). */
  target: string;
  anchor: string | undefined;
  /** As written, for messages. */
  text: string;
}

/** The relative links `[…](…)` of a page outside its code blocks; web links are left out. */
export function relativeLinks(page: string): DocLink[] {
  const prose = proseLines(readFileSync(join(ROOT, page), 'utf8')).join('\n');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((text) => !/^[a-z]+:/i.test(text))
    .map((text) => {
      const [path = '', anchor] = text.split('#');
      const target = path === '' ? page : posix.normalize(posix.join(posix.dirname(page), path));
      return { target, anchor, text };
    });
}
