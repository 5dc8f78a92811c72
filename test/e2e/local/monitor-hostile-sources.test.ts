import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_PATH } from '../../support/fixtures';
import { writeOnePageBatchOutput } from '../../support/crafted-parquet';
import { runProgram } from '../../support/local-programs';
import { scratchDirectory } from '../../support/trip-fixtures';

/** npm run monitor (the bundled CLI) against hostile current sides, the shipped reference profile as reference. */
describe('npm run monitor given hostile sources', () => {
  const dir = scratchDirectory();
  afterAll(() => dir.remove());
  const reference = join(DEFAULT_MODEL_PATH, '..');

  it('refuses a batch output claiming 1.5M rows in one dictionary page, naming the page bound, instead of decoding it', async () => {
    const crafted = join(dir.path, 'crafted.parquet');
    await writeOnePageBatchOutput(crafted, 1_500_000);
    expect(statSync(crafted).size).toBeLessThan(100_000);

    const run = await runProgram('monitor', ['--reference', reference, '--current', crafted, '--out', join(dir.path, 'crafted-report')]);

    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^monitor failed \[INVALID_TRIP_FILE\]: .*crafted\.parquet.*has a page of 1,500,000 values, more than BATCH_MAX_PAGE_VALUES \(1,048,576 values\) allows$/,
    );
  });

  it('reads a capture directory with a link to an hour and a link loop once, and keys named __proto__ and constructor as data', async () => {
    const capture = join(dir.path, 'capture');
    const hour = join(capture, 'dt=2026-11-28', 'hour=00');
    mkdirSync(hour, { recursive: true });
    const line = (i: number, key: string) =>
      `{"time":"2026-11-28T00:${String(i % 60).padStart(2, '0')}:00.000Z","source":"http","id":"r${i}","inputs":{"${key}":{"polluted":true},"PULocationID":${1 + (i % 7)},"DOLocationID":${1 + (i % 5)},"trip_distance":${(i % 30) / 3}},"outputs":{"duration":{"output":${10 + (i % 9)},"version":"v"},"${key}":{"output":1,"version":"v"}}}\n`;
    writeFileSync(join(hour, 'capture-1.jsonl'), Array.from({ length: 100 }, (_, i) => line(i, i % 2 === 0 ? '__proto__' : 'constructor')).join(''));
    symlinkSync('hour=00', join(capture, 'dt=2026-11-28', 'latest'));
    symlinkSync('..', join(hour, 'loop'));
    const out = join(dir.path, 'capture-report');

    const run = await runProgram('monitor', ['--reference', reference, '--current', capture, '--out', out]);

    expect(run.stderr).toContain('2 symbolic links in the capture directory were not followed');
    expect(run.status).toBe(0);
    const summary = JSON.parse((await import('node:fs')).readFileSync(join(out, 'summary.json'), 'utf8')) as { current: { rows: number } };
    expect(summary.current.rows).toBe(100);
  });
});
