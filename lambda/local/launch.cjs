// `npm start` and `npm run batch|stream|stream:demo|monitor`: runs one local program as the build
// recipe (infra/bundling.ts) bundles it — .build/local/<name>.mjs, an ES module in chunks like the
// Lambda asset — so what a user runs is what the tests run. The bundles are rebuilt (~1 s) only when
// a file they were built from changed or is gone; otherwise start-up is just Node loading the bundle.
// Plain CommonJS on purpose: this file runs before anything could be compiled.
'use strict';
const { existsSync, mkdirSync, readFileSync, rmSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = resolve(__dirname, '..', '..');
const OUTDIR = join(ROOT, '.build', 'local');
const INPUTS = join(OUTDIR, 'inputs.json');
const LOCK = join(ROOT, '.build', 'local.lock');
/** A lock older than this was left by a builder that died; a build takes a few seconds. */
const STALE_LOCK_MS = 120_000;

/** True when the bundles must be (re)built: never built, or a source is newer or gone. */
function isStale() {
  if (!existsSync(INPUTS)) return true;
  const builtAt = statSync(INPUTS).mtimeMs;
  const inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  return inputs.some((file) => !existsSync(join(ROOT, file)) || statSync(join(ROOT, file)).mtimeMs > builtAt);
}

/** Blocks this thread for `ms` (start-up has nothing else to do meanwhile). */
function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `build` holding a directory lock, so that programs started together (a test suite, a
 * cluster) build once and never read a half-written bundle; the others wait, then find it fresh.
 */
function withBuildLock(build) {
  mkdirSync(join(ROOT, '.build'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else sleep(100);
    }
  }
  try {
    if (isStale()) build();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds the local programs with the one recipe (TypeScript, loaded through tsx only when a build is due). */
function buildLocalPrograms() {
  const { require: requireTs } = require('tsx/cjs/api');
  requireTs('../../infra/bundling.ts', __filename).buildLocalPrograms(OUTDIR);
}

/** Makes sure `.build/local` is current and returns the path of program `name`'s bundle. */
function ensureBuilt(name) {
  if (isStale()) withBuildLock(buildLocalPrograms);
  const bundle = join(OUTDIR, `${name}.mjs`);
  if (!existsSync(bundle)) {
    process.stderr.write(`no local program '${name}' (see LOCAL_ENTRIES in infra/bundling.ts)\n`);
    process.exit(2);
  }
  return bundle;
}

/**
 * Node's compile cache (Node 22.1+) in .build/compile-cache: the first run of a program writes
 * the V8 bytecode of the modules it ran (when it exits), later runs read it instead of compiling
 * them again, a rebuilt bundle's changed chunks are compiled and cached anew. Cluster workers,
 * forked with this environment, share it.
 */
function useCompileCache() {
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache !== 'function') return;
  const directory = join(ROOT, '.build', 'compile-cache');
  process.env.NODE_COMPILE_CACHE ??= directory;
  enableCompileCache(process.env.NODE_COMPILE_CACHE);
}

module.exports = { ensureBuilt, isStale, OUTDIR };

if (require.main === module) {
  // onnxruntime-node reports telemetry to Microsoft (a device id under ~/.cache, a log in /tmp, uploads)
  // unless told not to; the programs and their cluster workers inherit this.
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  const [name = 'server', ...args] = process.argv.slice(2);
  const bundle = ensureBuilt(name);
  useCompileCache();
  // The program sees itself as the main script with its own arguments; cluster workers fork it directly.
  process.argv = [process.argv[0], bundle, ...args];
  // The programs handle their own mistakes (lambda/local/cli.ts); this catches what fails while a
  // bundle loads. A configuration mistake (ConfigError, code INVALID_CONFIG) is the user's to fix:
  // exit 2, as the programs do. Either way one line, no stack trace.
  import(pathToFileURL(bundle).href).catch((error) => {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error?.code === 'INVALID_CONFIG' ? 2 : 1);
  });
}
