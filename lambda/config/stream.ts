import * as z from 'zod';
import { ENV } from '../contract';
import { parseLocation, type Location } from '../storage/location';
import { envVar, flag, optionalText, parsedText, readEnv } from './env';

/**
 * Parses DEAD_LETTER_LOCATION: `s3://bucket/prefix/` (the prefix may be empty; a non-empty one
 * always ends in `/`, so object keys never run into its last segment) or a local directory.
 *
 * @example parseDeadLetterLocation('s3://ops/dead-letters') // { kind: 's3', bucket: 'ops', key: 'dead-letters/' }
 */
export function parseDeadLetterLocation(text: string): Location {
  return parseLocation(text, { what: 'DEAD_LETTER_LOCATION', absolutePath: true, emptyKey: true, prefix: true });
}

/** The stream's variables: where predictions and poison records go, and the local runner's Kinesis. */
export const STREAM_ENV = {
  predictionsStreamName: envVar(ENV.predictionsStreamName, z.string().trim().min(1).default('ride_predictions'), {
    type: 'stream name',
    doc: "The Kinesis stream predictions are written to (the course's name).",
  }),
  rideEventsStreamName: envVar('RIDE_EVENTS_STREAM_NAME', z.string().trim().min(1).default('ride_events'), {
    type: 'stream name',
    doc: 'The input stream `npm run stream` creates and polls (in AWS the event source mapping names it).',
  }),
  // The course compares with 'True'; other spellings of true are accepted, anything else is false.
  testRun: envVar('TEST_RUN', flag, {
    type: 'true/1/yes, else false',
    doc: "The course's switch: write nothing, return the predictions (and dead letters) as the invocation's result.",
  }),
  endpointKinesis: envVar('AWS_ENDPOINT_URL_KINESIS', optionalText, { type: 'URL', doc: "The SDK's Kinesis endpoint override (a local Kinesis)." }),
  courseEndpoint: envVar('KINESIS_ENDPOINT_URL', optionalText, {
    type: 'URL',
    doc: "The course's name for the same, used when AWS_ENDPOINT_URL_KINESIS is unset.",
  }),
  deadLetterLocation: envVar(ENV.deadLetterLocation, parsedText(parseDeadLetterLocation), {
    type: 's3://bucket/prefix/ or a directory',
    doc: 'Where poison records go, one JSON-lines object per invocation; unset: they are reported for retry, never dropped (`npm run stream` defaults to ./dead-letters).',
  }),
  localKinesisPort: envVar('LOCAL_KINESIS_PORT', z.coerce.number().int().min(1).max(65535).default(4567), {
    type: 'integer 1–65535',
    doc: 'Where `npm run stream` serves its local Kinesis (and `npm run stream:demo` finds it).',
  }),
  localBatchSize: envVar('STREAM_BATCH_SIZE', z.coerce.number().int().min(1).max(10_000).default(100), {
    type: 'integer 1–10,000',
    doc: "Most records per shard `npm run stream` hands the handler at once (the event source mapping's batch size).",
  }),
} as const;

export type StreamSettings = ReturnType<typeof streamSettings>;

export function streamSettings(env: NodeJS.ProcessEnv) {
  const { endpointKinesis, courseEndpoint, ...rest } = readEnv(STREAM_ENV, env);
  const kinesisEndpoint = endpointKinesis ?? courseEndpoint;
  return Object.freeze({ ...rest, ...(kinesisEndpoint === undefined ? {} : { kinesisEndpoint }) });
}
