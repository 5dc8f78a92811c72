import { predictDurations } from '../../../support/fixtures';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import {
  handleKinesisEvent,
  MODEL_NAME,
  type KinesisDeps,
  type PredictionRecord,
  type TestRunResponse,
} from '../../../../lambda/protocols/kinesis/stream-handler';
import { ModelLoadError } from '../../../../lambda/serving/errors';
import type { ModelSet } from '../../../../lambda/model/model-set';
import { createDeadLetterWriter } from '../../../../lambda/protocols/kinesis/dead-letters';
import { createLocalKinesisClient } from '../../../../lambda/local/local-kinesis';
import { countingModels } from '../../../support/counting-model';
import { COURSE_EVENT_RIDE, COURSE_KINESIS_EVENT, kinesisEvent, kinesisRecord, kinesisRecordWithData, rideNumber, rideRecord } from '../../../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../../../support/kinesis-server';
import { recordingLogger, recordingMetrics } from '../../../support/recorders';
import { startThrottlingProxy } from '../../../support/throttling-proxy';
import { testDataplane } from '../../../support/dataplane';

const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';
const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

let kinesis: LocalKinesisServer;
let service: ModelSet;
let runs: () => number;
let streamCount = 0;
let scratch: string;

beforeAll(async () => {
  kinesis = await startKinesisServer();
  ({ set: service, runs } = await countingModels('v-test'));
});
afterAll(() => kinesis.close());
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'kinesis-adapter-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh predictions stream per test, so reads see only that test's writes. */
async function freshStream(): Promise<string> {
  const name = `predictions_${++streamCount}`;
  await kinesis.createStream(name, 1);
  return name;
}

function depsFor(streamName: string, overrides: Partial<KinesisDeps> = {}) {
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const deps: KinesisDeps = {
    getModels: async () => service,
    dataplane: testDataplane(),
    kinesis: kinesis.client,
    predictionsStreamName: streamName,
    testRun: false,
    deadLetters: createDeadLetterWriter({ kind: 'file', path: join(scratch, 'dead-letters') }),
    logger,
    metrics,
    putRetry: FAST_RETRY,
    ...overrides,
  };
  return { deps, logger, metrics };
}

async function predictionsIn(streamName: string): Promise<Array<{ partitionKey: string; record: PredictionRecord }>> {
  return (await readAll(kinesis.client, streamName)).map((r) => ({
    partitionKey: r.partitionKey,
    record: JSON.parse(r.data.toString('utf8')) as PredictionRecord,
  }));
}

