import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UnsafeLazyImportError, buildBundles } from '../../infra/bundling';
import { scratchDirectory } from '../support/trip-fixtures';

const dir = scratchDirectory();
afterAll(() => dir.remove());

/**
 * The build recipe's guard against the defect that once broke every OneHotEncoder model in the
 * shipped artifacts while jest passed: an import() of a CommonJS package (onnx-proto) has only
 * `default` in an ES-module bundle.
 */
describe('the build recipe (infra/bundling.ts)', () => {
  it('refuses a bundle in which code import()s a CommonJS package, naming it', () => {
    expect(() => buildBundles({ lazy: 'test/fixtures/bundling/lazy-commonjs.ts' }, join(dir.path, 'refused'))).toThrow(UnsafeLazyImportError);
    expect(() => buildBundles({ lazy: 'test/fixtures/bundling/lazy-commonjs.ts' }, join(dir.path, 'refused'))).toThrow(/onnx-proto/);
  });

  it('builds one in which a lazily imported project module imports that package statically', () => {
    buildBundles({ lazy: 'test/fixtures/bundling/lazy-project-module.ts' }, join(dir.path, 'built'));

    expect(existsSync(join(dir.path, 'built', 'lazy.mjs')) || existsSync(join(dir.path, 'built', 'lazy.js'))).toBe(true);
  });
});
