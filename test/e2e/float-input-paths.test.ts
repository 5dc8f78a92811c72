import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { handleHttpRequest } from '../../lambda/protocols/http/http-handler';
import { handleKinesisEvent, type PredictionRecord } from '../../lambda/protocols/kinesis/stream-handler';
import { handleBatchEvent } from '../../lambda/protocols/batch/batch-handler';
import { loadConfig } from '../../lambda/config/index';
import { createRuntime, type Runtime } from '../../lambda/services';
import { kinesisEvent, rideNumber, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { floatInputModel, mlmodelYaml } from '../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../support/recorders';
import { expectedFilter, fixtureRows, readParquet, writeFixture } from '../support/trip-fixtures';

/**
 * skl2onnx's one [None, 3] `float_input`, its columns named (by the sidecar or an MLflow
 * signature), on every path: each column is a request field, a Kinesis ride field, a batch column.
 */
const COEFFICIENTS = [0.01, 0.02, 2];
const INTERCEPT = 3;
const COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;
const expected = (ride: { PULocationID: number; DOLocationID: number; trip_distance: number }) =>
  COLUMNS.reduce((sum, name, j) => sum + Math.fround(Math.fround(ride[name]) * Math.fround(COEFFICIENTS[j] as number)), INTERCEPT);

let dir: string;
let kinesis: LocalKinesisServer;
let runtime: Runtime;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'float-input-'));
  const bytes = floatInputModel({ coefficients: COEFFICIENTS, intercept: INTERCEPT });
  mkdirSync(join(dir, 'sidecar'));
  writeFileSync(join(dir, 'sidecar', 'model.onnx'), bytes);
  writeFileSync(join(dir, 'sidecar', 'model.json'), JSON.stringify({ model_version: 'zoo-1', inputs: { float_input: { columns: COLUMNS } } }));
  mkdirSync(join(dir, 'mlflow'));
  writeFileSync(join(dir, 'mlflow', 'model.onnx'), bytes);
  writeFileSync(
    join(dir, 'mlflow', 'MLmodel'),
    mlmodelYaml('run9', [
      { name: 'PULocationID', type: 'long' },
      { name: 'DOLocationID', type: 'long' },
      { name: 'trip_distance', type: 'double' },
    ]),
  );
  kinesis = await startKinesisServer();
  const env = { MODELS: `duration=${join(dir, 'sidecar', 'model.onnx')},signed=${join(dir, 'mlflow')}`, DEAD_LETTER_LOCATION: join(dir, 'dead-letters') };
  runtime = createRuntime(loadConfig(env), { logger: new Logger({ logLevel: 'SILENT' }), kinesis: kinesis.client });
  await runtime.models.get();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await kinesis.close();
});

describe('a [None, 3] float_input named by its sidecar or its MLflow signature', () => {
  it('answers HTTP requests whose JSON fields are its columns', async () => {
    const ride = { PULocationID: 10, DOLocationID: 50, trip_distance: 40 };

    const response = await handleHttpRequest({ method: 'POST', path: '/predict', headers: {}, body: Buffer.from(JSON.stringify(ride)) }, runtime.http);
    const body = JSON.parse(response.body) as { duration: number; signed: number; model_versions: Record<string, string> };

    expect(response.statusCode).toBe(200);
    expect(body.duration).toBeCloseTo(expected(ride), 4);
    expect(body.signed).toBe(body.duration);
    expect(body.model_versions).toEqual({ duration: 'zoo-1', signed: 'run9' });
  });

  it('answers 400 naming a column the request lacks', async () => {
    const response = await handleHttpRequest(
      { method: 'POST', path: '/predict/duration', headers: {}, body: Buffer.from('{"PULocationID": 10, "trip_distance": 4}') },
      runtime.http,
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'DOLocationID is required', code: 'MISSING_INPUT', field: 'DOLocationID' });
  });

  it('scores Kinesis rides whose fields are its columns, and dead-letters one lacking a column', async () => {
    await kinesis.createStream('float_input_predictions', 1);
    const rides = [0, 1, 2].map(rideNumber);
    const deps = { ...(await runtime.stream()), predictionsStreamName: 'float_input_predictions', logger: recordingLogger(), metrics: recordingMetrics() };

    const response = (await handleKinesisEvent(
      kinesisEvent([...rides.map((ride, i) => rideRecord(i, ride)), rideRecord(9, { PULocationID: 1, trip_distance: 2 })]),
      deps,
    )) as KinesisStreamBatchResponse;
    const written = (await readAll(kinesis.client, 'float_input_predictions')).map((r) => JSON.parse(r.data.toString()) as PredictionRecord);

    expect(response.batchItemFailures).toEqual([]);
    expect(written.map((r) => r.prediction.ride_id)).toEqual([0, 1, 2]);
    written.forEach((record, i) => expect(record.prediction.ride_duration).toBeCloseTo(expected(rides[i] as (typeof rides)[number]), 4));
    const letters = readdirSync(join(dir, 'dead-letters'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .flatMap((f) => readFileSync(join(f.parentPath, f.name), 'utf8').trim().split('\n'));
    expect(letters.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ code: 'MISSING_INPUT', field: 'ride.DOLocationID' }),
    ]);
  });

  it('scores a trip file whose columns are its columns, row by row', async () => {
    const input = join(dir, 'green_tripdata_2021-02.parquet');
    const output = join(dir, 'out', 'scored.parquet');
    const trips = fixtureRows(500);
    await writeFixture(input, trips);

    const summary = await handleBatchEvent({ input, output }, runtime.batch);
    const { rows } = await readParquet(output);

    expect(summary.rows_scored).toBe(expectedFilter(trips).kept.length);
    expect(rows).toHaveLength(summary.rows_scored);
    for (const row of rows) {
      const ride = { PULocationID: row.PULocationID as number, DOLocationID: row.DOLocationID as number, trip_distance: row.trip_distance as number };
      expect(row.predicted_duration).toBeCloseTo(expected(ride), 4);
      expect(row.predicted_signed).toBe(row.predicted_duration);
    }
  });
});
