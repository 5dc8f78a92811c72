import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { handleKinesisEvent, type KinesisDeps, type PredictionRecord } from '../../../lambda/protocols/kinesis/stream-handler';
import type { ModelSet } from '../../../lambda/model/model-set';
import { createDeadLetterWriter } from '../../../lambda/protocols/kinesis/dead-letters';
import { defaultModels } from '../../support/fixtures';
import { kinesisRecordWithData, rideNumber } from '../../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../../support/kinesis-server';
import { recordingLogger, recordingMetrics } from '../../support/recorders';
import { testDataplane } from '../../support/dataplane';

/**
 * Property: whatever the records of an event look like — no `kinesis`, no or non-string `data`,
 * not an object at all, crafted or huge sequence numbers and event ids — the handler returns,
 * every record ends as exactly one prediction or one dead letter, and every dead-letter file is
 * inside the dead-letter directory under a name of a safe alphabet.
 */
const RUNS = 150;

type Sent = { kind: 'valid'; rideId: number; record: unknown } | { kind: 'poison'; record: unknown };

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Sequence numbers and shard ids a hostile or broken producer of events could hand us. */
const craftedId = fc.oneof(
  fc.constantFrom('../../../escaped', '/etc/passwd', '..', '.', '', 'a/b/../../c', 'x\u0000y', 'shardId-000000000000', '%2e%2e%2f'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 200, max: 400 }).map((n) => '9'.repeat(n)),
  fc.stringMatching(/^[0-9]{20,60}$/),
);

/** Record shapes Lambda never sends but a hand-made or replayed event can. */
const malformedRecord = fc.oneof(
  fc.constantFrom(null, 0, 'record', true, [] as unknown),
  fc.record({ eventSource: fc.constant('aws:kinesis'), eventID: craftedId }),
  fc.record({ eventSource: fc.constant('aws:kinesis'), eventID: craftedId, kinesis: fc.constantFrom(null, 'k', 7, [] as unknown) }),
  fc.record({
    eventSource: fc.constant('aws:kinesis'),
    eventID: craftedId,
    kinesis: fc.record({ sequenceNumber: fc.oneof(craftedId, fc.constant(undefined)), data: fc.constantFrom(undefined, null, 12, { b: 1 }, ['x'], true) }),
  }),
);

function validRecord(rideId: number, shardId: string, sequenceNumber: string): unknown {
  return kinesisRecordWithData(b64(JSON.stringify({ ride: rideNumber(rideId), ride_id: rideId })), { shardId, sequenceNumber });
}

/** An event: each slot a valid ride, a poison payload in a sound envelope, or a malformed record. */
function eventRecords(firstId: number): fc.Arbitrary<Sent[]> {
  const slot = (i: number): fc.Arbitrary<Sent> =>
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .tuple(craftedId, craftedId)
          .map(([shard, seq]): Sent => ({ kind: 'valid', rideId: firstId + i, record: validRecord(firstId + i, `shardId-${shard}`, seq || String(i)) })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(craftedId, craftedId, fc.string({ maxLength: 20 }))
          .map(([shard, seq, data]): Sent => ({ kind: 'poison', record: kinesisRecordWithData(`${data}!`, { shardId: shard, sequenceNumber: seq }) })),
      },
      { weight: 2, arbitrary: malformedRecord.map((record): Sent => ({ kind: 'poison', record })) },
    );
  return fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => slot(i))));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath, f.name));
}

