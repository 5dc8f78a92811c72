import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readParquet, scratchDirectory } from '../../support/trip-fixtures';
import { LAUNCHER } from '../../support/local-programs';

const dir = scratchDirectory();
afterAll(() => dir.remove());

/** `npm run batch -- ...` as a user runs it (stdin/stdout/stderr are pipes, not a terminal). */
function batch(...args: string[]) {
  return batchWith({}, ...args);
}

function batchWith(extraEnv: Record<string, string>, ...args: string[]) {
  const env = { ...process.env, MODEL_LOCATION: '', MODEL_VERSION: '', RUN_ID: '', ...extraEnv };
  const run = spawnSync(process.execPath, [LAUNCHER, 'batch', ...args], { encoding: 'utf8', env, cwd: resolve(__dirname, '..', '..', '..') });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run batch', () => {
  const input = join(dir.path, 'green_tripdata_2021-02.parquet');
  const output = join(dir.path, 'out', 'scored.parquet');

  it('generates a synthetic TLC month and scores it, printing the summary and no progress bar when not on a terminal', async () => {
    const generated = batch('generate', 'green', '2021-02', '5000', input, '--row-group-size', '2000');
    const scored = batch(input, output);

    expect(generated).toMatchObject({ status: 0, stdout: expect.stringContaining('wrote 5,000 synthetic green trips') });
    expect(scored.status).toBe(0);
    expect(scored.stdout).toMatch(/rows read 5,000, kept (\d|,)+, scored (\d|,)+/);
    expect(scored.stdout).toMatch(/skipped .*duration_out_of_range/);
    expect(scored.stdout).toMatch(/rows\/s .* model [0-9a-f]{12}, run [0-9a-f]{12}, green 2021-02/);
    expect(scored.stderr).not.toContain('\r');
    expect((await readParquet(output)).rowGroups).toBeGreaterThan(0);
  });

  it("skips, as invalid values, zone ids outside the shipped models' 1–265, which the web service answers with a 400", () => {
    const csv = join(dir.path, 'green_tripdata_2021-04.csv');
    writeFileSync(
      csv,
      'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n' +
        '2021-04-01 10:00:00,2021-04-01 10:10:00,265,1,1.0\n' +
        '2021-04-01 10:00:00,2021-04-01 10:10:00,266,5,1.0\n' +
        '2021-04-01 10:00:00,2021-04-01 10:10:00,4,99999,1.0\n',
    );

    const run = batch(csv, join(dir.path, 'zones-out', 'scored.parquet'));

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rows read 3, kept 1, scored 1/);
    expect(run.stdout).toMatch(/skipped 2 \(.*invalid_value 2/);
  });

  it('exits 1 with the error code and writes nothing for a file that is not parquet', () => {
    const bad = join(dir.path, 'green_tripdata_2021-03.parquet');
    writeFileSync(bad, 'not parquet at all');

    const run = batch(bad, join(dir.path, 'bad-out', 'x.parquet'));

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('batch failed [INVALID_TRIP_FILE]');
    expect(existsSync(join(dir.path, 'bad-out', 'x.parquet'))).toBe(false);
  });

  it('exits 1 with one line naming a model that cannot load, and writes nothing', () => {
    const models = `duration=${resolve(__dirname, '..', '..', '..', 'models', 'model.onnx')},cost=${join(dir.path, 'no-such', 'model.onnx')}`;

    const run = batchWith({ MODELS: models }, input, join(dir.path, 'broken-out', 'x.parquet'));

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^batch failed \[MODEL_UNAVAILABLE\]: model 'cost' cannot be loaded \(MODEL_NOT_FOUND\): cannot fetch model 'cost' from \S+: ENOENT[^\n]*\n$/,
    );
    expect(existsSync(join(dir.path, 'broken-out', 'x.parquet'))).toBe(false);
  });
});
