import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPredictError } from '../../../../lambda/serving/errors';
import type { ModelSet } from '../../../../lambda/model/model-set';
import { parseBatchRequest, resolveBatchJob, type BatchJob } from '../../../../lambda/protocols/batch/job';
import { runBatchJob } from '../../../../lambda/protocols/batch/run-batch';
import { writeTripCsv } from '../../../../lambda/local/synthetic/trip-file';
import { defaultModels, predictDurations } from '../../../support/fixtures';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../../../support/trip-fixtures';
import { testDataplane } from '../../../support/dataplane';

const dir = scratchDirectory();
afterAll(() => dir.remove());

const rows = fixtureRows(3_000);
let service: ModelSet;
beforeAll(async () => {
  service = await defaultModels('model-v1');
});

function job(input: string, output: string, extra: Record<string, unknown> = {}): BatchJob {
  const templates = { input: 'unused', output: 'unused' };
  return resolveBatchJob(parseBatchRequest({ input, output, ...extra }), { templates, scheduledTaxiType: 'green', runId: 'run-1' });
}

const options = { dataplane: testDataplane(), chunkRows: 700 };

describe('runBatchJob from a local parquet file to a local parquet file', () => {
  const input = join(dir.path, 'green_tripdata_2021-02.parquet');
  const output = join(dir.path, 'out', 'taxi_type=green', 'run-1.parquet');
  beforeAll(() => writeFixture(input, rows, { rowGroupSize: 1_000 }));

  it('counts every row as kept or skipped by the course filter', async () => {
    const expected = expectedFilter(rows);

    const summary = await runBatchJob(job(input, output), service, options);

    expect(summary).toMatchObject({
      rows_read: rows.length,
      rows_kept: expected.kept.length,
      rows_scored: expected.kept.length,
      rows_skipped: expected.skipped,
    });
    expect(summary.rows_skipped.null_zone + summary.rows_skipped.null_distance + summary.rows_skipped.null_datetime).toBeGreaterThan(0);
    expect(summary.rows_skipped.duration_out_of_range).toBeGreaterThan(0);
  });

  it("writes the course's columns with their types", async () => {
    await runBatchJob(job(input, output), service, options);

    const { columns } = await readParquet(output);

    expect(columns).toEqual([
      { name: 'ride_id', type: 'BYTE_ARRAY', logical: 'UTF8', required: true },
      { name: 'lpep_pickup_datetime', type: 'INT64', logical: 'TIMESTAMP', required: true },
      { name: 'PULocationID', type: 'INT32', logical: undefined, required: true },
      { name: 'DOLocationID', type: 'INT32', logical: undefined, required: true },
      { name: 'trip_distance', type: 'DOUBLE', logical: undefined, required: true },
      { name: 'actual_duration', type: 'DOUBLE', logical: undefined, required: true },
      { name: 'predicted_duration', type: 'DOUBLE', logical: undefined, required: true },
      { name: 'diff', type: 'DOUBLE', logical: undefined, required: true },
      { name: 'model_version', type: 'BYTE_ARRAY', logical: 'UTF8', required: true },
      { name: 'model_versions', type: 'BYTE_ARRAY', logical: 'UTF8', required: true },
    ]);
  });

  it("writes one row per kept trip with the core's prediction, an exact diff and the model version", async () => {
    const { kept } = expectedFilter(rows);
    const predictions = await predictDurations(
      service,
      kept.map((k) => k.ride),
    );

    await runBatchJob(job(input, output), service, options);
    const { rows: written } = await readParquet(output);

    expect(written).toEqual(
      kept.map((k, j) => ({
        ride_id: `2021/02_${k.index}`,
        lpep_pickup_datetime: k.pickup,
        PULocationID: k.ride.PULocationID,
        DOLocationID: k.ride.DOLocationID,
        trip_distance: k.ride.trip_distance,
        actual_duration: k.duration,
        predicted_duration: predictions[j],
        diff: k.duration - (predictions[j] as number),
        model_version: 'model-v1',
        model_versions: '{"duration":"model-v1"}',
      })),
    );
  });

  it('keeps the boundary durations of exactly 1 and 60 minutes', async () => {
    await runBatchJob(job(input, output), service, options);

    const { rows: written } = await readParquet(output);

    expect(written.slice(0, 3).map((r) => [r.ride_id, r.actual_duration])).toEqual([
      ['2021/02_0', 12],
      ['2021/02_7', 1],
      ['2021/02_8', 60],
    ]);
  });

  it('overwrites the output byte for byte when rerun with the same run_id', async () => {
    writeFileSync(output, 'an older run');

    await runBatchJob(job(input, output), service, options);
    const first = readFileSync(output);
    await runBatchJob(job(input, output), service, options);
    const second = readFileSync(output);

    expect(first.toString()).not.toBe('an older run');
    expect(second.equals(first)).toBe(true);
  });

  it('writes CSV when the output name ends in .csv, with the same numbers', async () => {
    const csvOutput = join(dir.path, 'out', 'scored.csv');
    const { kept } = expectedFilter(rows);
    const predictions = await predictDurations(
      service,
      kept.map((k) => k.ride),
    );

    await runBatchJob(job(input, csvOutput), service, options);
    const [header, first] = readFileSync(csvOutput, 'utf8').split('\n');
    const cells = (first as string).split(',');

    expect(header).toBe(
      'ride_id,lpep_pickup_datetime,PULocationID,DOLocationID,trip_distance,actual_duration,predicted_duration,diff,model_version,model_versions',
    );
    expect(cells[0]).toBe('2021/02_0');
    expect(cells[1]).toBe('2021-02-03 08:00:00');
    expect(Number(cells[6])).toBe(predictions[0]);
    expect(Number(cells[7])).toBe(12 - (predictions[0] as number));
    expect((first as string).endsWith(',model-v1,"{""duration"":""model-v1""}"')).toBe(true);
  });
});

