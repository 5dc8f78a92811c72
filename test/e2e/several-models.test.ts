import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { handleApiGatewayEvent, handleHttpRequest, type HttpDeps, type HttpRequest } from '../../lambda/protocols/http/http-handler';
import { handleKinesisEvent, type KinesisDeps, type PredictionRecord } from '../../lambda/protocols/kinesis/stream-handler';
import { parseBatchRequest, resolveBatchJob, type BatchJob } from '../../lambda/protocols/batch/job';
import { runBatchJob } from '../../lambda/protocols/batch/run-batch';
import { isPredictError } from '../../lambda/serving/errors';
import { createDeadLetterWriter } from '../../lambda/protocols/kinesis/dead-letters';
import { createModelSet, type ModelSet } from '../../lambda/model/model-set';
import type { ServedModel } from '../../lambda/model/served-model';
import { COURSE_RIDE, defaultModelBytes, defaultSidecar, servedModel } from '../support/fixtures';
import { apiGatewayEvent } from '../support/http-events';
import { kinesisEvent, kinesisRecord, rideNumber, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { passengerModel } from '../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../support/recorders';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../support/trip-fixtures';
import { testDataplane } from '../support/dataplane';

/**
 * `fare` (test/support/onnx-models.ts) needs `passenger_count`, an int64 the course's request
 * lacks: fare = 2 · trip_distance + 3 · passenger_count, computed by the graph in float32.
 */
function handFare(tripDistance: number, passengers: number): number {
  const f = Math.fround;
  return f(f(2 * f(tripDistance)) + f(3 * f(passengers)));
}

let duration: ServedModel;
let fare: ServedModel;
let both: ModelSet;
let durationAlone: ModelSet;
let fareAlone: ModelSet;

beforeAll(async () => {
  duration = await servedModel('duration', defaultModelBytes(), 'd1', defaultSidecar());
  fare = await servedModel('fare', passengerModel(), 'f1');
  both = createModelSet([duration, fare]);
  durationAlone = createModelSet([duration]);
  fareAlone = createModelSet([fare]);
});

const httpDeps = (set: ModelSet): HttpDeps => ({
  getModels: async () => set,
  dataplane: testDataplane(),
  maxBodyBytes: 65_536,
  maxRidesPerRequest: 100,
  onUnexpectedError: (error) => {
    throw error;
  },
});

const post = (path: string, body: unknown): HttpRequest => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

async function reply(set: ModelSet, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> & Array<Record<string, unknown>> }> {
  const response = await handleHttpRequest(post(path, body), httpDeps(set));
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

const ride = (passengers?: unknown, tripDistance = 4) => ({
  ...COURSE_RIDE,
  trip_distance: tripDistance,
  ...(passengers === undefined ? {} : { passenger_count: passengers }),
});

describe('a model with an input the course request lacks (passenger_count), over HTTP', () => {
  it.each(['/predict', '/predict/fare'])('%s answers 400 naming passenger_count when a ride lacks it', async (path) => {
    const { status, body } = await reply(both, path, ride());

    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'MISSING_INPUT', field: 'passenger_count' });
    expect(body.error).toContain('passenger_count');
  });

  it('still answers /predict/duration without passenger_count, which only fare needs', async () => {
    const { status, body } = await reply(both, '/predict/duration', ride());

    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['duration', 'model_version']);
  });

  it.each([
    ['a fraction', 1.5],
    ['a string', '2'],
    ['beyond the safe integers', 2 ** 53 + 2],
    ['beyond int64', 1e20],
    ['a boolean', true],
  ])('%s answers 400 naming passenger_count on both routes', async (_case, value) => {
    for (const path of ['/predict', '/predict/fare']) {
      const { status, body } = await reply(both, path, ride(value));

      expect(status).toBe(400);
      expect(body.field).toBe('passenger_count');
    }
  });

  it('answers 14 for 4 miles and 2 passengers, on both routes', async () => {
    const all = await reply(both, '/predict', ride(2));
    const one = await reply(both, '/predict/fare', ride(2));

    expect(all.status).toBe(200);
    expect(all.body.fare).toBe(14);
    expect(all.body.model_versions).toEqual({ duration: 'd1', fare: 'f1' });
    expect(one.body).toEqual({ fare: 14, model_version: 'f1' });
  });

  it('answers the hand-computed fare for generated distances and passenger counts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 200, noNaN: true }), fc.integer({ min: 0, max: 10_000 }), async (tripDistance, passengers) => {
        const { status, body } = await reply(both, '/predict/fare', ride(passengers, tripDistance));

        expect(status).toBe(200);
        expect(body.fare).toBe(handFare(tripDistance, passengers));
      }),
      { numRuns: 60 },
    );
  });

  it('answers any generated passenger_count either 400 naming it or, for a safe integer, the hand-computed fare', async () => {
    const hostile = fc.oneof(
      fc.jsonValue(),
      fc.double(),
      fc.bigInt().map(String),
      fc.integer().map((n) => n + 0.5),
      fc.constantFrom(2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 1, -0, 1e308),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        const { status, body } = await reply(both, '/predict/fare', ride(value));

        if (typeof value === 'number' && Number.isSafeInteger(value)) {
          expect(status).toBe(200);
          expect(body.fare).toBe(handFare(4, value));
        } else {
          expect(status).toBe(400);
          expect(body.field).toBe('passenger_count');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names the bad element of an array by its index, and answers a good array in order', async () => {
    const bad = await reply(both, '/predict/fare', [ride(1), ride(2), ride(0.5)]);
    const missing = await reply(both, '/predict', [ride(1), ride()]);
    const good = await reply(both, '/predict/fare', [ride(1, 1), ride(0, 2.5), ride(6, 10)]);

    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('[2].passenger_count');
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('[1].passenger_count');
    expect(good.body.map((r) => r.fare)).toEqual([handFare(1, 1), handFare(2.5, 0), handFare(10, 6)]);
    expect(good.body.map((r) => r.fare)).toEqual([5, 5, 38]);
  });
});

