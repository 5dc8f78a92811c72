import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import fc from 'fast-check';
import { handleHttpRequest, type HttpDeps } from '../../../lambda/protocols/http/http-handler';
import { handleKinesisEvent, type KinesisDeps, type PredictionRecord, type TestRunResponse } from '../../../lambda/protocols/kinesis/stream-handler';
import { parseBatchRequest, resolveBatchJob } from '../../../lambda/protocols/batch/job';
import { runBatchJob } from '../../../lambda/protocols/batch/run-batch';
import { createDeadLetterWriter } from '../../../lambda/protocols/kinesis/dead-letters';
import { createModelSet, type ModelSet } from '../../../lambda/model/model-set';
import { batchOf, defaultModelBytes, defaultSidecar, servedModel } from '../../support/fixtures';
import { kinesisEvent, rideRecord } from '../../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../../support/kinesis-server';
import { overflowingModel } from '../../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../../support/recorders';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../../support/trip-fixtures';
import { testDataplane } from '../../support/dataplane';

/**
 * A model can return NaN or Infinity for inputs that pass validation (here: float32 overflow,
 * NaN at distance 0, Infinity from 3.4 miles). Such a value is never emitted: HTTP answers 422
 * naming the rides, models and input fields; the stream dead-letters the record with the
 * reason; batch skips the row as `non_finite_prediction`. The expectations come from the
 * overflowing model's own outputs, never from a threshold written here.
 */

let set: ModelSet;
beforeAll(async () => {
  set = createModelSet([
    await servedModel('duration', defaultModelBytes(), 'dur-v1', defaultSidecar()),
    await servedModel('overflow', overflowingModel(), 'ovf-v1'),
  ]);
});

/** What the overflowing model alone says for these distances. */
async function overflowOutputs(distances: readonly number[]): Promise<number[]> {
  return Array.from((await set.predict(batchOf(distances.map((trip_distance) => ({ trip_distance }))), ['overflow'])).outputs.overflow as Float64Array);
}

const ride = (trip_distance: number) => ({ PULocationID: 10, DOLocationID: 50, trip_distance });

