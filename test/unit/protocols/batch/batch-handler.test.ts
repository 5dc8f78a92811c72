import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { handleBatchEvent, type BatchDeps } from '../../../../lambda/protocols/batch/batch-handler';
import type { ModelSet } from '../../../../lambda/model/model-set';
import type { BatchOutputError } from '../../../../lambda/protocols/batch/errors';
import { S3_STAGING_DIRECTORY } from '../../../../lambda/protocols/batch/output/staged-output';
import { stagingFileName } from '../../../../lambda/protocols/batch/output/staging-names';
import { writeTripCsv } from '../../../../lambda/local/synthetic/trip-file';
import { defaultModels, predictDurations } from '../../../support/fixtures';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../../../support/trip-fixtures';
import { testDataplane } from '../../../support/dataplane';

const BUCKET = 'nyc-tlc';
const rows = fixtureRows(2_000);
const dir = scratchDirectory();
let s3: LocalS3;
let service: ModelSet;
const logged: { level: string; message: string; extra?: Record<string, unknown> }[] = [];

function deps(): BatchDeps {
  return {
    getModels: async () => service,
    dataplane: testDataplane(),
    s3: s3.client,
    settings: {
      inputTemplate: `s3://${BUCKET}/trip-data/{taxi_type}_tripdata_{year}-{month}.parquet`,
      outputTemplate: `s3://${BUCKET}/predictions/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet`,
      scheduledTaxiType: 'green',
      chunkRows: 600,
      maxLineChars: 65_536,
      maxPageValues: 1_048_576,
    },
    log: {
      info: (message, extra) => logged.push({ level: 'info', message, extra }),
      error: (message, extra) => logged.push({ level: 'error', message, extra }),
    },
  };
}

async function objectBytes(key: string): Promise<Uint8Array> {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key as string);
}

beforeAll(async () => {
  service = await defaultModels('model-v1');
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  const local = join(dir.path, 'green.parquet');
  await writeFixture(local, rows, { rowGroupSize: 800 });
  await s3.put(BUCKET, 'trip-data/green_tripdata_2021-02.parquet', readFileSync(local));
});

afterAll(async () => {
  await s3.close();
  dir.remove();
});