function deadLetterLines(): Array<Record<string, unknown>> {
  const root = join(scratch, 'dead-letters');
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  return files.flatMap((f) =>
    readFileSync(join(f.parentPath, f.name), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

function failedIds(response: unknown): string[] {
  return (response as KinesisStreamBatchResponse).batchItemFailures.map((f) => f.itemIdentifier);
}

describe('handleKinesisEvent', () => {
  it("returns the course's prediction shape for the course's test event under TEST_RUN, writing nothing", async () => {
    const streamName = await freshStream();
    const { deps } = depsFor(streamName, { testRun: true, getModels: async () => (await countingModels('Test123')).set });
    const [expected] = await predictDurations(service, [COURSE_EVENT_RIDE]);

    const response = await handleKinesisEvent(COURSE_KINESIS_EVENT, deps);

    expect(response).toEqual({
      predictions: [
        {
          model: 'ride_duration_prediction_model',
          version: 'Test123',
          prediction: { ride_duration: expected, ride_id: 256 },
          versions: { duration: 'Test123' },
        },
      ],
    });
    expect(expected).toBeGreaterThan(0);
    expect(await readAll(kinesis.client, streamName)).toHaveLength(0);
  });

  it('writes one prediction per ride to the predictions stream, keyed by ride_id, and reports no failures', async () => {
    const streamName = await freshStream();
    const rides = [rideNumber(1), rideNumber(2), rideNumber(3)];
    const event = kinesisEvent([rideRecord(101, rides[0]), rideRecord('ride-102', rides[1]), rideRecord(103, rides[2])]);
    const durations = await predictDurations(service, rides);

    const response = await handleKinesisEvent(event, depsFor(streamName).deps);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await predictionsIn(streamName)).toEqual([
      {
        partitionKey: '101',
        record: { model: MODEL_NAME, version: 'v-test', prediction: { ride_duration: durations[0], ride_id: 101 }, versions: { duration: 'v-test' } },
      },
      {
        partitionKey: 'ride-102',
        record: { model: MODEL_NAME, version: 'v-test', prediction: { ride_duration: durations[1], ride_id: 'ride-102' }, versions: { duration: 'v-test' } },
      },
      {
        partitionKey: '103',
        record: { model: MODEL_NAME, version: 'v-test', prediction: { ride_duration: durations[2], ride_id: 103 }, versions: { duration: 'v-test' } },
      },
    ]);
  });

  it('dead-letters each poison record with its raw data, shard, sequence number and reason, and writes the valid ones', async () => {
    const streamName = await freshStream();
    const poison = [
      kinesisRecordWithData('%%% not base64 %%%', { sequenceNumber: '11' }),
      kinesisRecordWithData(Buffer.from('{"ride": oops').toString('base64'), { sequenceNumber: '12' }),
      kinesisRecord({ ride: rideNumber(5) }, { sequenceNumber: '13' }),
      kinesisRecord({ ride: { ...rideNumber(6), trip_distance: -1 }, ride_id: 6 }, { sequenceNumber: '14' }),
      kinesisRecord({ ride_id: 7 }, { sequenceNumber: '15' }),
    ];
    const event = kinesisEvent([rideRecord(1, rideNumber(1), { sequenceNumber: '10' }), ...poison, rideRecord(2, rideNumber(2), { sequenceNumber: '16' })]);

    const response = await handleKinesisEvent(event, depsFor(streamName).deps);

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id)).toEqual([1, 2]);
    const letters = deadLetterLines();
    expect(letters.map((l) => [l.sequenceNumber, l.code, l.field])).toEqual([
      ['11', 'NOT_BASE64', undefined],
      ['12', 'NOT_JSON', undefined],
      ['13', 'INVALID_RIDE_ID', 'ride_id'],
      ['14', 'INVALID_RIDE', 'ride.trip_distance'],
      ['15', 'INVALID_RIDE', 'ride'],
    ]);
    expect(letters[0]).toMatchObject({
      data: '%%% not base64 %%%',
      shardId: SHARD_0,
      eventSourceARN: poison[0]?.eventSourceARN,
      reason: expect.stringContaining('base64'),
    });
    expect(letters[3]?.reason).toContain('trip_distance must be ≥ 0');
  });

  it('reports a poison record and every later record of its shard when the dead letters cannot be written, while other shards go on', async () => {
    const streamName = await freshStream();
    writeFileSync(join(scratch, 'a-file'), 'not a directory');
    const deadLetters = createDeadLetterWriter({ kind: 'file', path: join(scratch, 'a-file', 'dead-letters') });
    const event = kinesisEvent([
      rideRecord(1, rideNumber(1), { shardId: SHARD_0, sequenceNumber: '100' }),
      rideRecord(4, rideNumber(4), { shardId: SHARD_1, sequenceNumber: '200' }),
      kinesisRecordWithData('***', { shardId: SHARD_0, sequenceNumber: '101' }),
      rideRecord(3, rideNumber(3), { shardId: SHARD_0, sequenceNumber: '102' }),
      rideRecord(5, rideNumber(5), { shardId: SHARD_1, sequenceNumber: '201' }),
    ]);

    const response = await handleKinesisEvent(event, depsFor(streamName, { deadLetters }).deps);

    expect(failedIds(response)).toEqual(['101', '102']);
    expect((await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id)).toEqual([1, 4, 5]);
  });

  it('reports poison records rather than dropping them when no dead-letter location is configured', async () => {
    const streamName = await freshStream();
    const event = kinesisEvent([rideRecord(1, rideNumber(1), { sequenceNumber: '1' }), kinesisRecordWithData('!', { sequenceNumber: '2' })]);

    const response = await handleKinesisEvent(event, depsFor(streamName, { deadLetters: undefined }).deps);

    expect(failedIds(response)).toEqual(['2']);
  });

  it('reports every record and writes nothing when the model cannot be loaded', async () => {
    const streamName = await freshStream();
    const getModels = () => Promise.reject(new ModelLoadError('cannot fetch model from s3://models/model.onnx: NoSuchKey'));
    const event = kinesisEvent([rideRecord(1, rideNumber(1), { sequenceNumber: '1' }), kinesisRecordWithData('!', { sequenceNumber: '2' })]);

    const response = await handleKinesisEvent(event, depsFor(streamName, { getModels }).deps);

    expect(failedIds(response)).toEqual(['1', '2']);
    expect(await readAll(kinesis.client, streamName)).toHaveLength(0);
  });

  it('dead-letters a batch of only poison records even while the model cannot be loaded', async () => {
    const streamName = await freshStream();
    const getModels = () => Promise.reject(new ModelLoadError('model store unreachable'));
    const event = kinesisEvent([kinesisRecordWithData('!', { sequenceNumber: '1' }), kinesisRecord({ ride_id: 2 }, { sequenceNumber: '2' })]);

    const response = await handleKinesisEvent(event, depsFor(streamName, { getModels }).deps);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLetterLines().map((l) => l.sequenceNumber)).toEqual(['1', '2']);
  });

  it('retries the entries the predictions stream throttles until every prediction is written exactly once', async () => {
    const streamName = await freshStream();
    const proxy = await startThrottlingProxy(kinesis.endpoint, (entry, timesSeen) => timesSeen < 2 && Number(entry.partitionKey) % 3 === 0);
    const client = createLocalKinesisClient(proxy.endpoint);
    const event = kinesisEvent(Array.from({ length: 60 }, (_, i) => rideRecord(i, rideNumber(i))));
    const { deps, logger } = depsFor(streamName, { kinesis: client });

    const response = await handleKinesisEvent(event, deps);

    client.destroy();
    await proxy.close();
    expect(response).toEqual({ batchItemFailures: [] });
    const ids = (await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id as number);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(proxy.rejected).toHaveLength(40);
    expect(logger.entries.find((e) => e.message === 'kinesis batch')?.extra).toMatchObject({ records: 60, written: 60, retried: 40, failed: 0 });
  });

  it('reports the record a throttled shard could not write after retries and every later record of that shard, and sends none of them', async () => {
    const streamName = await freshStream();
    const proxy = await startThrottlingProxy(kinesis.endpoint, (entry) => entry.partitionKey === '2');
    const client = createLocalKinesisClient(proxy.endpoint);
    const event = kinesisEvent([
      rideRecord(1, rideNumber(1), { shardId: SHARD_0, sequenceNumber: '100' }),
      rideRecord(2, rideNumber(2), { shardId: SHARD_0, sequenceNumber: '101' }),
      rideRecord(4, rideNumber(4), { shardId: SHARD_1, sequenceNumber: '200' }),
      ...Array.from({ length: 600 }, (_, i) => rideRecord(1000 + i, rideNumber(i), { shardId: SHARD_0, sequenceNumber: String(102 + i) })),
      rideRecord(5, rideNumber(5), { shardId: SHARD_1, sequenceNumber: '201' }),
    ]);

    const response = await handleKinesisEvent(event, depsFor(streamName, { kinesis: client }).deps);

    client.destroy();
    await proxy.close();
    expect(failedIds(response)).toEqual(['101', ...Array.from({ length: 600 }, (_, i) => String(102 + i))]);
    const written = (await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id);
    // Rides 1000..1496 shared the first call with ride 2 and Kinesis took them (they will come
    // again on re-delivery: the duplicates the README describes); nothing of shard 0 after that call is sent.
    expect(written.filter((id) => id === 1 || id === 4 || id === 5)).toEqual([1, 4, 5]);
    expect(written).not.toContain(2);
    expect(written.filter((id) => (id as number) >= 1000)).toEqual(Array.from({ length: 497 }, (_, i) => 1000 + i));
    expect(proxy.putCalls).toEqual([500, 1, 1, 1, 1]);
  });

  it('splits more than 500 predictions into PutRecords calls of at most 500, in order', async () => {
    const streamName = await freshStream();
    const proxy = await startThrottlingProxy(kinesis.endpoint, () => false);
    const client = createLocalKinesisClient(proxy.endpoint);
    const event = kinesisEvent(Array.from({ length: 1_200 }, (_, i) => rideRecord(i, rideNumber(i))));

    const response = await handleKinesisEvent(event, depsFor(streamName, { kinesis: client }).deps);

    client.destroy();
    await proxy.close();
    expect(response).toEqual({ batchItemFailures: [] });
    expect(proxy.putCalls).toEqual([500, 500, 200]);
    expect((await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id)).toEqual(Array.from({ length: 1_200 }, (_, i) => i));
  });

  it('reports the whole batch when the predictions stream does not exist, and writes it once the stream exists', async () => {
    const streamName = `missing_${++streamCount}`;
    const event = kinesisEvent([rideRecord(1, rideNumber(1), { sequenceNumber: '1' }), rideRecord(2, rideNumber(2), { sequenceNumber: '2' })]);
    const { deps } = depsFor(streamName);

    const first = await handleKinesisEvent(event, deps);
    await kinesis.createStream(streamName, 1);
    const second = await handleKinesisEvent(event, deps);

    expect(failedIds(first)).toEqual(['1', '2']);
    expect(second).toEqual({ batchItemFailures: [] });
    expect((await predictionsIn(streamName)).map((p) => p.record.prediction.ride_id)).toEqual([1, 2]);
  });

  it('predicts a batch exactly as it predicts each ride alone, running the model once for the batch', async () => {
    const streamName = await freshStream();
    const records = Array.from({ length: 50 }, (_, i) => rideRecord(i, rideNumber(i * 13)));
    const { deps } = depsFor(streamName, { testRun: true });

    const before = runs();
    const batch = (await handleKinesisEvent(kinesisEvent(records), deps)) as TestRunResponse;
    const runsForBatch = runs() - before;
    const singles: PredictionRecord[] = [];
    for (const record of records) singles.push(...((await handleKinesisEvent(kinesisEvent([record]), deps)) as TestRunResponse).predictions);

    expect(runsForBatch).toBe(1);
    expect(batch.predictions).toHaveLength(50);
    expect(batch.predictions).toEqual(singles);
  });

  it('logs one summary line and publishes the batch metrics once per invocation', async () => {
    const streamName = await freshStream();
    const event = kinesisEvent([rideRecord(1, rideNumber(1)), rideRecord(2, rideNumber(2)), kinesisRecordWithData('!')]);
    const counted = { deadLettered: 0, failed: 0 };
    const { deps, logger, metrics } = depsFor(streamName, {
      serviceMetrics: { recordsDeadLettered: (n) => void (counted.deadLettered += n), failed: (n = 1) => void (counted.failed += n) },
    });

    await handleKinesisEvent(event, deps);

    const summaries = logger.entries.filter((e) => e.message === 'kinesis batch');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.extra).toMatchObject({ records: 3, predicted: 2, written: 2, deadLettered: 1, retried: 0, failed: 0, ms: expect.any(Number) });
    expect(metrics.published).toHaveLength(1);
    const byName = Object.fromEntries((metrics.published[0] ?? []).map((m) => [m.name, m.value]));
    expect(byName).toMatchObject({ Records: 3, BatchSize: 3, RecordsPredicted: 2, RecordsFailed: 0, ModelLatency: expect.any(Number) });
    // The alarms' metrics go through the service's metrics, with their dimension sets (test/metrics).
    expect(byName.RecordsDeadLettered).toBeUndefined();
    expect(counted).toEqual({ deadLettered: 1, failed: 0 });
  });
});
