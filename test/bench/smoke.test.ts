import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCHES } from '../../bench/registry';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * The benchmark suite end to end at toy sizes (`npm run bench -- --smoke`): it must run every
 * section and write a complete report and chart. The numbers are meaningless and not checked;
 * speed is measured by `npm run bench`, never by tests.
 */
describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  let report = '';
  let chart = '';

  beforeAll(async () => {
    await exec(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), '--smoke', '--out', join(dir, 'BENCHMARKS.md'), '--work', join(dir, 'work')],
      {
        cwd: ROOT,
        timeout: 240_000,
        maxBuffer: 16 << 20,
      },
    );
    report = readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8');
    chart = readFileSync(join(dir, 'http.svg'), 'utf8');
  }, 250_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a section for every registered benchmark, saying why when one could not run', () => {
    for (const bench of BENCHES) expect(report).toContain(`## ${bench.title.split(':')[0]}`);
    expect(report).not.toMatch(/Not measured: it failed/);
  });

  it('checks each target with a measured value and a verdict', () => {
    const targets = report.slice(report.indexOf('## Targets'), report.indexOf('## Machine'));

    for (const name of ['model call, 1 ride', 'npm start → first prediction', 'HTTP, 1 connection: p50']) {
      expect(targets).toMatch(new RegExp(`\\| ${name}[^|]*\\| [^|]+ \\| [\\d.,]+ (µs|ms)[^|]* \\| (yes|\\*\\*no\\*\\*) \\|`));
    }
  });

  it('confirms both services answer the probe rides as their own models predict before loading them', () => {
    expect(report).toMatch(/ours returned exactly what its model predicts in process/);
    if (report.includes("the course's stack is not installed")) return; // peer-less machine: ours alone, said so
    expect(report).toMatch(/the course's returned what its pickled model predicts in process/);
  });

  it('draws the req/s and p99 chart from the measured points', () => {
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart).toContain('ours, 1 process');
    expect(chart.match(/<polyline/g)?.length).toBeGreaterThanOrEqual(2);
    expect(report).toContain('](http.svg)');
  });
});
