import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../../lambda/config/index';
import { isPredictError } from '../../../../lambda/serving/errors';
import type { ModelSet } from '../../../../lambda/model/model-set';
import { parseBatchRequest, resolveBatchJob, type BatchJob } from '../../../../lambda/protocols/batch/job';
import { runBatchJob } from '../../../../lambda/protocols/batch/run-batch';
import { writeOnePageTripFile } from '../../../support/crafted-parquet';
import { defaultModels } from '../../../support/fixtures';
import { scratchDirectory, writeFixture } from '../../../support/trip-fixtures';
import { testDataplane } from '../../../support/dataplane';

const dir = scratchDirectory();
afterAll(() => dir.remove());
let service: ModelSet;
beforeAll(async () => {
  service = await defaultModels('limits');
});

function job(input: string, output: string): BatchJob {
  return resolveBatchJob(parseBatchRequest({ input, output }), { templates: { input: 'unused', output: 'unused' }, scheduledTaxiType: 'green', runId: 'r' });
}

const HEADER = 'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n';
const GOOD = '2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,1.0\n';

describe('what the batch reader bounds and refuses', () => {
  it('fails with INVALID_TRIP_FILE naming the line when a CSV line is longer than BATCH_MAX_LINE_CHARS', async () => {
    const input = join(dir.path, 'long_2021-02.csv');
    writeFileSync(input, HEADER + GOOD + `${GOOD.trim()},${'x'.repeat(5_000)}\n` + GOOD);

    const error = await runBatchJob(job(input, join(dir.path, 'long.csv')), service, { dataplane: testDataplane(), chunkRows: 100, maxLineChars: 1_000 }).catch(
      (e: unknown) => e,
    );

    expect(isPredictError(error) && error.code).toBe('INVALID_TRIP_FILE');
    expect((error as Error).message).toContain('line 3 is longer than 1,000 characters');
  });

  it('reads CSV with CRLF line ends and no final line end', async () => {
    const input = join(dir.path, 'crlf_2021-02.csv');
    writeFileSync(input, (HEADER + GOOD + GOOD).replaceAll('\n', '\r\n').replace(/\r\n$/, ''));

    const summary = await runBatchJob(job(input, join(dir.path, 'crlf.csv')), service, { dataplane: testDataplane(), chunkRows: 100 });

    expect(summary).toMatchObject({ rows_read: 2, rows_kept: 2 });
  });

  it('counts hex numbers, impossible dates and hour 24 by reason instead of reading them', async () => {
    const input = join(dir.path, 'lenient_2021-02.csv');
    const rows = [
      '2021-02-01 10:00:00,2021-02-01 10:10:00,0x0A,5,1.0',
      '2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,0x10',
      '2021-02-30 10:00:00,2021-02-30 10:10:00,4,5,1.0',
      '2021-02-01 24:00:00,2021-02-01 24:10:00,4,5,1.0',
      '+275760-09-13 00:00:00,2021-02-01 10:10:00,4,5,1.0',
      '2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,1e400',
    ];
    writeFileSync(input, HEADER + rows.join('\n') + '\n' + GOOD);

    const summary = await runBatchJob(job(input, join(dir.path, 'lenient.csv')), service, { dataplane: testDataplane(), chunkRows: 100 });

    expect(summary).toMatchObject({ rows_read: 7, rows_kept: 1, rows_skipped: { invalid_value: 3, invalid_time: 3 } });
  });

  it('skips a parquet row whose timestamp is outside years 0001–9999 in CSV and parquet output alike', async () => {
    const input = join(dir.path, 'far_2021-02.parquet');
    const t = Date.UTC(2021, 1, 3, 8);
    // 8.64e15 ms is the last instant a Date can hold (year 275760): a valid parquet timestamp all the same
    const far = new Date(8.64e15);
    await writeFixture(input, [
      { pickup: new Date(t), dropoff: new Date(t + 600_000), PULocationID: 4, DOLocationID: 5, trip_distance: 1 },
      { pickup: far, dropoff: far, PULocationID: 4, DOLocationID: 5, trip_distance: 1 },
    ]);

    for (const ext of ['csv', 'parquet']) {
      const summary = await runBatchJob(job(input, join(dir.path, `far.${ext}`)), service, { dataplane: testDataplane(), chunkRows: 100 });
      expect(summary).toMatchObject({ rows_read: 2, rows_kept: 1, rows_skipped: { invalid_time: 1 } });
    }
  });

  it('refuses a parquet page that decodes to more values than BATCH_MAX_PAGE_VALUES, before decoding it', async () => {
    const input = join(dir.path, 'one-page_2021-02.parquet');
    await writeOnePageTripFile(input, 120_000);

    const error = await runBatchJob(job(input, join(dir.path, 'one-page.parquet')), service, {
      dataplane: testDataplane(),
      chunkRows: 1_000,
      maxPageValues: 100_000,
    }).catch((e: unknown) => e);
    const allowed = await runBatchJob(job(input, join(dir.path, 'one-page.parquet')), service, {
      dataplane: testDataplane(),
      chunkRows: 50_000,
      maxPageValues: 200_000,
    });

    expect(isPredictError(error) && error.code).toBe('INVALID_TRIP_FILE');
    expect((error as Error).message).toContain('has a page of 120,000 values, more than BATCH_MAX_PAGE_VALUES (100,000 values)');
    expect(allowed).toMatchObject({ rows_read: 120_000, rows_kept: 120_000 });
  });

  it('holds BATCH_CHUNK_ROWS, BATCH_MAX_LINE_CHARS and BATCH_MAX_PAGE_VALUES to upper bounds', () => {
    expect(() => loadConfig({ BATCH_CHUNK_ROWS: '300000000' })).toThrow(/BATCH_CHUNK_ROWS/);
    expect(() => loadConfig({ BATCH_MAX_LINE_CHARS: '1000000000' })).toThrow(/BATCH_MAX_LINE_CHARS/);
    expect(() => loadConfig({ BATCH_MAX_PAGE_VALUES: '1000000000' })).toThrow(/BATCH_MAX_PAGE_VALUES/);
    expect(loadConfig({ BATCH_CHUNK_ROWS: '4194304' }).batch.chunkRows).toBe(4_194_304);
  });
});