describe('two models give exactly what each model gives alone', () => {
  const rides = Array.from({ length: 25 }, (_, i) => ({ ...rideNumber(i), passenger_count: i % 5 }));

  it('over HTTP (/predict and /predict/<name>)', async () => {
    const together = await reply(both, '/predict', rides);
    const durations = await reply(durationAlone, '/predict', rides);
    const fares = await reply(fareAlone, '/predict', rides);
    const fareRoute = await reply(both, '/predict/fare', rides);

    expect(together.body.map((r) => r.duration)).toEqual(durations.body.map((r) => r.duration));
    expect(together.body.map((r) => r.fare)).toEqual(fares.body.map((r) => r.fare));
    expect(fareRoute.body.map((r) => r.fare)).toEqual(fares.body.map((r) => r.fare));
    expect(together.body.map((r) => r.fare)).toEqual(rides.map((r) => handFare(r.trip_distance, r.passenger_count)));
  });

  it('through the Lambda (API Gateway) handler', async () => {
    const call = async (set: ModelSet) =>
      JSON.parse((await handleApiGatewayEvent(apiGatewayEvent({ body: JSON.stringify(rides) }), httpDeps(set))).body as string) as Record<string, number>[];

    const together = await call(both);

    expect(together.map((r) => r.duration)).toEqual((await call(durationAlone)).map((r) => r.duration));
    expect(together.map((r) => r.fare)).toEqual((await call(fareAlone)).map((r) => r.fare));
  });
});

