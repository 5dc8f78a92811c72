import type { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type Config } from '../config/index';
import { handleKinesisEvent } from '../protocols/kinesis/stream-handler';
import { describeLocation } from '../storage/location';
import { parseDeadLetterLocation } from '../config/stream';
import { createRuntime } from '../services';
import { KinesisPoller } from './kinesis-poller';
import { noArguments } from './cli';
import { createLocalKinesisClient, createStream, startLocalKinesis } from './local-kinesis';

/** Where dead letters go locally when DEAD_LETTER_LOCATION is not set. */
export const LOCAL_DEAD_LETTER_DIRECTORY = 'dead-letters';

/** `npm run stream -- --help`. */
export const STREAM_USAGE = `Runs the streaming pipeline locally, no AWS account: a Kinesis server (kinesalite, in memory) on
127.0.0.1:LOCAL_KINESIS_PORT (4567) with the input stream RIDE_EVENTS_STREAM_NAME (ride_events,
2 shards) and the output stream PREDICTIONS_STREAM_NAME (ride_predictions), read by the Lambda
function's stream handler. Records that cannot be scored go to DEAD_LETTER_LOCATION (default
./${LOCAL_DEAD_LETTER_DIRECTORY}/, which git ignores). Stop with Ctrl-C.

usage:
  [VARIABLE=value ...] npm run stream

examples:
  npm run stream                  # then, in another terminal: npm run stream:demo
  TEST_RUN=True npm run stream    # log the predictions instead of writing them
`;

/**
 * `npm run stream`: a whole streaming pipeline on this machine, no AWS account. Starts a Kinesis
 * server (kinesalite, in memory) on 127.0.0.1:LOCAL_KINESIS_PORT (4567), creates the input
 * stream (2 shards) and the predictions stream, and plays Lambda's event source mapping into
 * the same adapter the Lambda handler dispatches Kinesis events to. Stop with Ctrl-C.
 */
export async function main(argv: readonly string[] = []): Promise<void> {
  noArguments(argv, 'configure it with environment variables, e.g. TEST_RUN=True npm run stream');
  const loaded = loadConfig(process.env);
  const local = await startLocalKinesis(loaded.stream.localKinesisPort);
  const kinesis = createLocalKinesisClient(local.endpoint, 3);
  const config: Config = {
    ...loaded,
    stream: {
      ...loaded.stream,
      kinesisEndpoint: local.endpoint,
      deadLetterLocation: loaded.stream.deadLetterLocation ?? parseDeadLetterLocation(LOCAL_DEAD_LETTER_DIRECTORY),
    },
  };
  const { rideEventsStreamName, predictionsStreamName, localBatchSize } = config.stream;
  await createStream(kinesis, rideEventsStreamName, 2);
  await createStream(kinesis, predictionsStreamName, 1);
  const runtime = createRuntime(config, { kinesis });
  const { logger } = runtime;
  logger.info(`local Kinesis on ${local.endpoint}: ${rideEventsStreamName} (2 shards) → ${predictionsStreamName}; try \`npm run stream:demo\``, {
    endpoint: local.endpoint,
    deadLetters: describeLocation(config.stream.deadLetterLocation as NonNullable<Config['stream']['deadLetterLocation']>),
    batchSize: localBatchSize,
    testRun: config.stream.testRun,
  });
  const poller = await KinesisPoller.start({
    kinesis,
    streamName: rideEventsStreamName,
    batchSize: localBatchSize,
    handler: async (event) => logTestRun(await handleKinesisEvent(event, await runtime.stream()), logger),
    onRedeliver: (shardId, from, attempt) => logger.warn('re-delivering from the first failed record', { shardId, sequenceNumber: from, attempt }),
  });
  // As the local server does: metrics published (EMF on stdout) once a minute and at shutdown.
  const metricsTimer = setInterval(() => runtime.metrics.flush(), 60_000).unref();
  const shutdown = () => {
    clearInterval(metricsTimer);
    runtime.metrics.flush();
    poller.stop();
    kinesis.destroy();
    // Held capture records are written before the runner exits (bounded by the same 2 s).
    void Promise.all([local.close(), runtime.capture?.close(1_500)]).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await poller.run();
}

/** TEST_RUN writes nothing, so the runner shows what would have been written. */
function logTestRun(response: unknown, logger: Logger): unknown {
  if (response && typeof response === 'object' && 'predictions' in response) logger.info('test run: predictions not written', { response });
  return response;
}
