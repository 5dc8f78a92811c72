/**
 * Kinesis handler throughput: records/s for a 100- and a 1,000-record event, the predictions
 * written to a loopback kinesalite, and the share of the time spent in the model run.
 * Run: `npx tsx bench/kinesis-handler.ts` (prints medians; ~30 s).
 */
import { handleKinesisEvent, type KinesisDeps } from '../lambda/protocols/kinesis/stream-handler';
import type { ModelSet } from '../lambda/model/model-set';
import { createLocalKinesisClient, createStream, startLocalKinesis } from '../lambda/local/local-kinesis';
import { defaultModels } from '../test/support/fixtures';
import { kinesisEvent, rideNumber, rideRecord } from '../test/support/events';
import { testDataplane } from '../test/support/dataplane';
import { median } from './stats';

const SIZES = [100, 1_000];
const RUNS: Record<number, number> = { 100: 60, 1_000: 20 };
const WARMUP = 5;

// Logs and EMF lines are left out: they go to stdout in Lambda and would measure the terminal here.
const quiet = { info() {}, warn() {}, error() {}, addMetric() {}, publishStoredMetrics() {} };

function timed(service: ModelSet, spent: { ms: number }): ModelSet {
  return {
    ...service,
    async predict(batch, names) {
      const started = performance.now();
      try {
        return await service.predict(batch, names);
      } finally {
        spent.ms += performance.now() - started;
      }
    },
  };
}

async function main(): Promise<void> {
  const local = await startLocalKinesis(0, 10);
  const kinesis = createLocalKinesisClient(local.endpoint, 3);
  await createStream(kinesis, 'bench_predictions', 1);
  const spent = { ms: 0 };
  const service = timed(await defaultModels('bench'), spent);
  const deps: { -readonly [K in keyof KinesisDeps]: KinesisDeps[K] } = {
    getModels: async () => service,
    dataplane: testDataplane(),
    kinesis,
    predictionsStreamName: 'bench_predictions',
    testRun: false,
    logger: quiet,
    metrics: quiet as unknown as KinesisDeps['metrics'],
  };
  console.log(`node ${process.version}, kinesalite on ${local.endpoint}, medians`);
  // TEST_RUN rows: the same path without PutRecords, to separate our cost from the local server's.
  for (const [size, testRun] of SIZES.flatMap(
    (n) =>
      [
        [n, false],
        [n, true],
      ] as const,
  )) {
    deps.testRun = testRun;
    const event = kinesisEvent(Array.from({ length: size }, (_, i) => rideRecord(i, rideNumber(i))));
    const totals: number[] = [];
    const shares: number[] = [];
    const modelMs: number[] = [];
    for (let run = 0; run < WARMUP + (RUNS[size] as number); run++) {
      spent.ms = 0;
      const started = performance.now();
      const response = await handleKinesisEvent(event, deps);
      const elapsed = performance.now() - started;
      if ('batchItemFailures' in response && response.batchItemFailures.length > 0) throw new Error('bench batch reported failures');
      if (run < WARMUP) continue;
      totals.push(elapsed);
      shares.push(spent.ms / elapsed);
      modelMs.push(spent.ms);
    }
    const ms = median(totals);
    console.log(
      `${String(size).padStart(5)} records, ${testRun ? 'TEST_RUN, no writes  ' : 'written to kinesalite'}: ${ms.toFixed(1).padStart(6)} ms/event, ${Math.round(
        (size / ms) * 1000,
      )
        .toLocaleString('en-US')
        .padStart(7)} records/s, model run ${median(modelMs).toFixed(2)} ms (${(median(shares) * 100).toFixed(1)}% of the handler)`,
    );
  }
  kinesis.destroy();
  await local.close();
}

void main();
