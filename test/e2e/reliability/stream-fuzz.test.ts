import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { handleKinesisEvent, type KinesisDeps, type PredictionRecord } from '../../../lambda/protocols/kinesis/stream-handler';
import type { Ride } from '../../../lambda/rides/features';
import type { ModelSet } from '../../../lambda/model/model-set';
import { createDeadLetterWriter } from '../../../lambda/protocols/kinesis/dead-letters';
import { KinesisPoller } from '../../../lambda/local/kinesis-poller';
import { createRandom } from '../../../lambda/local/synthetic/random';
import { defaultModels, predictDurations } from '../../support/fixtures';
import { kinesisEvent, kinesisRecordWithData, rideNumber } from '../../support/events';
import { putPayloads, readAll, startKinesisServer, type LocalKinesisServer } from '../../support/kinesis-server';
import { recordingLogger, recordingMetrics } from '../../support/recorders';
import { testDataplane } from '../../support/dataplane';

/**
 * Property: whatever records arrive, every valid ride is predicted exactly once, every bad record
 * is dead-lettered with its reason, and the handler never throws for input.
 */
const EVENTS = 20;
const RECORDS_PER_EVENT = 500;

type Generated = { data: string; valid: false } | { data: string; valid: true; rideId: number; ride: Ride };

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');
const HUGE_POISON = b64(JSON.stringify({ ride_id: 'huge', ride: 'h'.repeat(700_000) }));
const validRide = fc.record({
  PULocationID: fc.integer({ min: 1, max: 265 }),
  DOLocationID: fc.integer({ min: 1, max: 265 }),
  trip_distance: fc.double({ min: 0, max: 500, noNaN: true }),
});
const badValue = fc.oneof(fc.constantFrom(null, -1, 0, 1.5, 'NaN', '12', true, [], {}), fc.string({ maxLength: 5 }));
const invalidRide = fc.tuple(validRide, fc.constantFrom('PULocationID', 'DOLocationID', 'trip_distance'), badValue).map(([ride, key, bad]) => {
  if (key === 'trip_distance' && typeof bad === 'number' && bad >= 0) bad = -bad - 1;
  return { ...ride, [key]: bad };
});