describe('a model with an input the course request lacks, on the Kinesis stream', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  let streams = 0;
  beforeAll(async () => {
    kinesis = await startKinesisServer();
  });
  afterAll(() => kinesis.close());
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'several-models-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  async function run(
    set: ModelSet,
    records: ReturnType<typeof kinesisRecord>[],
  ): Promise<{ written: PredictionRecord[]; letters: Record<string, unknown>[]; failures: unknown[] }> {
    const streamName = `several_${++streams}`;
    await kinesis.createStream(streamName, 1);
    const deps: KinesisDeps = {
      getModels: async () => set,
      dataplane: testDataplane(),
      kinesis: kinesis.client,
      predictionsStreamName: streamName,
      testRun: false,
      deadLetters: createDeadLetterWriter({ kind: 'file', path: join(scratch, `dead-${streams}`) }),
      logger: recordingLogger(),
      metrics: recordingMetrics(),
    };
    const response = (await handleKinesisEvent(kinesisEvent(records), deps)) as { batchItemFailures: unknown[] };
    const written = (await readAll(kinesis.client, streamName)).map((r) => JSON.parse(r.data.toString('utf8')) as PredictionRecord);
    const root = join(scratch, `dead-${streams}`);
    const files = existsSync(root) ? readdirSync(root, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
    const letters = files.flatMap((f) =>
      readFileSync(join(f.parentPath, f.name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
    return { written, letters, failures: response.batchItemFailures };
  }

  it('dead-letters a ride without passenger_count naming it, and writes ride_fare for the others', async () => {
    const { written, letters, failures } = await run(both, [
      rideRecord(1, ride(2), { sequenceNumber: '21' }),
      rideRecord(2, ride(), { sequenceNumber: '22' }),
      rideRecord(3, ride(1.5), { sequenceNumber: '23' }),
      rideRecord(4, ride(5, 7.25), { sequenceNumber: '24' }),
    ]);

    expect(failures).toEqual([]);
    expect(written.map((r) => [r.prediction.ride_id, r.prediction.ride_fare])).toEqual([
      [1, 14],
      [4, handFare(7.25, 5)],
    ]);
    expect(written[0]?.versions).toEqual({ duration: 'd1', fare: 'f1' });
    expect(letters.map((l) => [l.sequenceNumber, l.field])).toEqual([
      ['22', 'ride.passenger_count'],
      ['23', 'ride.passenger_count'],
    ]);
    expect(letters[0]?.reason).toContain('passenger_count');
  });

  it('writes what each model writes alone, for a batch of rides', async () => {
    const records = Array.from({ length: 30 }, (_, i) => rideRecord(i, { ...rideNumber(i), passenger_count: i % 4 }));

    const together = await run(both, records);
    const durations = await run(durationAlone, records);
    const fares = await run(fareAlone, records);

    expect([together, durations, fares].map((r) => [r.letters.length, r.failures.length, r.written.length])).toEqual(Array(3).fill([0, 0, 30]));
    expect(together.written.map((r) => r.prediction.ride_duration)).toEqual(durations.written.map((r) => r.prediction.ride_duration));
    expect(together.written.map((r) => r.prediction.ride_fare)).toEqual(fares.written.map((r) => r.prediction.ride_fare));
    expect(together.written.map((r) => r.prediction.ride_fare)).toEqual(records.map((_, i) => handFare(rideNumber(i).trip_distance, i % 4)));
  });
});

describe('a model with an input the course request lacks, in the batch job', () => {
  const dir = scratchDirectory();
  afterAll(() => dir.remove());
  const rows = fixtureRows(1_200);
  const input = join(dir.path, 'green_tripdata_2021-02.parquet');
  beforeAll(() => writeFixture(input, rows, { rowGroupSize: 500 }));

  function job(inputPath: string, output: string): BatchJob {
    return resolveBatchJob(parseBatchRequest({ input: inputPath, output }), {
      templates: { input: 'unused', output: 'unused' },
      scheduledTaxiType: 'green',
      runId: 'run-1',
    });
  }

  it("writes predicted_fare from the file's passenger_count column, as computed by hand", async () => {
    const output = join(dir.path, 'out', 'fare.parquet');
    // the trip file writer's passenger_count is 1 + (row % 3) (lambda/local/synthetic/trip-file.ts)
    const { kept } = expectedFilter(rows);

    await runBatchJob(job(input, output), both, { dataplane: testDataplane(), chunkRows: 400 });
    const { rows: written } = await readParquet(output);

    expect(written.map((r) => r.passenger_count)).toEqual(kept.map((k) => 1 + (k.index % 3)));
    expect(written.map((r) => r.predicted_fare)).toEqual(kept.map((k) => handFare(k.ride.trip_distance, 1 + (k.index % 3))));
  });

  it('writes exactly the predictions each model writes alone', async () => {
    const paths = ['both', 'duration', 'fare'].map((name) => join(dir.path, 'out', `${name}.parquet`));
    const sets = [both, durationAlone, fareAlone];

    for (const [i, set] of sets.entries()) await runBatchJob(job(input, paths[i] as string), set, { dataplane: testDataplane(), chunkRows: 400 });
    const [together, durations, fares] = await Promise.all(paths.map(async (p) => (await readParquet(p)).rows));

    expect(together?.map((r) => r.predicted_duration)).toEqual(durations?.map((r) => r.predicted_duration));
    expect(together?.map((r) => r.predicted_fare)).toEqual(fares?.map((r) => r.predicted_fare));
    expect(together?.length).toBeGreaterThan(0);
  });

  it('fails with MISSING_INPUT naming passenger_count and the model when the file has no such column', async () => {
    const csv = join(dir.path, 'green_tripdata_2021-03.csv');
    writeFileSync(
      csv,
      'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n2021-03-01 08:00:00,2021-03-01 08:12:00,10,50,4.2\n',
    );

    const failure = await runBatchJob(job(csv, join(dir.path, 'out', 'none.parquet')), both, { dataplane: testDataplane(), chunkRows: 400 }).catch(
      (error: unknown) => error,
    );

    expect(isPredictError(failure) && failure.code).toBe('MISSING_INPUT');
    expect((failure as Error).message).toMatch(/missing column passenger_count, which the model fare needs/);
  });
});
