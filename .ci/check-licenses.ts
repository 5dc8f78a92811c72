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
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };

/** Where npm installed name@version: the lockfile knows the (possibly nested) path. */
function installedPath({ name, version }: Component): string | undefined {
  const key = Object.keys(lock.packages).find((path) => (path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`)) && lock.packages[path]?.version === version);
  return key === undefined ? undefined : join(root, key);
}

const counts = new Map<string, number>();
const failures: string[] = [];
for (const component of sbom.components) {
  const id = `${component.name}@${component.version}`;
  const path = installedPath(component);
  const manifestPath = path && join(path, 'package.json');
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
