import { resolve } from 'node:path';
import * as z from 'zod';
import { parseModelLocation, type ModelSpec } from '../repository';
import { PRIMARY_MODEL } from '../model/model-set';
import { parseDeadLetterLocation, type DeadLetterLocation } from '../protocols/kinesis/dead-letter-location';
import { DEFAULT_METRICS_NAMESPACE, LOCAL_FUNCTION_VERSION, MODEL_NAME_PATTERN, SHIPPED_MODELS, TAXI_TYPES, type TaxiType } from '../contract';
import { parseCaptureLocation } from '../observability/capture/location';
import type { CaptureSettings } from '../observability/capture/settings';
import { parseStorageLocation, type MonitorSettings } from '../protocols/monitor/monitor-settings';

/** Everything the function and the local runners read from the environment, parsed once. */
export interface Config {
  /**
   * MODELS (`name=location,...`), else MODEL_LOCATION / MODEL_BUCKET+MODEL_KEY as one model
   * named `duration`, else the shipped models. MODEL_VERSION, else RUN_ID (the course's name),
   * is the version of `duration` (or of the only model); other models report their own.
   */
  readonly models: readonly ModelSpec[];
  /**
   * MODEL_REFRESH_SECONDS: a warm process re-checks its model locations at most this often and
   * swaps in a changed model (hot swap); undefined = off, models load once per process.
   */
  readonly modelRefreshSeconds?: number;
  /** MODEL_REFRESH_ALLOW_CONTRACT_CHANGE=true: a hot swap may change what clients must send (issue 28; else refused) */
  readonly modelRefreshAllowContractChange: boolean;
  /**
   * ALLOW_PARTIAL_MODELS=true: `npm start` (and the container) serve the models that loaded when
   * another cannot load; otherwise they exit 1 at start, naming it. Lambda always serves the rest.
   */
  readonly allowPartialModels: boolean;
  /** set when AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL point S3 at a local server (path-style) */
  readonly s3Endpoint?: string;
  /** the S3 client's own retry and socket settings (model fetch, dead letters, batch files) */
  readonly s3: { readonly maxAttempts: number; readonly requestTimeoutMs: number; readonly connectionTimeoutMs: number };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    readonly maxRidesPerRequest: number;
    /** WEB_CONCURRENCY: server processes for `npm start` (node:cluster when > 1); 1 = this process only */
    readonly workers: number;
    /** API_TOKEN: when set, `npm start` / the container answer 401 to requests without `Authorization: Bearer <it>` */
    readonly apiToken?: string;
    /** HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS: a client still sending headers / the request after this is cut off */
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    /** HTTP_KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive connection is closed after this */
    readonly keepAliveTimeoutMs: number;
    /** MAX_DRAIN_BYTES: how much of a refused (413/401) upload is read and discarded so the client can read the answer */
    readonly maxDrainBytes: number;
  };
  readonly stream: {
    /** PREDICTIONS_STREAM_NAME: where predictions are written (the course's default) */
    readonly predictionsStreamName: string;
    /** RIDE_EVENTS_STREAM_NAME: the input stream; only the local runner creates and polls it */
    readonly rideEventsStreamName: string;
    /** TEST_RUN=True (the course's switch): write nothing, return the predictions instead */
    readonly testRun: boolean;
    /** AWS_ENDPOINT_URL_KINESIS, else the course's KINESIS_ENDPOINT_URL */
    readonly kinesisEndpoint?: string;
    /** DEAD_LETTER_LOCATION: s3://bucket/prefix/ or a local directory; unset = poison records are reported failed */
    readonly deadLetterLocation?: DeadLetterLocation;
    /** LOCAL_KINESIS_PORT: where `npm run stream` serves its local Kinesis (and `stream:demo` finds it) */
    readonly localKinesisPort: number;
    /** STREAM_BATCH_SIZE: most records per shard the local poller hands the handler at once */
    readonly localBatchSize: number;
  };
  /** POWERTOOLS_METRICS_NAMESPACE, with a default so EMF metrics always land in one place */
  readonly metricsNamespace: string;
  /** AWS_LAMBDA_FUNCTION_VERSION (set by Lambda), else `local`: the `function_version` metric dimension */
  readonly functionVersion: string;
  /**
   * SHADOW_MODELS (`name=location,...`): each shadows the served model of the same name, scoring
   * the same rides without ever answering (their outputs are logged, counted and captured).
   */
  readonly shadowModels: readonly ModelSpec[];
  readonly batch: {
    /** BATCH_INPUT_TEMPLATE: trip file URI with {taxi_type} {year} {month} placeholders */
    readonly inputTemplate: string;
    /** BATCH_OUTPUT_TEMPLATE: output URI; {run_id} defaults to the model version */
    readonly outputTemplate: string;
    /** BATCH_TAXI_TYPE: what a scheduled run scores */
    readonly scheduledTaxiType: TaxiType;
    /** BATCH_CHUNK_ROWS: rows per chunk (one model run each); bounds memory (at most 4,194,304) */
    readonly chunkRows: number;
    /** BATCH_MAX_LINE_CHARS: longest CSV line read (a TLC line is ~200 characters); longer fails the run */
    readonly maxLineChars: number;
    /** BATCH_MAX_PAGE_VALUES: most values one parquet page may decode to; a larger page fails the run */
    readonly maxPageValues: number;
  };
  /** CAPTURE_*: prediction capture (off unless CAPTURE_LOCATION is set) */
  readonly capture: CaptureSettings;
  /** MONITOR_*: the scheduled monitor; undefined unless MONITOR_CAPTURE_LOCATION is set */
  readonly monitor?: MonitorSettings;
}

