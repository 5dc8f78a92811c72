import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The project files a source imports (relative specifiers only), as paths from the repo root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1] as string);
  return specifiers.map((s) => relative(root, resolve(root, dirname(file), s)));
}

describe('the generator and training code', () => {
  it('keeps runtime code (lambda/) free of imports of training code (models/training/)', () => {
    const offenders = sources('lambda').flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('models/'))
        .map((target) => `${file} → ${target}`),
    );

    expect(offenders).toEqual([]);
  });

  it('gives the synthetic trip generator no import loop and no import of the serving paths', () => {
    const files = sources('lambda/local/synthetic');
    const graph = new Map(files.map((f) => [f.replace(/\.ts$/, ''), importsOf(f)]));
    const visiting = new Set<string>();
    const done = new Set<string>();
    const loops: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (done.has(node) || !graph.has(node)) return;
      if (visiting.has(node)) return void loops.push([...path, node].join(' → '));
      visiting.add(node);
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      visiting.delete(node);
      done.add(node);
    };
    for (const node of graph.keys()) visit(node, []);

    expect(loops).toEqual([]);
    const serving = [...graph.values()]
      .flat()
      .filter(
        (t) =>
          /^lambda\/(protocols\/(http|kinesis|monitor)|serving|rides|model|repository|observability\/capture|monitoring)\//.test(t) ||
          t === 'lambda/protocols/batch/batch-handler' ||
          /^lambda\/local\/(?!synthetic\/)/.test(t) ||
          t === 'lambda/handler',
      );
    expect(serving).toEqual([]);
  });

  it('trains from the generator in lambda/local/synthetic, its one home', () => {
    const trainImports = importsOf('models/training/train.ts');

    expect(trainImports).toContain('lambda/local/synthetic/synthetic-trips');
    expect(sources('models/training').some((f) => /synthetic|trip-file/.test(f))).toBe(false);
  });
});
