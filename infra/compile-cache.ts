import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';

/**
 * A V8 code cache shipped in the Lambda asset, so that a cold start deserializes the bytecode of
 * the modules it loads instead of parsing and compiling them (Node's compile cache,
 * `module.enableCompileCache`). Built by running the asset once, at build time, on the Node
 * binary Lambda runs (the npm package node-linux-<arch>, the template's major), answering a
 * health check and a prediction from the shipped models on disk; lambda/compile-cache.ts points
 * Node at it at run time.
 *
 * Node names a cache entry after the CRC32 of the module's type and its absolute file name (the
 * `file://` URL of an ES module, the path of a CommonJS one); the entry files hold no path. So the
 * asset ships its entries under neutral names with a manifest of the modules they belong to
 * ({@link CompileCacheManifest}), and the runtime links them under the names Node computes for
 * wherever the asset is (/var/task in Lambda, a staging directory in tests). V8 checks each entry
 * (its version and flags, the source's hash) and compiles normally when one does not fit, so a
 * cache from another Node patch release costs nothing but its benefit.
 */

/** The asset's directory of cache entries (lambda/compile-cache.ts reads it). */
export const COMPILE_CACHE_DIR = 'compile-cache';

/** `compile-cache/modules.json`: which module (path in the asset) each entry file is for. */
export interface CompileCacheManifest {
  readonly entries: ReadonlyArray<{ readonly module: string; readonly type: number; readonly file: string }>;
}

/** Node's CachedCodeType: the first byte of every cache key. */
const MODULE_TYPE = { commonJs: 0, esm: 1 } as const;

const WARMUP_SCRIPT = join(__dirname, 'compile-cache-warmup.mjs');

/** The Node binary Lambda would run for `nodeArch`, when this machine can run it. */
export function lambdaNodeFor(projectRoot: string, nodeArch: 'x64' | 'arm64'): string | undefined {
  const binary = join(projectRoot, 'node_modules', `node-linux-${nodeArch}`, 'bin', 'node');
  return process.platform === 'linux' && process.arch === nodeArch && existsSync(binary) ? binary : undefined;
}

/**
 * Writes `<assetDir>/compile-cache/` for the asset in `assetDir` by running it once with `node`
 * (see the module comment), its models taken from `models` (`name=path,...`). Returns how many
 * entries it wrote. Throws when the warm-up run fails: an asset that cannot answer a health check
 * and a prediction from its own models must not ship.
 */
export function writeCompileCache(assetDir: string, node: string, models: string): number {
  const scratch = mkdtempSync(join(tmpdir(), 'asset-compile-cache-'));
  try {
    const run = spawnSync(node, [WARMUP_SCRIPT, assetDir], {
      cwd: assetDir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_COMPILE_CACHE: scratch,
        MODELS: models,
        ORT_DISABLE_TELEMETRY: '1',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_REGION: 'us-east-1',
      },
    });
    if (run.status !== 0)
      throw new Error(`the asset's compile cache warm-up failed (${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const [tag] = readdirSync(scratch);
    if (!tag) return 0;
    const written = join(scratch, tag);
    const target = join(assetDir, COMPILE_CACHE_DIR);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    const entries: Array<CompileCacheManifest['entries'][number]> = [];
    for (const file of moduleFiles(assetDir).sort()) {
      const type = file.endsWith('.mjs') ? MODULE_TYPE.esm : MODULE_TYPE.commonJs;
      const entry = join(written, cacheKey(type, nameOf(type, file)));
      if (!existsSync(entry)) continue;
      const name = String(entries.length);
      renameSync(entry, join(target, name));
      entries.push({ module: relative(assetDir, file), type, file: name });
    }
    writeFileSync(join(target, 'modules.json'), JSON.stringify({ entries } satisfies CompileCacheManifest));
    return entries.length;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The name Node keys a module by: the file URL of an ES module, the path of a CommonJS one. */
function nameOf(type: number, path: string): string {
  return type === MODULE_TYPE.esm ? pathToFileURL(path).href : path;
}

/** Node's cache file name for a module: CRC32 of its type byte then its name, 8 hex digits (lambda/compile-cache.ts computes the same). */
function cacheKey(type: number, name: string): string {
  return crc32(name, crc32(Buffer.from([type])))
    .toString(16)
    .padStart(8, '0');
}

/** Every JavaScript module file of the asset. */
function moduleFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...moduleFiles(path));
    else if (/\.(mjs|cjs|js)$/.test(name)) files.push(path);
  }
  return files;
}
