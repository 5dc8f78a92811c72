import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { SHIPPED_MODELS } from '../lambda/contract';
import { lambdaNodeFor, writeCompileCache } from './compile-cache';

/**
 * The one build recipe for everything that ships: the Lambda asset, the `npm start` server, the
 * CLIs (`npm run batch|stream|monitor`) and the container's server are all built by
 * {@link buildBundles} with the same esbuild options, so what a user runs anywhere is code of
 * the same shape: an ES module split into chunks. No CDK here (the CDK side is
 * infra/predict-code.ts), so the local launcher and the Dockerfile can use it without loading
 * aws-cdk-lib.
 */

export const PROJECT_ROOT = resolve(__dirname, '..');

/**
 * The Lambda asset's entries: lambda/entry.mts → index.mjs (handler `index.handler`), and the
 * canary's PreTraffic hook → pretraffic.mjs (handler `pretraffic.handler`). One asset, one build:
 * the hook shares the chunks it needs, and loads no model at init (index.mjs would fetch them all).
 */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = Object.freeze({ index: 'lambda/entry.mts', pretraffic: 'lambda/deploy-hook/entry.ts' });

/**
 * The local programs (never in the Lambda asset): each entry runs its program when executed,
 * `node .build/local/<name>.mjs [args]`. `npm start` and `npm run <name>` run them through
 * lambda/local/launch.cjs, which rebuilds them first when a source changed.
 */
export const LOCAL_ENTRIES: Readonly<Record<string, string>> = Object.freeze({
  server: 'lambda/local/main/server.ts',
  batch: 'lambda/local/main/batch.ts',
  stream: 'lambda/local/main/stream.ts',
  'stream-demo': 'lambda/local/main/stream-demo.ts',
  monitor: 'lambda/local/main/monitor.ts',
  'signed-request': 'lambda/local/main/signed-request.ts',
});

/**
 * Worker threads the bundled code starts (new Worker of a file beside the bundle), built into
 * every bundle of the recipe: onnx-worker.mjs hosts a model's onnxruntime session when models
 * are hot-swapped (lambda/model/runtimes/onnx/worker-onnx-model.ts finds it next to its chunk).
 */
export const WORKER_ENTRIES: Readonly<Record<string, string>> = Object.freeze({ 'onnx-worker': 'lambda/model/runtimes/onnx/onnx-worker.ts' });

/** Where the local programs are built (git-ignored). */
export const LOCAL_OUTDIR = join(PROJECT_ROOT, '.build', 'local');

/** Lambda architectures the asset can be built for. */
export type Architecture = 'x86_64' | 'arm64';

/** Node's name (process.arch) for a Lambda architecture: the onnxruntime binary directory. */
export function nodeArch(architecture: Architecture): 'x64' | 'arm64' {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

/**
 * What of onnxruntime-node a bundle needs beside it at run time, relative to node_modules: its
 * JavaScript, the one native binary for the target platform, and onnxruntime-common (which its
 * dist requires). The npm package holds ~290 MB of binaries for every platform; Lambda allows
 * 250 MB unzipped, so copying the package whole would not even deploy.
 */
export function onnxRuntimeFiles(architecture: Architecture): string[] {
  return [
    'onnxruntime-node/package.json',
    'onnxruntime-node/dist',
    `onnxruntime-node/bin/napi-v6/linux/${nodeArch(architecture)}`,
    'onnxruntime-common/package.json',
    'onnxruntime-common/dist/cjs',
  ];
}

/**
 * What of swagger-ui-dist `GET /docs` serves (lambda/protocols/http/docs/docs-page.ts reads them
 * on the page's first request, never at start), relative to node_modules: its script and
 * stylesheet, the package.json it is found by, and its license. The package's other 10 MB
 * (source maps, ES builds) stay out.
 */
export const DOCS_UI_FILES: readonly string[] = Object.freeze([
  'swagger-ui-dist/package.json',
  'swagger-ui-dist/swagger-ui-bundle.js',
  'swagger-ui-dist/swagger-ui.css',
  'swagger-ui-dist/LICENSE',
  'swagger-ui-dist/NOTICE',
]);

/**
 * Lets bundled CommonJS code run in an ES module: `require` (esbuild's shim calls it for node
 * built-ins and onnxruntime-node), `__filename` and `__dirname`. Prepended to every output file.
 */
const ESM_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  "import { dirname as __pathDirname } from 'node:path';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);',
].join('\n');

/**
 * The esbuild settings of every shipped bundle; only the entries and the output directory differ.
 *
 * - ES module output with code splitting: each `import()` in the source (the Kinesis, batch and
 *   monitor adapters, the OpenAPI builder, the MLmodel parser, the one-hot width reader) becomes
 *   a chunk of its own that Node reads and compiles only when that code first runs. A cold start
 *   answering HTTP compiles ~0.8 MB instead of the ~3 MB one CommonJS file held.
 * - The packages' ES builds (`module` before `main`): esbuild tree-shakes them.
 * - The AWS SDK bundled at the version the tests ran (not the runtime's); onnxruntime-node kept
 *   external (a native addon) and copied beside the bundle by {@link bundlePredictAsset}, or
 *   resolved from node_modules by the local programs.
 * - Minified; a source map ships beside each file (no sources content) for
 *   NODE_OPTIONS=--enable-source-maps when debugging.
 */