describe('runBatchJob from a CSV trip file', () => {
  it('scores the same rows as from parquet', async () => {
    const parquetIn = join(dir.path, 'same_2021-02.parquet');
    const csvIn = join(dir.path, 'same_2021-02.csv');
    await writeFixture(parquetIn, rows);
    writeTripCsv(csvIn, rows, 'green');

    await runBatchJob(job(parquetIn, join(dir.path, 'from-parquet.parquet')), service, options);
    await runBatchJob(job(csvIn, join(dir.path, 'from-csv.parquet')), service, options);

    const fromParquet = await readParquet(join(dir.path, 'from-parquet.parquet'));
    const fromCsv = await readParquet(join(dir.path, 'from-csv.parquet'));
    expect(fromCsv.rows).toEqual(fromParquet.rows);
  });

  it('counts cells that are not numbers as invalid values and cells that are not times as invalid times', async () => {
    const path = join(dir.path, 'bad-cells_2021-02.csv');
    writeFileSync(
      path,
      'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n' +
        '2021-02-01 10:00:00,2021-02-01 10:10:00,abc,5,1.0\n' +
        'yesterday,2021-02-01 10:10:00,4,5,1.0\n' +
        '2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,\n' +
        '2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,1.0\n',
    );

    const summary = await runBatchJob(job(path, join(dir.path, 'bad-cells.parquet')), service, options);

    expect(summary).toMatchObject({ rows_read: 4, rows_kept: 1, rows_skipped: { invalid_value: 1, invalid_time: 1, null_distance: 1 } });
  });
});

describe('runBatchJob with bad input', () => {
  const outDir = () => join(dir.path, 'bad-out');
  const output = () => join(outDir(), 'run.parquet');

  async function failure(input: string, svc: ModelSet = service): Promise<{ code: string; message: string }> {
    const error = await runBatchJob(job(input, output(), { year: 2021, month: 2 }), svc, options).then(
      () => new Error('expected the run to fail'),
      (e: unknown) => e,
    );
    if (!isPredictError(error)) throw error;
    return { code: error.code, message: error.message };
  }

  function leftovers(): string[] {
    return existsSync(outDir()) ? readdirSync(outDir()) : [];
  }

  it('rejects a file without the pickup column and leaves no output', async () => {
    const path = join(dir.path, 'no-pickup.csv');
    writeFileSync(path, 'lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n2021-02-01 10:10:00,4,5,1.0\n');

    expect(await failure(path)).toEqual({ code: 'INVALID_TRIP_FILE', message: expect.stringContaining('missing column lpep_pickup_datetime') });
    expect(leftovers()).toEqual([]);
  });

  it('rejects an empty file and leaves no output', async () => {
    const path = join(dir.path, 'empty.parquet');
    writeFileSync(path, '');

    expect(await failure(path)).toEqual({ code: 'INVALID_TRIP_FILE', message: expect.stringContaining('empty') });
    expect(leftovers()).toEqual([]);
  });

  it('rejects a corrupt parquet file and leaves no output', async () => {
    const path = join(dir.path, 'corrupt.parquet');
    await writeFixture(path, rows, { rowGroupSize: 500 });
    const bytes = readFileSync(path);
    bytes.fill(0, Math.floor(bytes.length / 2), bytes.length - 2_000);
    writeFileSync(path, bytes);

    expect((await failure(path)).code).toBe('INVALID_TRIP_FILE');
    expect(leftovers()).toEqual([]);
  });

  it('says when the input does not exist', async () => {
    expect((await failure(join(dir.path, 'missing.parquet'))).code).toBe('TRIP_FILE_NOT_FOUND');
    expect(leftovers()).toEqual([]);
  });

  it('leaves no partial output and keeps the previous one when the model fails mid-file', async () => {
    const path = join(dir.path, 'model-fails.parquet');
    await writeFixture(path, rows);
    mkdirSync(outDir(), { recursive: true });
    writeFileSync(output(), 'previous run');
    let calls = 0;
    const failsOnThirdChunk: ModelSet = {
      ...service,
      predict: (batch, names) => (++calls === 3 ? Promise.reject(Object.assign(new Error('model crashed'), { code: 'X' })) : service.predict(batch, names)),
    };

    const error = await runBatchJob(job(path, output(), { year: 2021, month: 2 }), failsOnThirdChunk, options).catch((e: Error) => e);

    expect((error as Error).message).toBe('model crashed');
    expect(leftovers()).toEqual(['run.parquet']);
    expect(readFileSync(output(), 'utf8')).toBe('previous run');
  });
});