describe('the stream adapter under generated malformed envelopes', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  let service: ModelSet;
  beforeAll(async () => {
    kinesis = await startKinesisServer();
    await kinesis.createStream('envelope_predictions', 1);
    service = await defaultModels('v-envelope');
    scratch = mkdtempSync(join(tmpdir(), 'stream-envelope-'));
  });
  afterAll(async () => {
    await kinesis.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`returns, predicts or dead-letters every record and writes only inside the dead-letter directory, over ${RUNS} generated events`, async () => {
    const dlq = join(scratch, 'inside', 'dlq');
    const deps: KinesisDeps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      kinesis: kinesis.client,
      predictionsStreamName: 'envelope_predictions',
      testRun: false,
      deadLetters: createDeadLetterWriter({ kind: 'file', path: dlq }),
      logger: recordingLogger(),
      metrics: recordingMetrics(),
      putRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    };
    let run = 0;
    let valid = 0;
    let poison = 0;
    let letters = 0;

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const [sent] = fc.sample(eventRecords(++run * 100), { numRuns: 1, seed });
        const records = sent as Sent[];
        const before = new Set(filesUnder(scratch));

        const response = (await handleKinesisEvent({ Records: records.map((s) => s.record) } as KinesisStreamEvent, deps)) as KinesisStreamBatchResponse;

        const written = filesUnder(scratch).filter((f) => !before.has(f));
        const expectedPoison = records.filter((s) => s.kind === 'poison').length;
        expect(response.batchItemFailures).toEqual([]);
        expect(written.length).toBe(expectedPoison > 0 ? 1 : 0);
        for (const file of filesUnder(scratch)) {
          expect(relative(dlq, file).split(sep)[0]).not.toBe('..');
          expect(file.slice(file.lastIndexOf(sep) + 1)).toMatch(/^[0-9TZ]+-[A-Za-z0-9_-]{1,40}-[A-Za-z0-9_-]{1,64}-[0-9a-f]{8}\.jsonl$/);
        }
        const lines = written.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
        expect(lines).toHaveLength(expectedPoison);
        for (const line of lines)
          expect(JSON.parse(line)).toMatchObject({ code: expect.stringMatching(/^(INVALID_RECORD|NOT_BASE64|NOT_JSON)$/), reason: expect.any(String) });
        valid += records.length - expectedPoison;
        poison += expectedPoison;
        letters += lines.length;
      }),
      { numRuns: RUNS, seed: 15 },
    );

    const predicted = (await readAll(kinesis.client, 'envelope_predictions')).map(
      (r) => (JSON.parse(r.data.toString('utf8')) as PredictionRecord).prediction.ride_id,
    );
    expect(valid).toBeGreaterThan(RUNS);
    expect(poison).toBeGreaterThan(RUNS);
    expect(letters).toBe(poison);
    expect(predicted).toHaveLength(valid);
    expect(new Set(predicted).size).toBe(valid);
    process.stdout.write(
      `stream envelope fuzz: ${RUNS} events, ${valid + poison} records, ${valid} predicted once each, ${letters} dead-lettered inside the directory\n`,
    );
  });

  it('answers an empty batch with no failures and writes nothing', async () => {
    const logger = recordingLogger();
    const deps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      kinesis: kinesis.client,
      predictionsStreamName: 'envelope_predictions',
      testRun: false,
      logger,
      metrics: recordingMetrics(),
    };

    const response = await handleKinesisEvent({ Records: [] }, deps);

    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('dead-letters a record without data with its reason in a test run instead of throwing a TypeError', async () => {
    const deps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      kinesis: kinesis.client,
      predictionsStreamName: 'unused',
      testRun: true,
      logger: recordingLogger(),
      metrics: recordingMetrics(),
    };

    const response = await handleKinesisEvent(
      { Records: [{ eventSource: 'aws:kinesis', eventID: 'shardId-1:5', kinesis: { sequenceNumber: '5' } }] } as unknown as KinesisStreamEvent,
      deps,
    );

    expect(response).toEqual({
      predictions: [],
      dead_letters: [
        expect.objectContaining({
          code: 'INVALID_RECORD',
          field: 'kinesis.data',
          reason: 'kinesis.data must be a base64 string, got nothing',
          sequenceNumber: '5',
          shardId: 'shardId-1',
        }),
      ],
    });
  });
});