function records(firstId: number): fc.Arbitrary<Generated[]> {
  const valid = (id: number) =>
    fc
      .tuple(validRide, fc.boolean(), fc.oneof({ weight: 300, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }))
      .map(([ride, extra, huge]): Generated => {
        // now and then a valid record near Kinesis' 1 MB limit
        const payload = { ride: extra ? { ...ride, VendorID: 2 } : ride, ride_id: id, ...(huge ? { pad: 'p'.repeat(700_000) } : {}) };
        return { data: b64(JSON.stringify(payload)), valid: true, rideId: id, ride };
      });
  const poison = (id: number): fc.Arbitrary<Generated> =>
    fc
      .oneof(
        { weight: 10, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => b64(Uint8Array.of(0xff, ...bytes))) },
        { weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${s}!*`) },
        { weight: 10, arbitrary: validRide.map((ride) => b64(JSON.stringify({ ride, ride_id: id }).slice(0, -2))) },
        { weight: 20, arbitrary: invalidRide.map((ride) => b64(JSON.stringify({ ride, ride_id: id }))) },
        { weight: 10, arbitrary: validRide.map((ride) => b64(JSON.stringify({ ride }))) },
        { weight: 5, arbitrary: validRide.map((ride) => b64(JSON.stringify({ ride, ride_id: 'x'.repeat(300) }))) },
        {
          weight: 10,
          arbitrary: fc
            .jsonValue()
            .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
            .map((v) => b64(JSON.stringify(v))),
        },
        // a near-1 MB record (Kinesis' limit) now and then
        { weight: 1, arbitrary: fc.constant(HUGE_POISON) },
      )
      .map((data) => ({ data, valid: false }));
  return fc
    .array(fc.boolean(), { minLength: RECORDS_PER_EVENT, maxLength: RECORDS_PER_EVENT })
    .chain((kinds) => fc.tuple(...kinds.map((isValid, i) => (isValid || i % 3 === 0 ? valid(firstId + i) : poison(firstId + i)))));
}

describe('the stream adapter under generated records', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  let service: ModelSet;
  beforeAll(async () => {
    kinesis = await startKinesisServer();
    service = await defaultModels('v-fuzz');
    scratch = mkdtempSync(join(tmpdir(), 'stream-fuzz-'));
  });
  afterAll(async () => {
    await kinesis.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  function deps(outputStream: string, deadLetterDir: string): KinesisDeps {
    return {
      getModels: async () => service,
      dataplane: testDataplane(),
      kinesis: kinesis.client,
      predictionsStreamName: outputStream,
      testRun: false,
      deadLetters: createDeadLetterWriter({ kind: 'file', path: deadLetterDir }),
      logger: recordingLogger(),
      metrics: recordingMetrics(),
      putRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    };
  }

  function deadLetters(dir: string): Array<{ sequenceNumber: string; code: string; reason: string }> {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .flatMap((f) => readFileSync(join(f.parentPath, f.name), 'utf8').trim().split('\n'))
      .map((line) => JSON.parse(line) as { sequenceNumber: string; code: string; reason: string });
  }

  it(`predicts every valid ride once and dead-letters every bad record, over ${EVENTS * RECORDS_PER_EVENT} records`, async () => {
    await kinesis.createStream('fuzz_predictions', 2);
    const dlq = join(scratch, 'dlq');
    const streamDeps = deps('fuzz_predictions', dlq);
    const sent: Array<Generated & { sequenceNumber: string }> = [];

    for (let e = 0; e < EVENTS; e++) {
      const [batch] = fc.sample(records(e * RECORDS_PER_EVENT), { numRuns: 1, seed: 7000 + e });
      const eventRecords: KinesisStreamRecord[] = (batch as Generated[]).map((g, i) => {
        const record = kinesisRecordWithData(g.data, { shardId: `shardId-00000000000${i % 2}` });
        sent.push({ ...g, sequenceNumber: record.kinesis.sequenceNumber });
        return record;
      });

      const response = (await handleKinesisEvent(kinesisEvent(eventRecords), streamDeps)) as KinesisStreamBatchResponse;

      expect(response.batchItemFailures).toEqual([]);
    }

    const valid = sent.filter((g): g is Extract<Generated, { valid: true }> & { sequenceNumber: string } => g.valid);
    const poison = sent.filter((g) => !g.valid);
    const output = (await readAll(kinesis.client, 'fuzz_predictions')).map((r) => JSON.parse(r.data.toString('utf8')) as PredictionRecord);
    const expected = await predictDurations(
      service,
      valid.map((g) => g.ride),
    );
    const byId = new Map(output.map((o) => [o.prediction.ride_id, o.prediction.ride_duration]));
    const letters = deadLetters(dlq);

    expect(valid.length).toBeGreaterThan(EVENTS * RECORDS_PER_EVENT * 0.5);
    expect(poison.length).toBeGreaterThan(EVENTS * RECORDS_PER_EVENT * 0.2);
    expect(output).toHaveLength(valid.length);
    expect(byId.size).toBe(valid.length);
    valid.forEach((g, i) => expect(byId.get(g.rideId)).toBe(expected[i]));
    expect(letters.map((l) => l.sequenceNumber).sort()).toEqual(poison.map((p) => p.sequenceNumber).sort());
    for (const letter of letters) {
      expect(letter.code).toMatch(/^(NOT_BASE64|NOT_JSON|INVALID_RIDE_ID|INVALID_RIDE)$/);
      expect(letter.reason.length).toBeGreaterThan(5);
    }
  });

  it('loses no record when the function is killed mid-batch and the mapping re-delivers', async () => {
    await kinesis.createStream('killed_input', 2);
    await kinesis.createStream('killed_predictions', 1);
    const rides = Array.from({ length: 2000 }, (_, i) => ({ partitionKey: String(i), data: JSON.stringify({ ride: rideNumber(i), ride_id: i }) }));
    await putPayloads(kinesis.client, 'killed_input', rides);
    const streamDeps = deps('killed_predictions', join(scratch, 'killed-dlq'));
    const random = createRandom(99);
    let kills = 0;

    const poller = await KinesisPoller.start({
      kinesis: kinesis.client,
      streamName: 'killed_input',
      batchSize: 100,
      retryDelayMs: () => 1,
      // A third of the invocations die: before doing anything, or after writing but before answering.
      handler: async (event) => {
        const roll = random();
        if (roll < 0.15) {
          kills++;
          throw new Error('killed before processing');
        }
        const response = await handleKinesisEvent(event, streamDeps);
        if (roll < 0.33) {
          kills++;
          throw new Error('killed after writing, before answering');
        }
        return response;
      },
    });
    const stats = await poller.drain();

    const ids = (await readAll(kinesis.client, 'killed_predictions')).map(
      (r) => (JSON.parse(r.data.toString('utf8')) as PredictionRecord).prediction.ride_id as number,
    );
    const distinct = new Set(ids);
    expect(kills).toBeGreaterThan(5);
    expect(stats.redeliveries).toBe(kills);
    expect(distinct.size).toBe(2000);
    expect(ids.length).toBeGreaterThanOrEqual(2000);
  });
});
