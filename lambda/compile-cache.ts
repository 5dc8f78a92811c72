import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';

/** `compile-cache/modules.json` as infra/compile-cache.ts writes it. */
interface Manifest {
  entries: Array<{ module: string; type: number; file: string }>;
}

const ESM = 1;

/**
 * Points Node's compile cache at the V8 code cache the build shipped in the asset
 * (infra/compile-cache.ts), so the cold start deserializes bytecode instead of compiling the
 * modules it loads. Call it before importing them. Node looks up an entry under
 * `<directory>/<node version>-<arch>-<V8 cache tag>-<uid>/<CRC32 of the module's type and
 * absolute name>`; the asset ships its entries under neutral names, so each is linked here
 * (in /tmp, the one writable place in Lambda) under the name Node computes for this asset's
 * location. Does nothing without a shipped cache or on a Node without a compile cache; V8 rejects
 * (and then compiles) any entry made by another V8 or for other source.
 *
 * @example useShippedCompileCache(dirname(fileURLToPath(import.meta.url)));
 */
export function useShippedCompileCache(assetDir: string): void {
  // Required, and checked: both exist from Node 22.1 and 22.2 only (an import of a missing name would fail to link).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { enableCompileCache } = require('node:module') as { enableCompileCache?: (directory: string) => unknown };
  const { crc32 } = require('node:zlib') as { crc32?: (data: string | Uint8Array, value?: number) => number };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const shipped = join(assetDir, 'compile-cache');
  if (typeof enableCompileCache !== 'function' || typeof crc32 !== 'function' || !existsSync(shipped)) return;
  try {
    const { entries } = JSON.parse(readFileSync(join(shipped, 'modules.json'), 'utf8')) as Manifest;
    const root = join(tmpdir(), 'node-compile-cache');
    const tagged = join(root, versionTag());
    mkdirSync(tagged, { recursive: true });
    for (const entry of entries) {
      const path = join(assetDir, entry.module);
      const key = crc32(entry.type === ESM ? pathToFileURL(path).href : path, crc32(Buffer.from([entry.type])));
      link(join(shipped, entry.file), join(tagged, key.toString(16).padStart(8, '0')));
    }
    enableCompileCache(root);
  } catch {
    // A cache is an optimisation: without it the modules compile as they always did.
  }
}

/** Links `name` to `target`, replacing what an earlier process left there (Lambda keeps /tmp across inits). */
function link(target: string, name: string): void {
  try {
    symlinkSync(target, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return;
    rmSync(name, { force: true });
    try {
      symlinkSync(target, name);
    } catch {
      // Another process linked it meanwhile.
    }
  }
}

/** The subdirectory Node's compile cache uses: `v22.23.5-x64-9ac5647c-993`. */
function versionTag(): string {
  const uid = typeof process.getuid === 'function' ? `-${process.getuid()}` : '';
  return `${process.version}-${process.arch}-${cachedDataVersionTag().toString(16).padStart(8, '0')}${uid}`;
}
