import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { loadConfig } from '../config/index';
import type { PredictionRecord } from '../protocols/kinesis/stream-handler';
import { createLocalKinesisClient } from './local-kinesis';
import { noArguments } from './cli';

const EXAMPLE_RIDES = [
  { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 },
  { PULocationID: 10, DOLocationID: 50, trip_distance: 40 },
  { PULocationID: 43, DOLocationID: 151, trip_distance: 1.2 },
];

/** `npm run stream:demo -- --help`. */
export const STREAM_DEMO_USAGE = `With \`npm run stream\` running: puts three example rides and one bad record on the local input
stream and prints the predictions read back from the output stream. Finds the stream at
KINESIS_ENDPOINT_URL, else http://127.0.0.1:LOCAL_KINESIS_PORT (4567).

usage:
  [VARIABLE=value ...] npm run stream:demo

examples:
  npm run stream          # in one terminal
  npm run stream:demo     # in another
`;

/**
 * `npm run stream:demo`, with `npm run stream` running: puts three example rides and one bad
 * record on the local input stream, then prints the predictions read back from the output
 * stream. Finds the runner at KINESIS_ENDPOINT_URL, else 127.0.0.1:LOCAL_KINESIS_PORT (4567).
 */
export async function main(argv: readonly string[] = []): Promise<void> {
  noArguments(argv, 'it puts its own example rides');
  const config = loadConfig(process.env);
  const endpoint = config.stream.kinesisEndpoint ?? `http://127.0.0.1:${config.stream.localKinesisPort}`;
  const { rideEventsStreamName: input, predictionsStreamName: output } = config.stream;
  const kinesis = createLocalKinesisClient(endpoint, 2);
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: input }));
  } catch (error) {
    throw new Error(`no local stream '${input}' at ${endpoint} (${(error as Error).name}); start \`npm run stream\` first`, { cause: error });
  }
  const iterators = await latestIterators(kinesis, output);
  const base = Date.now() % 1_000_000_000;
  const rideIds = EXAMPLE_RIDES.map((_, i) => base + i);
  const records = [
    ...EXAMPLE_RIDES.map((ride, i) => ({ PartitionKey: String(rideIds[i]), Data: Buffer.from(JSON.stringify({ ride, ride_id: rideIds[i] })) })),
    { PartitionKey: 'bad', Data: Buffer.from(JSON.stringify({ ride: { PULocationID: 'Times Square' }, ride_id: base + 99 })) },
  ];
  await kinesis.send(new PutRecordsCommand({ StreamName: input, Records: records }));
  console.log(`put ${EXAMPLE_RIDES.length} rides (ride_id ${rideIds.join(', ')}) and 1 bad record (ride_id ${base + 99}) on ${input}`);
  const predictions = await readPredictions(kinesis, iterators, new Set(rideIds), 20_000);
  predictions.sort((a, b) => (a.prediction.ride_id as number) - (b.prediction.ride_id as number));
  for (const prediction of predictions) console.log(JSON.stringify(prediction));
  console.log(`the bad record is in the runner's dead letters (default ./dead-letters/)`);
  kinesis.destroy();
}

/** Iterators at the end of each output shard, taken before putting, so only new predictions are read. */
async function latestIterators(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const { Shards: shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const iterators: string[] = [];
  for (const shard of shards) {
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }));
    if (ShardIterator) iterators.push(ShardIterator);
  }
  return iterators;
}

async function readPredictions(kinesis: KinesisClient, iterators: string[], wanted: Set<number>, timeoutMs: number): Promise<PredictionRecord[]> {
  const found: PredictionRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (found.length < wanted.size) {
    if (Date.now() > deadline)
      throw new Error(`only ${found.length} of ${wanted.size} predictions arrived within ${timeoutMs} ms; is \`npm run stream\` running?`);
    for (let i = 0; i < iterators.length; i++) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterators[i] }));
      iterators[i] = page.NextShardIterator as string;
      for (const record of page.Records ?? []) {
        const prediction = JSON.parse(Buffer.from(record.Data as Uint8Array).toString('utf8')) as PredictionRecord;
        if (wanted.has(prediction.prediction.ride_id as number)) found.push(prediction);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return found;
}
