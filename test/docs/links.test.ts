/**
 * Every link between the docs leads somewhere: each relative link of the README and the docs/
 * pages names a file of the repository and, with `#anchor`, a heading of that page; the pages
 * the code and the config point at (`see docs/providers/scaleway.md`) exist. And the README fits
 * on npm's package page, which cuts a README past 64 KB.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docPages, headingAnchors, ROOT, relativeLinks } from '../helpers/docs.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('links between the docs', () => {
  it.each(docPages())('%s: every relative link names a file, and a heading of it', (page) => {
    const broken = relativeLinks(page)
      .filter(({ target, anchor }) => {
        if (!existsSync(join(ROOT, target))) return true;
        return anchor !== undefined && !headingAnchors(read(target)).has(anchor);
      })
      .map((link) => link.text);
    expect(broken).toEqual([]);
  });

  it('finds the anchors GitHub gives the headings, and none inside code blocks', () => {
    const anchors = headingAnchors(read('README.md'));
    expect(anchors).toContain('the-normalized-event-emailtrackingcontext');
    expect(anchors).toContain('environment-variables');
    expect([...anchors].filter((anchor) => anchor.startsWith('ok'))).toEqual([]);
  });

  it('the pages named in src/, examples/, package.json and wrangler.toml exist', () => {
    const files = ['src', 'examples']
      .flatMap((dir) =>
        readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((name) =>
          join(dir, name),
        ),
      )
      .filter((file) => /\.(ts|json)$/.test(file))
      .concat('package.json', 'wrangler.toml');
    const named = files.flatMap((file) =>
      [...read(file).matchAll(/\bdocs\/[\w/.-]+\.md/g)].map((match) => `${file}: ${match[0]}`),
    );
    expect(named).toContain('src/providers/scaleway/index.ts: docs/providers/scaleway.md');
    expect(named.filter((entry) => !existsSync(join(ROOT, entry.split(': ')[1] ?? '')))).toEqual(
      [],
    );
  });
});

describe('the README on npm', () => {
  it('is under 60,000 bytes, so npm shows it whole (it cuts a README past 64 KB)', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThan(60_000);
  });
});
