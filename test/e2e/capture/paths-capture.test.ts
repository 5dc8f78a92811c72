import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import type { CaptureRecord } from '../../../lambda/observability/capture';
import { loadConfig } from '../../../lambda/config/index';
import { createRuntime, type Runtime } from '../../../lambda/services';
import { handleKinesisEvent } from '../../../lambda/protocols/kinesis/stream-handler';
import { handleBatchEvent } from '../../../lambda/protocols/batch/batch-handler';
import { kinesisEvent, kinesisRecordWithData, rideNumber, rideRecord } from '../../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../../support/kinesis-server';
import { fixtureRows, readParquet, writeFixture } from '../../support/trip-fixtures';
import { recordingMetrics } from '../../support/recorders';
import { LAUNCHER } from '../../support/local-programs';

/** Every capture record under `dir`, in file (time) order. */
function capturedRecords(dir: string): CaptureRecord[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).sort();
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CaptureRecord),
  );
}

describe('capture from the stream and batch paths, through the runtime the Lambda function builds', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  let runtime: Runtime;
  const captureDir = () => join(scratch, 'capture');

  beforeAll(async () => {
    kinesis = await startKinesisServer();
    await kinesis.createStream('predictions', 1);
  });
  afterAll(() => kinesis.close());
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'capture-paths-'));
    runtime = createRuntime(
      loadConfig({
        CAPTURE_LOCATION: join(scratch, 'capture'),
        CAPTURE_FLUSH_INTERVAL_MS: '0',
        CAPTURE_BATCH_ROWS_PER_CHUNK: '100',
        BATCH_CHUNK_ROWS: '1000',
        PREDICTIONS_STREAM_NAME: 'predictions',
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'LOCAL',
        AWS_SECRET_ACCESS_KEY: 'LOCAL',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      }),
      { kinesis: kinesis.client, metrics: recordingMetrics() },
    );
  });
  afterEach(async () => {
    await runtime.capture?.close(1000);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('captures one record per predicted ride of a Kinesis batch, with the ride id and the prediction written to the stream, and none for poison records', async () => {
    const rides = Array.from({ length: 30 }, (_, i) => rideRecord(1000 + i, rideNumber(i)));
    const poison = kinesisRecordWithData(Buffer.from('not json').toString('base64'));

    const response = (await handleKinesisEvent(kinesisEvent([...rides, poison]), await runtime.stream())) as KinesisStreamBatchResponse;
    await runtime.capture?.flush();

    expect(response.batchItemFailures.length).toBeLessThanOrEqual(1); // the poison record, when no dead-letter location is set
    const written = new Map(
      (await readAll(kinesis.client, 'predictions')).map((r) => {
        const out = JSON.parse(r.data.toString()) as { prediction: { ride_id: number; ride_duration: number }; version: string };
        return [String(out.prediction.ride_id), out] as const;
      }),
    );
    const records = capturedRecords(captureDir());
    expect(records.map((r) => r.id).sort()).toEqual(rides.map((_, i) => String(1000 + i)).sort());
    for (const record of records) {
      expect(record.source).toBe('stream');
      expect(record.inputs).toMatchObject(rideNumber(Number(record.id) - 1000));
      expect(record.outputs.duration?.output).toBe(written.get(record.id)?.prediction.ride_duration);
      expect(record.outputs.duration?.version).toBe(written.get(record.id)?.version);
    }
  });

  it('captures a bounded, id-sampled share of a batch run with the batch as source, each row with its ride id, prediction and actual duration', async () => {
    const input = join(scratch, 'green_tripdata_2021-02.parquet');
    const output = join(scratch, 'out.parquet');
    await writeFixture(input, fixtureRows(2_500));

    const summary = await handleBatchEvent({ input, output }, runtime.batch);
    await runtime.capture?.flush();

    const records = capturedRecords(captureDir());
    const chunks = Math.ceil(summary.rows_read / 1000);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(100 * chunks);
    const scored = new Map((await readParquet(output)).rows.map((row) => [String(row.ride_id), row]));
    for (const record of records) {
      expect(record.source).toBe('batch');
      const row = scored.get(record.id);
      expect(row).toBeDefined();
      expect(record.outputs.duration?.output).toBeCloseTo(Number(row?.predicted_duration), 4);
      expect(record.actuals?.duration).toBeCloseTo(Number(row?.actual_duration), 4);
      expect(record.inputs).toMatchObject({ PULocationID: Number(row?.PULocationID), DOLocationID: Number(row?.DOLocationID) });
    }
  });

  it('captures the sampled rows of `npm run batch` before the command exits', async () => {
    const input = join(scratch, 'green_tripdata_2021-02.parquet');
    await writeFixture(input, fixtureRows(500));

    const run = spawnSync(process.execPath, [LAUNCHER, 'batch', input, join(scratch, 'cli-out.parquet')], {
      encoding: 'utf8',
      cwd: resolve(__dirname, '..', '..', '..'),
      env: {
        PATH: process.env.PATH,
        CAPTURE_LOCATION: join(scratch, 'cli-capture'),
        CAPTURE_BATCH_ROWS_PER_CHUNK: '50',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    });

    expect(run.status).toBe(0);
    const records = capturedRecords(join(scratch, 'cli-capture'));
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.source === 'batch' && r.id.startsWith('2021/02_'))).toBe(true);
  });
});
