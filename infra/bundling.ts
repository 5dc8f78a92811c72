import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';
import type { PredictSettings } from './settings';

const PROJECT_ROOT = resolve(__dirname, '..');

/** Node's name (process.arch) for a Lambda architecture: the onnxruntime binary directory. */
export function nodeArch(architecture: PredictSettings['architecture']): 'x64' | 'arm64' {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

/**
 * What of onnxruntime-node the function needs at run time, relative to node_modules: its
 * JavaScript, the one native binary for the target platform, and onnxruntime-common (which
 * its dist requires). The npm package holds ~290 MB of binaries for every platform; Lambda
 * allows 250 MB unzipped, so copying the package whole would not even deploy.
 */
export function onnxRuntimeFiles(architecture: PredictSettings['architecture']): string[] {
  return [
    'onnxruntime-node/package.json',
    'onnxruntime-node/dist',
    `onnxruntime-node/bin/napi-v6/linux/${nodeArch(architecture)}`,
    'onnxruntime-common/package.json',
    'onnxruntime-common/dist/cjs',
  ];
}

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
 * esbuild settings for the one Lambda asset (lambda/lambda-init.mts → index.mjs plus chunks/).
 *
 * - ES module output with code splitting: each `import()` in the source (the Kinesis, batch and
 *   monitor adapters, the OpenAPI builder, the MLmodel parser) becomes a chunk of its own that
 *   Node reads and compiles only when that code first runs. A cold start answering HTTP compiles
 *   ~0.8 MB instead of the ~3 MB one CommonJS file held (BENCHMARKS.md, Lambda cold start).
 * - The packages' ES builds (`module` before `main`): esbuild tree-shakes them (the S3 client
 *   keeps the commands it uses, not all ~100 with their schemas).
 * - The AWS SDK bundled at the version the tests ran (not the runtime's); onnxruntime-node kept
 *   external and copied in by {@link bundlePredictAsset}.
 * - Minified; a source map ships beside each file (no sources content) for
 *   NODE_OPTIONS=--enable-source-maps when debugging.
 */
export function assetBuildOptions(outdir: string): BuildOptions {
  return {
    entryPoints: { index: resolve(PROJECT_ROOT, 'lambda', 'lambda-init.mts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['onnxruntime-node'],
    banner: { js: ESM_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  };
}

/** Builds the asset into `outdir`: the bundle, then the onnxruntime files it needs (real files, not links). */
export function bundlePredictAsset(outdir: string, architecture: PredictSettings['architecture']): void {
  buildSync(assetBuildOptions(outdir));
  for (const file of onnxRuntimeFiles(architecture)) {
    const to = join(outdir, 'node_modules', file);
    mkdirSync(dirname(to), { recursive: true });
    // dereference: node_modules may be a symlink (worktrees); the asset must hold real files.
    cpSync(join(PROJECT_ROOT, 'node_modules', file), to, { recursive: true, dereference: true });
  }
}

/**
 * The function's code: {@link bundlePredictAsset} run locally at synth (no Docker), hashed by its
 * output. CDK's NodejsFunction cannot split code (it passes esbuild one --outfile), so the asset
 * is built here; the image is only CDK's required fallback and is never pulled, because local
 * bundling always succeeds or throws.
 */
export function predictCode(architecture: PredictSettings['architecture']): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundlePredictAsset(outputDir, architecture);
          return true;
        },
      },
    },
  });
}