/** BATCH_CHUNK_ROWS' ceiling: a chunk's columns, filter and output arrays are ~200 bytes a row. */
export const MAX_CHUNK_ROWS = 4_194_304;

/** Local defaults: the course's layout under ./data and ./output. */
export const DEFAULT_BATCH_INPUT_TEMPLATE = 'data/{taxi_type}_tripdata_{year}-{month}.parquet';
export const DEFAULT_BATCH_OUTPUT_TEMPLATE = 'output/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet';

/**
 * The model committed in models/, used when no location is configured. Relative to the working
 * directory, which npm sets to the project root (and the container's WORKDIR holds models/): a
 * bundled program's own location says nothing, since its code may sit in any chunk.
 */
export const DEFAULT_MODEL_PATH = resolve('models', 'model.onnx');

/** What `npm start` serves with nothing configured: the shipped models (lambda/contract.ts), by name. */
export const DEFAULT_MODELS: Readonly<Record<string, string>> = Object.fromEntries(SHIPPED_MODELS.map(({ name, path }) => [name, resolve(path)]));

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A switch: true, 1 or yes (any case) is on; unset or anything else is off. */
const flag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase()));

const EnvSchema = z.object({
  MODELS: optionalText,
  MODEL_LOCATION: optionalText,
  MODEL_BUCKET: optionalText,
  MODEL_KEY: optionalText,
  MODEL_VERSION: optionalText,
  RUN_ID: optionalText,
  MODEL_REFRESH_SECONDS: optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of seconds above 0 (unset = no hot swap)')
      .transform(Number)
      .pipe(z.number().int().positive('must be a whole number of seconds above 0 (unset = no hot swap)').max(86_400 * 365))
      .optional(),
  ),
  AWS_ENDPOINT_URL_S3: optionalText,
  AWS_ENDPOINT_URL: optionalText,
  S3_MAX_ATTEMPTS: positiveInt(3),
  S3_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  S3_CONNECTION_TIMEOUT_MS: positiveInt(2000),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(9696),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  MAX_RIDES_PER_REQUEST: positiveInt(10_000),
  PREDICTIONS_STREAM_NAME: z.string().trim().min(1).default('ride_predictions'),
  RIDE_EVENTS_STREAM_NAME: z.string().trim().min(1).default('ride_events'),
  // The course compares with 'True'; other spellings of true are accepted, anything else is false.
  TEST_RUN: flag,
  ALLOW_PARTIAL_MODELS: flag,
  MODEL_REFRESH_ALLOW_CONTRACT_CHANGE: flag,
  AWS_ENDPOINT_URL_KINESIS: optionalText,
  KINESIS_ENDPOINT_URL: optionalText,
  DEAD_LETTER_LOCATION: optionalText,
  LOCAL_KINESIS_PORT: z.coerce.number().int().min(1).max(65535).default(4567),
  STREAM_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  POWERTOOLS_METRICS_NAMESPACE: z.string().trim().min(1).default(DEFAULT_METRICS_NAMESPACE),
  AWS_LAMBDA_FUNCTION_VERSION: z.string().trim().min(1).default(LOCAL_FUNCTION_VERSION),
  SHADOW_MODELS: optionalText,
  BATCH_INPUT_TEMPLATE: optionalText,
  BATCH_OUTPUT_TEMPLATE: optionalText,
  BATCH_TAXI_TYPE: z.enum(TAXI_TYPES).default('green'),
  // Upper bounds: each is memory allocated at once (a chunk's columns, a line, a decoded page).
  BATCH_CHUNK_ROWS: positiveInt(131_072).pipe(z.number().max(MAX_CHUNK_ROWS)),
  BATCH_MAX_LINE_CHARS: positiveInt(65_536).pipe(z.number().max(16 * 1024 * 1024)),
  BATCH_MAX_PAGE_VALUES: positiveInt(1_048_576).pipe(z.number().max(16 * 1024 * 1024)),
  WEB_CONCURRENCY: positiveInt(1),
  // A guessable token is no protection; 16 characters is the floor, `openssl rand -hex 32` the advice.
  // Visible ASCII only: a space or a non-ASCII letter cannot survive a client's Authorization
  // header unchanged, so such a token would be accepted here and then never match (every request 401).
  API_TOKEN: optionalText.pipe(
    z
      .string()
      .min(16, 'API_TOKEN must be at least 16 characters')
      .regex(/^[\x21-\x7e]+$/, 'API_TOKEN must be printable ASCII without spaces (e.g. `openssl rand -hex 32`)')
      .optional(),
  ),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(65_000),
  MAX_DRAIN_BYTES: z.coerce.number().int().min(0).default(32 * 1024 * 1024),
  CAPTURE_LOCATION: optionalText,
  CAPTURE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  // Upper bounds (issue 28): what capture holds in memory, and files the monitor reads line by line.
  CAPTURE_MAX_HELD_RECORDS: positiveInt(10_000).pipe(z.number().max(1_000_000)),
  CAPTURE_MAX_HELD_BYTES: positiveInt(8 * 1024 * 1024).pipe(z.number().max(256 * 1024 * 1024)),
  CAPTURE_FLUSH_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  CAPTURE_FLUSH_TIMEOUT_MS: positiveInt(100).pipe(z.number().max(60_000)),
  CAPTURE_BATCH_ROWS_PER_CHUNK: positiveInt(1000).pipe(z.number().max(100_000)),
  CAPTURE_FILE_MAX_BYTES: positiveInt(64 * 1024 * 1024).pipe(z.number().max(256 * 1024 * 1024)),
  CAPTURE_FILE_MAX_SECONDS: positiveInt(600).pipe(z.number().max(86_400)),
  AWS_ENDPOINT_URL_FIREHOSE: optionalText,
  MONITOR_CAPTURE_LOCATION: optionalText,
  MONITOR_REFERENCE_LOCATION: optionalText,
  MONITOR_OUTPUT_LOCATION: optionalText,
  MONITOR_PERIOD_DAYS: positiveInt(7),
  MONITOR_MAX_RECORDS: positiveInt(500_000),
});