describe('handleBatchEvent against a local S3 server', () => {
  const outputKey = 'predictions/taxi_type=green/year=2021/month=02/model-v1.parquet';

  it('scores the month an event names from S3 to S3 and returns the summary', async () => {
    const expected = expectedFilter(rows);

    const summary = await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2 }, deps());

    expect(summary).toMatchObject({
      input: `s3://${BUCKET}/trip-data/green_tripdata_2021-02.parquet`,
      output: `s3://${BUCKET}/${outputKey}`,
      run_id: 'model-v1',
      model_version: 'model-v1',
      rows_read: rows.length,
      rows_kept: expected.kept.length,
      rows_scored: expected.kept.length,
      rows_skipped: expected.skipped,
    });
    expect(logged.map((l) => l.message)).toEqual(expect.arrayContaining(['batch job started', 'batch job finished']));
  });

  it("stores the core's predictions with ride ids and an exact diff", async () => {
    const { kept } = expectedFilter(rows);
    const predictions = await predictDurations(
      service,
      kept.map((k) => k.ride),
    );

    await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2 }, deps());
    const { rows: written } = await readParquet(await objectBytes(outputKey));

    expect(written).toHaveLength(kept.length);
    expect(written.map((r) => r.ride_id)).toEqual(kept.map((k) => `2021/02_${k.index}`));
    expect(written.map((r) => r.predicted_duration)).toEqual(predictions);
    expect(written.map((r) => r.diff)).toEqual(kept.map((k, j) => k.duration - (predictions[j] as number)));
    expect(new Set(written.map((r) => r.model_version))).toEqual(new Set(['model-v1']));
  });

  it('overwrites the same object with the same bytes when rerun with the same run_id', async () => {
    await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2, run_id: 'fixed' }, deps());
    const key = 'predictions/taxi_type=green/year=2021/month=02/fixed.parquet';
    const first = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));

    await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2, run_id: 'fixed' }, deps());
    const second = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));

    expect(second.ETag).toBe(first.ETag);
    expect(second.ContentLength).toBe(first.ContentLength);
  });

  it('scores explicit S3 URIs into CSV', async () => {
    const summary = await handleBatchEvent(
      { input: `s3://${BUCKET}/trip-data/green_tripdata_2021-02.parquet`, output: `s3://${BUCKET}/adhoc/scored.csv` },
      deps(),
    );

    const text = new TextDecoder().decode(await objectBytes('adhoc/scored.csv'));
    expect(text.split('\n')[0]).toBe(
      'ride_id,lpep_pickup_datetime,PULocationID,DOLocationID,trip_distance,actual_duration,predicted_duration,diff,model_version,model_versions',
    );
    expect(text.trim().split('\n')).toHaveLength(summary.rows_scored + 1);
  });

  it('reads a CSV trip file from S3', async () => {
    const local = join(dir.path, 'green.csv');
    writeTripCsv(local, rows, 'green');
    await s3.put(BUCKET, 'csv/green_tripdata_2021-02.csv', readFileSync(local));

    const summary = await handleBatchEvent({ input: `s3://${BUCKET}/csv/green_tripdata_2021-02.csv`, output: `s3://${BUCKET}/csv-out/scored.parquet` }, deps());

    expect(summary).toMatchObject({ rows_read: rows.length, rows_kept: expectedFilter(rows).kept.length });
  });

  it('fails with the error code and leaves no object when the input is corrupt', async () => {
    await s3.put(BUCKET, 'trip-data/green_tripdata_2021-03.parquet', 'PAR1 this is not a parquet file PAR1');

    const act = handleBatchEvent({ taxi_type: 'green', year: 2021, month: 3 }, deps());

    await expect(act).rejects.toMatchObject({ code: 'INVALID_TRIP_FILE' });
    expect(await keysUnder('predictions/taxi_type=green/year=2021/month=03/')).toEqual([]);
    expect(logged.at(-1)).toMatchObject({ level: 'error', message: 'batch job failed', extra: { code: 'INVALID_TRIP_FILE' } });
  });

  it('fails with TRIP_FILE_NOT_FOUND for a month with no file', async () => {
    await expect(handleBatchEvent({ taxi_type: 'yellow', year: 2021, month: 2 }, deps())).rejects.toMatchObject({ code: 'TRIP_FILE_NOT_FOUND' });
    expect(await keysUnder('predictions/taxi_type=yellow/')).toEqual([]);
  });

  it('rejects a malformed request before touching S3', async () => {
    await expect(handleBatchEvent({ taxi_type: 'green', year: 2021 }, deps())).rejects.toMatchObject({ code: 'INVALID_BATCH_JOB' });
  });

  it('clears the staging files a timed-out invocation left in /tmp before it runs', async () => {
    mkdirSync(S3_STAGING_DIRECTORY, { recursive: true });
    // the runtime process that wrote it was killed: its pid is gone
    const killed = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = join(S3_STAGING_DIRECTORY, stagingFileName('run-before-the-timeout.parquet', killed));
    writeFileSync(stale, 'half a file from an invocation that timed out');

    await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2, run_id: 'after-timeout' }, deps());

    expect(existsSync(stale)).toBe(false);
    expect(logged).toContainEqual(expect.objectContaining({ message: 'removed staging files of an interrupted run', extra: { count: 1, files: [stale] } }));
  });

  it('fails with a coded error when the output bucket does not exist, leaving nothing in /tmp', async () => {
    const error = await handleBatchEvent(
      { input: `s3://${BUCKET}/trip-data/green_tripdata_2021-02.parquet`, output: 's3://no-such-bucket/out.parquet' },
      deps(),
    ).catch((e: unknown) => e);

    expect((error as { code?: string }).code).toBe('BATCH_OUTPUT_FAILED');
    expect((error as BatchOutputError).reason).toBe('NoSuchBucket');
    expect(readdirSync(S3_STAGING_DIRECTORY)).toEqual([]);
  });

  it('fails with TRIP_FILE_NOT_FOUND when the input bucket does not exist', async () => {
    const error = await handleBatchEvent({ input: 's3://no-such-bucket/green_tripdata_2021-02.parquet', output: `s3://${BUCKET}/x.parquet` }, deps()).catch(
      (e: unknown) => e,
    );

    expect((error as { code?: string }).code).toBe('TRIP_FILE_NOT_FOUND');
  });
});
