// `npm start`: runs lambda/local/server.ts as one prebuilt JavaScript bundle instead of through
// tsx, whose on-the-fly TypeScript transform costs more start-up than the server itself. The
// bundle (.build/server.js, git-ignored) is rebuilt by esbuild (~0.3 s) only when a file it was
// built from changed, was removed, or esbuild's inputs list is missing; otherwise it is reused.
// Plain CommonJS on purpose: this file runs before anything could be compiled.
'use strict';
const { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..', '..');

/**
 * True when `bundle` must be (re)built: it or its inputs list is missing, or an input is newer.
 * @param {string} bundle @param {string} inputsFile
 */
function isStale(bundle, inputsFile) {
  if (!existsSync(bundle) || !existsSync(inputsFile)) return true;
  const builtAt = statSync(bundle).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  return inputs.some((file) => !existsSync(join(ROOT, file)) || statSync(join(ROOT, file)).mtimeMs > builtAt);
}

/**
 * Bundles `entry` into `bundle` the way the Lambda asset is built (CommonJS, node's ES builds of
 * packages, onnxruntime-node external), recording the project files it was built from.
 * @param {string} entry @param {string} bundle @param {string} inputsFile
 */
function buildBundle(entry, bundle, inputsFile) {
  const { buildSync } = require('esbuild');
  mkdirSync(join(bundle, '..'), { recursive: true });
  const result = buildSync({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: ['onnxruntime-node'],
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  writeFileSync(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/') && !file.includes('/node_modules/'))));
}

/**
 * Ensures `entry`'s bundle under .build/ is current and returns its path.
 * @param {string} entry path relative to the repository root
 */
function ensureBundle(entry) {
  const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
  const bundle = join(ROOT, '.build', `${name}.js`);
  const inputsFile = join(ROOT, '.build', `${name}.inputs.json`);
  if (isStale(bundle, inputsFile)) buildBundle(join(ROOT, entry), bundle, inputsFile);
  return bundle;
}

module.exports = { ensureBundle, isStale };

if (require.main === module) {
  // No source maps at run time: applying the bundle's 4.8 MB map costs ~60 ms of every start
  // (BENCHMARKS.md, cold start). The bundle is not minified, so a stack trace still names the
  // functions; NODE_OPTIONS=--enable-source-maps npm start maps it back to the TypeScript.
  // Run the bundle as the main module (its `require.main === module` starts the server); cluster
  // workers are forked from process.argv[1], so they run the bundle directly.
  process.argv[1] = ensureBundle('lambda/local/server.ts');
  require('node:module').runMain();
}