/**
 * Parses the environment into a frozen Config; throws naming the variable that is wrong.
 *
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const models = modelSpecsFrom(e);
  return Object.freeze({
    models: Object.freeze(models),
    ...(e.MODEL_REFRESH_SECONDS === undefined ? {} : { modelRefreshSeconds: e.MODEL_REFRESH_SECONDS }),
    allowPartialModels: e.ALLOW_PARTIAL_MODELS,
    modelRefreshAllowContractChange: e.MODEL_REFRESH_ALLOW_CONTRACT_CHANGE,
    s3Endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    s3: Object.freeze({ maxAttempts: e.S3_MAX_ATTEMPTS, requestTimeoutMs: e.S3_REQUEST_TIMEOUT_MS, connectionTimeoutMs: e.S3_CONNECTION_TIMEOUT_MS }),
    http: Object.freeze({
      host: e.HOST,
      port: e.PORT,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxRidesPerRequest: e.MAX_RIDES_PER_REQUEST,
      workers: e.WEB_CONCURRENCY,
      apiToken: e.API_TOKEN,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxDrainBytes: e.MAX_DRAIN_BYTES,
    }),
    stream: Object.freeze({
      predictionsStreamName: e.PREDICTIONS_STREAM_NAME,
      rideEventsStreamName: e.RIDE_EVENTS_STREAM_NAME,
      testRun: e.TEST_RUN,
      kinesisEndpoint: e.AWS_ENDPOINT_URL_KINESIS ?? e.KINESIS_ENDPOINT_URL,
      deadLetterLocation: e.DEAD_LETTER_LOCATION === undefined ? undefined : parseDeadLetterLocation(e.DEAD_LETTER_LOCATION),
      localKinesisPort: e.LOCAL_KINESIS_PORT,
      localBatchSize: e.STREAM_BATCH_SIZE,
    }),
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    functionVersion: e.AWS_LAMBDA_FUNCTION_VERSION,
    shadowModels: Object.freeze(shadowSpecsFrom(e, models)),
    batch: Object.freeze({
      inputTemplate: e.BATCH_INPUT_TEMPLATE ?? DEFAULT_BATCH_INPUT_TEMPLATE,
      outputTemplate: e.BATCH_OUTPUT_TEMPLATE ?? DEFAULT_BATCH_OUTPUT_TEMPLATE,
      scheduledTaxiType: e.BATCH_TAXI_TYPE,
      chunkRows: e.BATCH_CHUNK_ROWS,
      maxLineChars: e.BATCH_MAX_LINE_CHARS,
      maxPageValues: e.BATCH_MAX_PAGE_VALUES,
    }),
    capture: Object.freeze({
      location: e.CAPTURE_LOCATION === undefined ? undefined : parseCaptureLocation(e.CAPTURE_LOCATION),
      sampleRate: e.CAPTURE_SAMPLE_RATE,
      maxHeldRecords: e.CAPTURE_MAX_HELD_RECORDS,
      maxHeldBytes: e.CAPTURE_MAX_HELD_BYTES,
      flushIntervalMs: e.CAPTURE_FLUSH_INTERVAL_MS,
      flushTimeoutMs: e.CAPTURE_FLUSH_TIMEOUT_MS,
      maxBatchRecordsPerChunk: e.CAPTURE_BATCH_ROWS_PER_CHUNK,
      maxFileBytes: e.CAPTURE_FILE_MAX_BYTES,
      maxFileSeconds: e.CAPTURE_FILE_MAX_SECONDS,
      firehoseEndpoint: e.AWS_ENDPOINT_URL_FIREHOSE ?? e.AWS_ENDPOINT_URL,
    }),
    monitor: monitorSettingsFrom(e),
  });
}

type Env = z.infer<typeof EnvSchema>;

function modelSpecsFrom(e: Env): ModelSpec[] {
  const versionOverride = e.MODEL_VERSION ?? e.RUN_ID;
  if (e.MODELS !== undefined && (e.MODEL_LOCATION || e.MODEL_BUCKET || e.MODEL_KEY)) {
    throw new Error('invalid environment: set MODELS or MODEL_LOCATION / MODEL_BUCKET+MODEL_KEY, not both');
  }
  const pairs = e.MODELS !== undefined ? parseModelsVariable(e.MODELS) : singleModel(e) ?? Object.entries(DEFAULT_MODELS).map(([name, path]) => ({ name, text: path }));
  // The override names one model's version: `duration`, or the only model there is.
  const overridden = pairs.length === 1 ? pairs[0]?.name : PRIMARY_MODEL;
  return pairs.map(({ name, text }) => {
    let location;
    try {
      location = typeof text === 'string' ? parseModelLocation(text) : text;
    } catch (error) {
      throw new Error(`invalid environment: MODELS: '${name}=${String(text)}': ${(error as Error).message}`);
    }
    return name === overridden && versionOverride !== undefined ? { name, location, versionOverride } : { name, location };
  });
}

/** SHADOW_MODELS: each name must be a served model's (a shadow of nothing would compare with nothing). */
function shadowSpecsFrom(e: Env, served: readonly ModelSpec[]): ModelSpec[] {
  if (e.SHADOW_MODELS === undefined) return [];
  return parseModelsVariable(e.SHADOW_MODELS, 'SHADOW_MODELS').map(({ name, text }) => {
    if (!served.some((spec) => spec.name === name)) {
      throw new Error(`invalid environment: SHADOW_MODELS: '${name}' shadows no served model (served: ${served.map((spec) => spec.name).join(', ')})`);
    }
    try {
      return { name, location: parseModelLocation(text) };
    } catch (error) {
      throw new Error(`invalid environment: SHADOW_MODELS: '${name}=${text}': ${(error as Error).message}`);
    }
  });
}

