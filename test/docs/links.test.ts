import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../support/local-programs';

/**
 * Every relative link in README.md and docs/*.md (and BENCHMARKS.md) leads somewhere: the file
 * exists, and an anchor names a heading of that file (GitHub's slugs). Every repository path a
 * page names in backticks (`lambda/…`, `test/…`, `infra/…`, `bench/…`, `models/…`) exists, so a
 * moved file cannot leave a page pointing at nothing.
 */
const PAGES = ['README.md', 'BENCHMARKS.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The page without its fenced code blocks (a `[x](y)` inside code is not a link). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(page: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(readFileSync(join(ROOT, page), 'utf8')).matchAll(/^#{1,6} (.*)$/gm)) {
    const base = slug(heading as string);
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

const links = PAGES.flatMap((page) =>
  [...prose(readFileSync(join(ROOT, page), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => ({ page, target })),
);

/** Paths a page tells the reader to create (own-model.md's recipe writes its fare model there). */
const WRITTEN_BY_THE_READER = ['models/fare/'];

const PATH = /`((?:lambda|test|infra|bench|models)\/[A-Za-z0-9_./-]+)`/g;
const paths = PAGES.flatMap((page) =>
  [...readFileSync(join(ROOT, page), 'utf8').matchAll(PATH)]
    .map((match) => (match[1] as string).replace(/[.:]$/, ''))
    .filter((path) => !/[*<>]/.test(path) && !WRITTEN_BY_THE_READER.some((prefix) => path.startsWith(prefix)))
    .map((path) => ({ page, path })),
);

describe('links and paths in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/configuration.md']));
    expect(links.length).toBeGreaterThan(50);
  });

  it.each(links.map(({ page, target }) => [page, target] as const))('%s → %s resolves', (page, target) => {
    const [file, anchor] = target.split('#') as [string, string | undefined];
    const resolved = file === '' ? page : relative(ROOT, join(ROOT, dirname(page), file));

    expect({ target, exists: existsSync(join(ROOT, resolved)) }).toEqual({ target, exists: true });
    if (anchor !== undefined) expect({ target, anchors: [...anchorsOf(resolved)] }).toEqual({ target, anchors: expect.arrayContaining([anchor]) });
  });

  it('names only repository paths that exist', () => {
    const missing = paths.filter(({ path }) => !existsSync(join(ROOT, path)));

    expect(missing).toEqual([]);
  });
});
