import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBatchCli } from '../../../lambda/local/batch-cli';
import { readParquet, scratchDirectory } from '../../support/trip-fixtures';

const dir = scratchDirectory();
afterAll(() => dir.remove());

/** `npm run batch -- generate ...` in-process, with its output captured. */
async function generate(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runBatchCli(['generate', ...args], {
    env: {},
    stdout: { write: (text: string | Uint8Array) => ((stdout += String(text)), true) },
    stderr: { write: (text: string | Uint8Array) => ((stderr += String(text)), true) },
  });
  return { status, stdout, stderr };
}

const mean = (values: unknown[]) => values.reduce<number>((s, v) => s + Number(v), 0) / values.length;

describe('npm run batch -- generate', () => {
  it('writes a drifted month whose distances and night share moved, and says which drift it applied', async () => {
    const usual = join(dir.path, 'usual.parquet');
    const drifted = join(dir.path, 'drifted.parquet');

    const plain = await generate('green', '2021-03', '3000', usual, '--null-rate', '0');
    const moved = await generate('green', '2021-03', '3000', drifted, '--null-rate', '0', '--drift', 'distance=1.5,zones=0.5,hours=night');

    expect(plain).toMatchObject({ status: 0, stdout: expect.stringContaining('wrote 3,000 synthetic green trips for 2021-03 to') });
    expect(moved).toMatchObject({ status: 0, stdout: expect.stringContaining('(drift distance=1.5, zones=0.5, hours=night)') });
    const before = (await readParquet(usual)).rows;
    const after = (await readParquet(drifted)).rows;
    const nightShare = (rows: Record<string, unknown>[]) =>
      rows.filter((r) => [20, 21, 22, 23, 0, 1, 2, 3, 4, 5].includes((r.lpep_pickup_datetime as Date).getUTCHours())).length / rows.length;
    expect(mean(after.map((r) => r.trip_distance))).toBeGreaterThan(1.3 * mean(before.map((r) => r.trip_distance)));
    expect(nightShare(after)).toBeGreaterThan(1.5 * nightShare(before));
    expect(mean(after.map((r) => r.total_amount))).toBeGreaterThan(mean(before.map((r) => r.total_amount)));
  });

  it('writes the same file for the same seed and month, CSV included', async () => {
    const a = join(dir.path, 'a.csv');
    const b = join(dir.path, 'b.csv');
    const c = join(dir.path, 'c.csv');

    await generate('yellow', '2021-04', '500', a, '--seed', '11', '--drift', 'zones=0.3');
    await generate('yellow', '2021-04', '500', b, '--seed', '11', '--drift', 'zones=0.3');
    await generate('yellow', '2021-04', '500', c, '--seed', '12', '--drift', 'zones=0.3');

    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(c, 'utf8'));
    expect(readFileSync(a, 'utf8').split('\n')[0]).toContain('total_amount');
  });

  it.each([
    ['distance=0', 'distance'],
    ['zones=2', 'zones'],
    ['hours=lunch', 'hours'],
    ['tempo=3', 'tempo'],
  ])('exits 1 with INVALID_BATCH_JOB naming the knob for --drift %s, and writes nothing', async (spec, knob) => {
    const out = join(dir.path, `bad-${knob}.parquet`);

    const run = await generate('green', '2021-03', '10', out, '--drift', spec);

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`batch failed \\[INVALID_BATCH_JOB\\]: --drift .*${knob}`));
    expect(existsSync(out)).toBe(false);
  });
});
