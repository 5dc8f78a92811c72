import { resolve } from 'node:path';
import { z } from 'zod';
import { parseModelLocation, type ModelLocation } from './model-store';

/** Everything the function and the local runners read from the environment, parsed once. */
export interface Config {
  readonly modelLocation: ModelLocation;
  /** MODEL_VERSION, else RUN_ID (the course's name): reported instead of the store's version */
  readonly modelVersion?: string;
  /** set when AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL point S3 at a local server (path-style) */
  readonly s3Endpoint?: string;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    readonly maxRidesPerRequest: number;
    /** WEB_CONCURRENCY: server processes for `npm start` (node:cluster when > 1); 1 = this process only */
    readonly workers: number;
  };
}

/** The model committed in models/, used when no location is configured. */
export const DEFAULT_MODEL_PATH = resolve(__dirname, '..', 'models', 'model.onnx');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const EnvSchema = z.object({
  MODEL_LOCATION: optionalText,
  MODEL_BUCKET: optionalText,
  MODEL_KEY: optionalText,
  MODEL_VERSION: optionalText,
  RUN_ID: optionalText,
  AWS_ENDPOINT_URL_S3: optionalText,
  AWS_ENDPOINT_URL: optionalText,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(9696),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  MAX_RIDES_PER_REQUEST: positiveInt(10_000),
  WEB_CONCURRENCY: positiveInt(1),
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
  return Object.freeze({
    modelLocation: modelLocationFrom(e.MODEL_LOCATION, e.MODEL_BUCKET, e.MODEL_KEY),
    modelVersion: e.MODEL_VERSION ?? e.RUN_ID,
    s3Endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    http: Object.freeze({
      host: e.HOST,
      port: e.PORT,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxRidesPerRequest: e.MAX_RIDES_PER_REQUEST,
      workers: e.WEB_CONCURRENCY,
    }),
  });
}

function modelLocationFrom(location?: string, bucket?: string, key?: string): ModelLocation {
  if (location) return parseModelLocation(location);
  if (bucket && key) return { kind: 's3', bucket, key };
  if (bucket || key) throw new Error('invalid environment: MODEL_BUCKET and MODEL_KEY must be set together');
  return { kind: 'file', path: DEFAULT_MODEL_PATH };
}