function singleModel(e: Env): { name: string; text: string | ModelSpec['location'] }[] | undefined {
  if (e.MODEL_LOCATION) return [{ name: PRIMARY_MODEL, text: e.MODEL_LOCATION }];
  if (e.MODEL_BUCKET && e.MODEL_KEY) return [{ name: PRIMARY_MODEL, text: { kind: 's3', bucket: e.MODEL_BUCKET, key: e.MODEL_KEY } }];
  if (e.MODEL_BUCKET || e.MODEL_KEY) throw new Error('invalid environment: MODEL_BUCKET and MODEL_KEY must be set together');
  return undefined;
}

/**
 * `MODELS=duration=s3://bucket/duration.onnx,cost=models/cost/model.onnx`: comma-separated
 * `name=location` pairs; names `[a-z0-9_]+`, each once. The error names the bad pair.
 */
export function parseModelsVariable(text: string, variable = 'MODELS'): { name: string; text: string }[] {
  const seen = new Set<string>();
  return text.split(',').map((raw) => {
    const pair = raw.trim();
    const eq = pair.indexOf('=');
    const name = eq === -1 ? '' : pair.slice(0, eq).trim();
    const location = eq === -1 ? '' : pair.slice(eq + 1).trim();
    if (!MODEL_NAME_PATTERN.test(name) || location === '') {
      throw new Error(`invalid environment: ${variable}: '${pair}' must be name=location with a name of lower-case letters, digits and _`);
    }
    if (seen.has(name)) throw new Error(`invalid environment: ${variable}: '${pair}' repeats the name '${name}'`);
    seen.add(name);
    return { name, text: location };
  });
}

function monitorSettingsFrom(e: z.infer<typeof EnvSchema>): MonitorSettings | undefined {
  if (e.MONITOR_CAPTURE_LOCATION === undefined) return undefined;
  if (e.MONITOR_REFERENCE_LOCATION === undefined || e.MONITOR_OUTPUT_LOCATION === undefined) {
    throw new Error('invalid environment: MONITOR_REFERENCE_LOCATION and MONITOR_OUTPUT_LOCATION must be set with MONITOR_CAPTURE_LOCATION');
  }
  return Object.freeze({
    captureLocation: parseStorageLocation(e.MONITOR_CAPTURE_LOCATION, 'MONITOR_CAPTURE_LOCATION'),
    referenceLocation: parseStorageLocation(e.MONITOR_REFERENCE_LOCATION, 'MONITOR_REFERENCE_LOCATION'),
    outputLocation: parseStorageLocation(e.MONITOR_OUTPUT_LOCATION, 'MONITOR_OUTPUT_LOCATION'),
    periodDays: e.MONITOR_PERIOD_DAYS,
    maxRecords: e.MONITOR_MAX_RECORDS,
  });
}