export function bundleOptions(entries: Readonly<Record<string, string>>, outdir: string): BuildOptions {
  return {
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, resolve(PROJECT_ROOT, path)])),
    absWorkingDir: PROJECT_ROOT,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    // onnxruntime-node is a native addon; kinesalite (npm run stream's local Kinesis, never in the
    // asset) loads its actions with require() of computed paths, which no bundler can follow.
    external: ['onnxruntime-node', 'kinesalite'],
    // vega's loader reaches tr46 (node-fetch → whatwg-url), which requires Node's own punycode:
    // deprecated since Node 21, it prints a DeprecationWarning on every monitor run. The npm
    // package is the same code without the warning (the trailing slash names the package).
    alias: { punycode: 'punycode/' },
    banner: { js: ESM_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  };
}

/** A bundle the recipe refuses to ship: a lazily imported module it cannot load correctly. */
export class UnsafeLazyImportError extends Error {
  override readonly name = 'UnsafeLazyImportError';
}

/**
 * Builds `entries` (and {@link WORKER_ENTRIES}) into `outdir` with {@link bundleOptions} and refuses the result when any
 * `import()` targets a CommonJS module. Node gives an ES module that imports CommonJS only
 * `default` (no named exports), so `const { onnx } = await import('onnx-proto')` works under
 * jest and tsx but reads `undefined` in the shipped bundle: that is how a OneHotEncoder model
 * once failed in every shipped artifact while every test passed. Project code imports packages
 * statically; laziness comes from `import()` of the project's own (ES) modules.
 */
export function buildBundles(entries: Readonly<Record<string, string>>, outdir: string): Metafile {
  const result = buildSync({ ...bundleOptions({ ...entries, ...WORKER_ENTRIES }, outdir), metafile: true });
  const unsafe = lazyImportsOfCommonJs(result.metafile);
  if (unsafe.length > 0) {
    throw new UnsafeLazyImportError(
      `import() of a CommonJS module only yields its default export in an ES module bundle; import it statically from a lazily imported project module instead: ${unsafe.join('; ')}`,
    );
  }
  return result.metafile;
}

/** `importer → imported` for every dynamic import whose target esbuild read as CommonJS. */
export function lazyImportsOfCommonJs(metafile: Metafile): string[] {
  const found: string[] = [];
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    for (const edge of input.imports) {
      if (edge.kind !== 'dynamic-import' || edge.external) continue;
      if (metafile.inputs[edge.path]?.format === 'cjs') found.push(`${importer} → ${edge.original ?? edge.path}`);
    }
  }
  return found;
}

/**
 * Builds the Lambda asset into `outdir`: the bundle, then the onnxruntime files it needs and the
 * API reference's files (real files, not links). The layout is Lambda's /var/task: index.mjs,
 * chunks/, node_modules/.
 *
 * The bundle is built in {@link ASSET_STAGING} and moved into `outdir`: a chunk's name is a hash
 * that covers its source map, whose paths are relative to where it was built, so building at one
 * fixed place gives the same chunk names for the same code wherever CDK stages the asset (tests
 * map the shipped chunks back to their sources by name).
 */
export function bundlePredictAsset(outdir: string, architecture: Architecture): Metafile {
  mkdirSync(dirname(ASSET_STAGING), { recursive: true });
  const staging = mkdtempSync(`${ASSET_STAGING}-`);
  try {
    const metafile = buildBundles(LAMBDA_ENTRIES, staging);
    mkdirSync(outdir, { recursive: true });
    cpSync(staging, outdir, { recursive: true });
    copyOnnxRuntime(outdir, architecture);
    copyDocsUi(outdir);
    // A V8 code cache for the cold start, when this machine can run the asset's Node (infra/compile-cache.ts).
    const node = lambdaNodeFor(PROJECT_ROOT, nodeArch(architecture));
    if (node) writeCompileCache(outdir, node, shippedModelsOnDisk());
    return metafile;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** MODELS for the shipped models as files of this checkout (the compile cache's warm-up run). */
function shippedModelsOnDisk(): string {
  return SHIPPED_MODELS.filter((model) => existsSync(join(PROJECT_ROOT, model.path)))
    .map((model) => `${model.name}=${join(PROJECT_ROOT, model.path)}`)
    .join(',');
}

/** Copies {@link onnxRuntimeFiles} for `architecture` into `outdir`/node_modules (real files, not links). */
export function copyOnnxRuntime(outdir: string, architecture: Architecture): void {
  copyModules(outdir, onnxRuntimeFiles(architecture));
}

/** Copies {@link DOCS_UI_FILES} into `outdir`/node_modules, where the bundle's `require.resolve` finds them. */
export function copyDocsUi(outdir: string): void {
  copyModules(outdir, DOCS_UI_FILES);
}

function copyModules(outdir: string, files: readonly string[]): void {
  for (const file of files) {
    const to = join(outdir, 'node_modules', file);
    mkdirSync(dirname(to), { recursive: true });
    // dereference: node_modules may be a symlink (worktrees); the asset must hold real files.
    cpSync(join(PROJECT_ROOT, 'node_modules', file), to, { recursive: true, dereference: true });
  }
}

/** Where {@link bundlePredictAsset} builds (a unique directory next to this path, same depth). */
export const ASSET_STAGING = join(PROJECT_ROOT, '.build', 'asset');

/**
 * Builds the local programs into `outdir` (default .build/local) and records the project files
 * they were built from (`inputs.json`, read by lambda/local/launch.cjs to tell a stale build).
 */
export function buildLocalPrograms(outdir = LOCAL_OUTDIR): Metafile {
  const metafile = buildBundles(LOCAL_ENTRIES, outdir);
  const inputs = Object.keys(metafile.inputs).filter((file) => !file.includes('node_modules/'));
  // The recipe itself is an input: changing an option must rebuild.
  inputs.push(relative(PROJECT_ROOT, __filename));
  writeFileSync(join(outdir, 'inputs.json'), JSON.stringify(inputs));
  return metafile;
}
