import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { handleHttpRequest } from '../../lambda/protocols/http/http-handler';
import { handleKinesisEvent, type PredictionRecord } from '../../lambda/protocols/kinesis/stream-handler';
import { handleBatchEvent } from '../../lambda/protocols/batch/batch-handler';
import { loadConfig } from '../../lambda/config/index';
import { SKIP_REASONS } from '../../lambda/rides/trips';
import { createRuntime, type Runtime } from '../../lambda/services';
import { DEFAULT_MODEL_PATH } from '../support/fixtures';
import { kinesisEvent, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { floatInputModel } from '../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../support/recorders';
import { expectedFilter, fixtureRows, readParquet, writeFixture } from '../support/trip-fixtures';

/**
 * A pipeline with a SimpleImputer (skl2onnx: Imputer before the regression) whose sidecar marks
 * trip_distance `"nullable": true`: a missing distance reaches the graph as NaN on every path,
 * and the Imputer puts 2.5 miles in its place.
 */
const COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;
const COEFFICIENTS = [0.01, 0.02, 2];
const FILL = 2.5;
type Ride = { PULocationID: number; DOLocationID: number; trip_distance?: number | null };
const expected = (ride: Ride) => {
  const x = [ride.PULocationID, ride.DOLocationID, ride.trip_distance ?? FILL];
  return x.reduce((sum, value, j) => sum + Math.fround(Math.fround(value) * Math.fround(COEFFICIENTS[j] as number)), 3);
};
/** float32 accumulation in the graph vs this sum: equal within 1e-5 relative. */
const expectClose = (actual: unknown, wanted: number) =>
  expect(Math.abs((actual as number) - wanted)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(wanted)));
const post = (path: string, body: unknown) => ({ method: 'POST', path, headers: {}, body: Buffer.from(JSON.stringify(body)) });

let dir: string;
let kinesis: LocalKinesisServer;
/** the imputer beside the shipped duration model, which takes no missing distance */
let both: Runtime;
let imputerOnly: Runtime;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nullable-'));
  mkdirSync(join(dir, 'imputer'));
  writeFileSync(join(dir, 'imputer', 'model.onnx'), floatInputModel({ coefficients: COEFFICIENTS, intercept: 3, imputed: [0, 0, FILL] }));
  writeFileSync(
    join(dir, 'imputer', 'model.json'),
    JSON.stringify({ model_version: 'imp-1', inputs: { float_input: { columns: COLUMNS }, trip_distance: { min: 0, max: 1000, nullable: true } } }),
  );
  kinesis = await startKinesisServer();
  const logger = new Logger({ logLevel: 'SILENT' });
  const imputer = join(dir, 'imputer', 'model.onnx');
  both = createRuntime(loadConfig({ MODELS: `duration=${DEFAULT_MODEL_PATH},imputer=${imputer}` }), { logger });
  imputerOnly = createRuntime(loadConfig({ MODELS: `imputer=${imputer}` }), { logger, kinesis: kinesis.client });
  await Promise.all([both.models.get(), imputerOnly.models.get()]);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await kinesis.close();
});