describe('HTTP: a non-finite prediction is a 422, never null', () => {
  const deps = (): HttpDeps & { unexpected: unknown[] } => {
    const unexpected: unknown[] = [];
    return {
      getModels: async () => set,
      dataplane: testDataplane(),
      maxBodyBytes: 1 << 20,
      maxRidesPerRequest: 100,
      onUnexpectedError: (e) => unexpected.push(e),
      unexpected,
    };
  };
  const post = (body: unknown, path = '/predict') => ({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });

  it('answers 422 naming the ride, the model, what it returned and its input fields', async () => {
    const [value] = await overflowOutputs([50]);
    expect(Number.isFinite(value)).toBe(false);

    const response = await handleHttpRequest(post(ride(50)), deps());

    expect(response.statusCode).toBe(422);
    const body = JSON.parse(response.body) as { code: string; error: string; rides: unknown[] };
    expect(body.code).toBe('NON_FINITE_PREDICTION');
    expect(body.rides).toEqual([{ index: 0, model: 'overflow', value: 'Infinity', inputs: ['trip_distance'] }]);
    expect(body.error).toContain("model 'overflow' returned Infinity");
    expect(response.body).not.toContain('null');
  });

  it('refuses a whole array for one bad element and names that element', async () => {
    const response = await handleHttpRequest(post([ride(1), ride(0), ride(2)]), deps());

    expect(response.statusCode).toBe(422);
    expect((JSON.parse(response.body) as { rides: unknown[] }).rides).toEqual([{ index: 1, model: 'overflow', value: 'NaN', inputs: ['trip_distance'] }]);
  });

  it('still answers /predict/<name> for a model whose output is finite', async () => {
    const response = await handleHttpRequest(post(ride(50), '/predict/duration'), deps());

    expect(response.statusCode).toBe(200);
    expect(Number.isFinite((JSON.parse(response.body) as { duration: number }).duration)).toBe(true);
  });

  it('property: for any valid distance, 200 with finite numbers exactly when every model is finite, else 422; never 5xx', async () => {
    const distances = fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constantFrom(0, 3.3999, 3.4, 3.40001, 1000));
    const d = deps();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(distances, { minLength: 1, maxLength: 20 }), async (list) => {
        cases++;
        const own = await overflowOutputs(list);
        const response = await handleHttpRequest(post(list.map(ride)), d);
        const anyBad = own.some((v) => !Number.isFinite(v));
        expect(response.statusCode).toBe(anyBad ? 422 : 200);
        if (!anyBad) {
          const replies = JSON.parse(response.body) as { duration: number; overflow: number }[];
          for (const reply of replies) expect(Number.isFinite(reply.duration) && Number.isFinite(reply.overflow)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(cases).toBeGreaterThanOrEqual(300);
    expect(d.unexpected).toEqual([]);
  });
});

describe('Stream: a non-finite prediction is dead-lettered with its reason, the rest are written', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  beforeAll(async () => {
    kinesis = await startKinesisServer();
  });
  afterAll(() => kinesis.close());
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'non-finite-stream-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const depsFor = (streamName: string, testRun = false): KinesisDeps => ({
    getModels: async () => set,
    dataplane: testDataplane(),
    kinesis: kinesis.client,
    predictionsStreamName: streamName,
    testRun,
    deadLetters: createDeadLetterWriter({ kind: 'file', path: join(scratch, 'dead-letters') }),
    logger: recordingLogger(),
    metrics: recordingMetrics(),
  });

  function deadLetters(): Record<string, unknown>[] {
    const root = join(scratch, 'dead-letters');
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .flatMap((f) =>
        readFileSync(join(f.parentPath, f.name), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
  }

  it('writes the finite rides to the predictions stream and dead-letters the others, on the real Kinesis protocol', async () => {
    const distances = [2, 50, 0, 3];
    const own = await overflowOutputs(distances);
    await kinesis.createStream('nf_predictions', 1);
    const event = kinesisEvent(distances.map((d, i) => rideRecord(100 + i, ride(d))));

    const response = (await handleKinesisEvent(event, depsFor('nf_predictions'))) as KinesisStreamBatchResponse;

    expect(response.batchItemFailures).toEqual([]);
    const written = (await readAll(kinesis.client, 'nf_predictions')).map((r) => JSON.parse(r.data.toString('utf8')) as PredictionRecord);
    const finiteIds = distances.flatMap((_, i) => (Number.isFinite(own[i]) ? [100 + i] : []));
    expect(written.map((r) => r.prediction.ride_id)).toEqual(finiteIds);
    for (const record of written) expect(Object.values(record.prediction).every((v) => typeof v !== 'number' || Number.isFinite(v))).toBe(true);
    const letters = deadLetters();
    expect(letters.map((l) => l.code)).toEqual(distances.flatMap((_, i) => (Number.isFinite(own[i]) ? [] : ['NON_FINITE_PREDICTION'])));
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringContaining("model 'overflow' returned Infinity"),
      expect.stringContaining("model 'overflow' returned NaN"),
    ]);
    expect(String(letters[0]?.reason)).toContain('trip_distance');
  });

  it('property: every record ends as a finite prediction or a dead letter, never both, never neither (TEST_RUN)', async () => {
    let records = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 50 }), async (distances) => {
        records += distances.length;
        const own = await overflowOutputs(distances);
        const event = kinesisEvent(distances.map((d, i) => rideRecord(i + 1, ride(d))));

        const response = (await handleKinesisEvent(event, depsFor('unused', true))) as TestRunResponse;

        const predicted = response.predictions.map((p) => p.prediction.ride_id);
        const lettered = (response.dead_letters ?? []).map((l) => Number(JSON.parse(Buffer.from(l.data as string, 'base64').toString('utf8')).ride_id));
        expect([...predicted, ...lettered].sort((a, b) => Number(a) - Number(b))).toEqual(distances.map((_, i) => i + 1));
        expect(lettered).toEqual(distances.flatMap((_, i) => (Number.isFinite(own[i]) ? [] : [i + 1])));
        for (const p of response.predictions) expect(Number.isFinite(p.prediction.ride_overflow) && Number.isFinite(p.prediction.ride_duration)).toBe(true);
      }),
      { numRuns: 100 },
    );
    expect(records).toBeGreaterThan(100);
  });
});

describe('Batch: a non-finite prediction is a counted skip, never written', () => {
  const dir = scratchDirectory();
  afterAll(() => dir.remove());

  it.each(['parquet', 'csv'])('skips and counts such rows as non_finite_prediction (%s output)', async (format) => {
    const rows = fixtureRows(2_000);
    const input = join(dir.path, 'green_tripdata_2021-02.parquet');
    const output = join(dir.path, `scored.${format}`);
    await writeFixture(input, rows);
    const { kept } = expectedFilter(rows);
    const own = await overflowOutputs(kept.map((k) => k.ride.trip_distance));
    const nonFinite = own.filter((v) => !Number.isFinite(v)).length;
    expect(nonFinite).toBeGreaterThan(0);
    const job = resolveBatchJob(parseBatchRequest({ input, output }), {
      templates: { input: 'unused', output: 'unused' },
      scheduledTaxiType: 'green',
      runId: 'run-1',
    });

    const summary = await runBatchJob(job, set, { dataplane: testDataplane(), chunkRows: 500 });

    expect(summary.rows_skipped.non_finite_prediction).toBe(nonFinite);
    expect(summary.rows_scored).toBe(kept.length - nonFinite);
    expect(summary.rows_read).toBe(Object.values(summary.rows_skipped).reduce((a, b) => a + b, 0) + summary.rows_scored);
    if (format === 'parquet') {
      const { rows: written } = await readParquet(output);
      expect(written).toHaveLength(kept.length - nonFinite);
      for (const row of written) expect(Number.isFinite(row.predicted_overflow) && Number.isFinite(row.predicted_duration)).toBe(true);
    } else {
      const text = readFileSync(output, 'utf8');
      expect(text.trim().split('\n')).toHaveLength(kept.length - nonFinite + 1);
      expect(text).not.toMatch(/Infinity|NaN/);
    }
  });
});
