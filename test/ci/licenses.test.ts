import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { declaredLicense, isPermissive, PERMISSIVE_LICENSES } from '../../.ci/license-policy';

describe('isPermissive', () => {
  it('accepts permissive ids and expressions where we may choose a permissive side', () => {
    for (const expression of ['MIT', 'Apache-2.0', '(MIT OR CC0-1.0)', 'Apache-2.0 AND MIT', 'GPL-3.0-only OR MIT', 'Apache-2.0 WITH LLVM-exception']) {
      expect(isPermissive(expression)).toBe(true);
    }
  });

  it('refuses copyleft, unknown, custom and malformed license texts', () => {
    for (const expression of [
      'GPL-3.0-only',
      'AGPL-3.0',
      'MIT AND GPL-2.0',
      'SEE LICENSE IN LICENSE.md',
      'UNLICENSED',
      'CC-BY-4.0',
      '',
      '(MIT',
      'MIT OR',
      'OR MIT',
    ]) {
      expect(isPermissive(expression)).toBe(false);
    }
  });

  it('evaluates generated AND/OR expressions as boolean logic over the allow-list', () => {
    const allowed = [...PERMISSIVE_LICENSES];
    const license = fc.oneof(
      fc.constantFrom(...allowed).map((id) => ({ text: id, ok: true })),
      fc.constantFrom('GPL-3.0-only', 'LGPL-2.1', 'SSPL-1.0', 'CC-BY-4.0').map((id) => ({ text: id, ok: false })),
    );
    const { expression } = fc.letrec<{ expression: { text: string; ok: boolean } }>((tie) => ({
      expression: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        license,
        fc.tuple(tie('expression'), fc.constantFrom('AND', 'OR'), tie('expression')).map(([a, op, b]) => ({
          text: `(${a.text} ${op} ${b.text})`,
          ok: op === 'AND' ? a.ok && b.ok : a.ok || b.ok,
        })),
      ),
    }));
    fc.assert(fc.property(expression, ({ text, ok }) => isPermissive(text) === ok));
  });
});

describe('declaredLicense', () => {
  it('reads the SPDX field, the legacy object and the legacy list', () => {
    expect(declaredLicense({ license: 'ISC' })).toBe('ISC');
    expect(declaredLicense({ license: { type: 'MIT' } })).toBe('MIT');
    expect(declaredLicense({ licenses: [{ type: 'MIT', url: 'http://www.opensource.org/licenses/mit-license.php' }] })).toBe('MIT');
    expect(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'GPL-2.0' }] })).toBe('(MIT OR GPL-2.0)');
    expect(declaredLicense({})).toBeUndefined();
  });
});

describe('npm run licenses (the check over an SBOM)', () => {
  const root = resolve(__dirname, '..', '..');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sbom-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs .ci/check-licenses.ts over an SBOM listing `components`. */
  function check(components: Array<{ name: string; version: string }>) {
    const path = join(dir, `${components.map((c) => c.name.replace('/', '_')).join('-')}.cdx.json`);
    writeFileSync(path, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components }));
    return spawnSync(process.execPath, [require.resolve('tsx/cli'), join(root, '.ci', 'check-licenses.ts'), path], { encoding: 'utf8' });
  }

  it('passes installed packages with permissive licenses, read from their package.json', () => {
    const zod = require('zod/package.json') as { version: string };
    const result = check([{ name: 'zod', version: zod.version }]);

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/1 {2}MIT\n/);
  });

  it('fails naming a package whose license is not permissive, and one not installed as locked', () => {
    const caniuse = require('caniuse-lite/package.json') as { version: string };
    const result = check([
      { name: 'caniuse-lite', version: caniuse.version },
      { name: 'zod', version: '0.0.1' },
    ]);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`caniuse-lite@${caniuse.version}: CC-BY-4.0 is not on the permissive list`);
    expect(result.stderr).toContain('zod@0.0.1: not installed as the lockfile says');
  });
});