describe('a nullable input over HTTP', () => {
  it('feeds a null or absent trip_distance as NaN, and the Imputer fills it in', async () => {
    const replies = await Promise.all(
      [
        { PULocationID: 10, DOLocationID: 50, trip_distance: null },
        { PULocationID: 10, DOLocationID: 50 },
      ].map(async (ride) => JSON.parse((await handleHttpRequest(post('/predict/imputer', ride), both.http)).body) as { imputer: number }),
    );

    for (const reply of replies) expectClose(reply.imputer, 3 + 0.1 + 1 + 2 * FILL);
  });

  it('answers any JSON value for the nullable field with the imputed prediction, the prediction for that number, or a 400 with a code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.jsonValue(), { nil: undefined }), async (value) => {
        const ride = value === undefined ? { PULocationID: 7, DOLocationID: 8 } : { PULocationID: 7, DOLocationID: 8, trip_distance: value };

        const response = await handleHttpRequest(post('/predict/imputer', ride), imputerOnly.http);
        const body = JSON.parse(response.body) as { imputer?: number; code?: string; field?: string };

        if (value === null || value === undefined) expectClose(body.imputer, expected({ PULocationID: 7, DOLocationID: 8 }));
        else if (typeof value === 'number' && value >= 0 && value <= 1000) {
          expect(response.statusCode).toBe(200);
          expectClose(body.imputer, expected({ PULocationID: 7, DOLocationID: 8, trip_distance: value }));
        } else {
          expect(response.statusCode).toBe(400);
          expect(body).toMatchObject({ code: 'INVALID_RIDE', field: 'trip_distance' });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the 400 where a model reading the field takes no missing value (/predict with the shipped duration model)', async () => {
    const response = await handleHttpRequest(post('/predict', { PULocationID: 10, DOLocationID: 50, trip_distance: null }), both.http);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'trip_distance must be a number, got null', code: 'INVALID_RIDE', field: 'trip_distance' });
  });

  it('shows the field as nullable and optional in /openapi.json, only where it is', async () => {
    const response = await handleHttpRequest({ method: 'GET', path: '/openapi.json', headers: {}, body: Buffer.alloc(0) }, both.http);
    const schemas = (
      JSON.parse(response.body) as { components: { schemas: Record<string, { properties: Record<string, { type: unknown }>; required?: string[] }> } }
    ).components.schemas;

    expect(schemas.Ride_imputer?.properties.trip_distance?.type).toEqual(['number', 'null']);
    expect(schemas.Ride_imputer?.required).toEqual(['PULocationID', 'DOLocationID']);
    expect(schemas.Ride?.properties.trip_distance?.type).toBe('number');
    expect(schemas.Ride?.required).toContain('trip_distance');
  });
});

describe('a nullable input on the stream', () => {
  it('writes a prediction for a ride with a null or absent distance, filled in by the Imputer; nothing is dead-lettered', async () => {
    await kinesis.createStream('nullable_predictions', 1);
    const rides: Ride[] = [
      { PULocationID: 1, DOLocationID: 2, trip_distance: 3 },
      { PULocationID: 4, DOLocationID: 5, trip_distance: null },
      { PULocationID: 6, DOLocationID: 7 },
    ];
    const deps = {
      ...(await imputerOnly.stream()),
      predictionsStreamName: 'nullable_predictions',
      deadLetters: undefined,
      logger: recordingLogger(),
      metrics: recordingMetrics(),
    };

    const response = (await handleKinesisEvent(kinesisEvent(rides.map((ride, i) => rideRecord(i, ride))), deps)) as KinesisStreamBatchResponse;
    const written = (await readAll(kinesis.client, 'nullable_predictions')).map((r) => JSON.parse(r.data.toString()) as PredictionRecord);

    expect(response.batchItemFailures).toEqual([]);
    expect(written).toHaveLength(rides.length);
    written.forEach((record, i) => expectClose(record.prediction.ride_imputer, expected(rides[i] as Ride)));
  });
});

describe('a nullable input in a batch job', () => {
  it('scores the rows with an empty distance (no longer skipped), writes the distance as null, and every row is still counted once', async () => {
    const input = join(dir, 'green_tripdata_2021-02.parquet');
    const output = join(dir, 'out', 'scored.parquet');
    const trips = fixtureRows(1_000);
    await writeFixture(input, trips);
    // What the course filter makes of the rows once a missing distance is no reason to skip one.
    const filter = expectedFilter(trips.map((trip) => ({ ...trip, trip_distance: trip.trip_distance ?? 0 })));
    const withoutDistance = trips.filter((trip) => trip.trip_distance === null).length;

    const summary = await handleBatchEvent({ input, output }, imputerOnly.batch);
    const { rows, columns } = await readParquet(output);

    expect(withoutDistance).toBeGreaterThan(10);
    expect(summary.rows_skipped).toEqual(filter.skipped);
    expect(summary.rows_skipped.null_distance).toBe(0);
    expect(summary.rows_kept).toBe(filter.kept.length);
    expect(summary.rows_read).toBe(summary.rows_kept + SKIP_REASONS.reduce((sum, reason) => sum + summary.rows_skipped[reason], 0));
    expect(columns.find((c) => c.name === 'trip_distance')).toMatchObject({ type: 'DOUBLE', required: false });
    const imputed = rows.filter((row) => row.trip_distance === null);
    expect(imputed.length).toBeGreaterThan(0);
    for (const row of rows) {
      expectClose(
        row.predicted_imputer,
        expected({ PULocationID: row.PULocationID as number, DOLocationID: row.DOLocationID as number, trip_distance: row.trip_distance as number | null }),
      );
    }
  });
});
