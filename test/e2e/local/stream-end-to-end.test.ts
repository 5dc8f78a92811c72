import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { handleKinesisEvent, type KinesisDeps, type PredictionRecord } from '../../../lambda/protocols/kinesis/stream-handler';
import { createDeadLetterWriter } from '../../../lambda/protocols/kinesis/dead-letters';
import { createLocalKinesisClient } from '../../../lambda/local/local-kinesis';
import { KinesisPoller } from '../../../lambda/local/kinesis-poller';
import { defaultModels } from '../../support/fixtures';
import { rideNumber } from '../../support/events';
import { putPayloads, readAll, startKinesisServer, type LocalKinesisServer, type ReadRecord } from '../../support/kinesis-server';
import { recordingLogger, recordingMetrics } from '../../support/recorders';
import { startThrottlingProxy } from '../../support/throttling-proxy';
import { testDataplane } from '../../support/dataplane';

const POISON_KINDS = [
  (i: number) => Buffer.from(`not json ${i}`),
  (i: number) => Buffer.from(JSON.stringify({ ride: rideNumber(i) })),
  (i: number) => Buffer.from(JSON.stringify({ ride: { ...rideNumber(i), DOLocationID: 0 }, ride_id: i })),
  (i: number) => Buffer.from([0xc3, 0x28, i % 256]),
];

let kinesis: LocalKinesisServer;
let scratch: string;
let run = 0;
beforeAll(async () => {
  kinesis = await startKinesisServer();
});
afterAll(() => kinesis.close());
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'stream-e2e-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** 1,000 records on a 2-shard input stream; every 25th is poison. Resolves to what the stream holds. */
async function putRides(inputStream: string): Promise<ReadRecord[]> {
  await kinesis.createStream(inputStream, 2);
  const entries = Array.from({ length: 1_000 }, (_, i) =>
    i % 25 === 7
      ? { partitionKey: `poison-${i}`, data: (POISON_KINDS[i % POISON_KINDS.length] as (i: number) => Buffer)(i) }
      : { partitionKey: String(i), data: JSON.stringify({ ride: rideNumber(i), ride_id: i }) },
  );
  await putPayloads(kinesis.client, inputStream, entries);
  return readAll(kinesis.client, inputStream);
}

async function deps(outputStream: string, client: KinesisClient = kinesis.client): Promise<KinesisDeps> {
  const service = await defaultModels('v-e2e');
  return {
    getModels: async () => service,
    dataplane: testDataplane(),
    kinesis: client,
    predictionsStreamName: outputStream,
    testRun: false,
    deadLetters: createDeadLetterWriter({ kind: 'file', path: join(scratch, 'dead-letters') }),
    logger: recordingLogger(),
    metrics: recordingMetrics(),
    putRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  };
}

function poller(inputStream: string, streamDeps: KinesisDeps) {
  return KinesisPoller.start({
    kinesis: kinesis.client,
    streamName: inputStream,
    batchSize: 100,
    handler: (event) => handleKinesisEvent(event, streamDeps),
    retryDelayMs: () => 1,
  });
}

async function outputRideIds(outputStream: string): Promise<number[]> {
  return (await readAll(kinesis.client, outputStream)).map((r) => (JSON.parse(r.data.toString('utf8')) as PredictionRecord).prediction.ride_id as number);
}

function deadLetteredSequenceNumbers(): Array<{ sequenceNumber: string; code: string; reason: string }> {
  const root = join(scratch, 'dead-letters');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .flatMap((f) => readFileSync(join(f.parentPath, f.name), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as { sequenceNumber: string; code: string; reason: string });
}

const isPoison = (record: ReadRecord) => record.partitionKey.startsWith('poison-');

describe('the stream, end to end through the local event source mapping', () => {
  it('turns 1,000 records over 2 shards into one prediction per valid ride, in shard order, and one dead letter per poison record', async () => {
    const input = `rides_${++run}`;
    const output = `predictions_${run}`;
    const records = await putRides(input);
    await kinesis.createStream(output, 1);
    const streamDeps = await deps(output);

    const stats = await (await poller(input, streamDeps)).drain();

    const shards = [...new Set(records.map((r) => r.shardId))];
    expect(shards).toHaveLength(2);
    const written = await outputRideIds(output);
    const validIds = records.filter((r) => !isPoison(r)).map((r) => Number(r.partitionKey));
    expect([...written].sort((a, b) => a - b)).toEqual([...validIds].sort((a, b) => a - b));
    for (const shard of shards) {
      const inShardOrder = records.filter((r) => r.shardId === shard && !isPoison(r)).map((r) => Number(r.partitionKey));
      const fromShard = new Set(inShardOrder);
      expect(written.filter((id) => fromShard.has(id))).toEqual(inShardOrder);
    }
    const letters = deadLetteredSequenceNumbers();
    expect(letters.map((l) => l.sequenceNumber).sort()).toEqual(
      records
        .filter(isPoison)
        .map((r) => r.sequenceNumber)
        .sort(),
    );
    expect(letters.every((l) => l.reason.length > 0 && ['NOT_JSON', 'INVALID_RIDE_ID', 'INVALID_RIDE'].includes(l.code))).toBe(true);
    expect(written.length + letters.length).toBe(1_000);
    expect(stats.redeliveries).toBe(0);
  });

  it('re-delivers batches while the predictions stream is missing and writes every ride once it exists', async () => {
    const input = `rides_${++run}`;
    const output = `predictions_${run}`;
    const records = await putRides(input);
    const streamDeps = await deps(output);
    const mapping = await poller(input, streamDeps);

    await mapping.pollOnce();
    await mapping.pollOnce();
    const redeliveredBeforeStreamExists = mapping.stats.redeliveries;
    await kinesis.createStream(output, 1);
    await mapping.drain();

    expect(redeliveredBeforeStreamExists).toBe(4);
    const written = await outputRideIds(output);
    expect(written).toHaveLength(records.filter((r) => !isPoison(r)).length);
    expect(new Set(written).size).toBe(written.length);
    expect(new Set(deadLetteredSequenceNumbers().map((l) => l.sequenceNumber))).toEqual(new Set(records.filter(isPoison).map((r) => r.sequenceNumber)));
  });

  it('loses nothing when the predictions stream throttles writes beyond the retries: failed batches are re-delivered', async () => {
    const input = `rides_${++run}`;
    const output = `predictions_${run}`;
    const records = await putRides(input);
    await kinesis.createStream(output, 1);
    // Every 50th ride is refused 4 times: more than one invocation's 3 attempts, so its batch is re-delivered.
    const proxy = await startThrottlingProxy(kinesis.endpoint, (entry, timesSeen) => Number(entry.partitionKey) % 50 === 0 && timesSeen < 4);
    const client = createLocalKinesisClient(proxy.endpoint);
    const streamDeps = await deps(output, client);

    const stats = await (await poller(input, streamDeps)).drain();

    client.destroy();
    await proxy.close();
    expect(stats.redeliveries).toBeGreaterThan(0);
    const written = new Set(await outputRideIds(output));
    expect([...written].sort((a, b) => a - b)).toEqual(
      records
        .filter((r) => !isPoison(r))
        .map((r) => Number(r.partitionKey))
        .sort((a, b) => a - b),
    );
  });
});
