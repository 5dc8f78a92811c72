import { BATCH_ENV, batchSettings } from './batch';
import { CAPTURE_ENV, captureSettings } from './capture';
import type { EnvSlice } from './env';
import { HTTP_ENV, httpSettings } from './http';
import { METRICS_ENV, metricsSettings } from './metrics';
import { MODELS_ENV, modelsSettings, type ModelsSettings } from './models';
import { MONITOR_ENV, monitorSettings } from './monitor';
import { S3_ENV, s3Settings } from './s3';
import { STREAM_ENV, streamSettings } from './stream';

export { ConfigError, isConfigError } from './env';
export { DEFAULT_MODELS, DEFAULT_MODEL_PATH } from './models';
export { DEFAULT_BATCH_INPUT_TEMPLATE, DEFAULT_BATCH_OUTPUT_TEMPLATE, MAX_CHUNK_ROWS } from './batch';
export { parseDeadLetterLocation } from './stream';
export type { MonitorSettings } from './monitor';
export type { CaptureSettings } from './capture';

/**
 * Every feature's slice of the environment, by feature: each is a list of variables with the zod
 * schema that reads it and what it means (lambda/config/<feature>.ts), the source of both the
 * settings' types and docs/configuration.md.
 */
export const ENV_SLICES: Readonly<Record<string, EnvSlice>> = Object.freeze({
  models: MODELS_ENV,
  s3: S3_ENV,
  http: HTTP_ENV,
  stream: STREAM_ENV,
  batch: BATCH_ENV,
  capture: CAPTURE_ENV,
  monitor: MONITOR_ENV,
  metrics: METRICS_ENV,
});

/** Everything the function and the local programs read from the environment, parsed once. */
export interface Config extends ModelsSettings {
  readonly s3: ReturnType<typeof s3Settings>;
  readonly http: ReturnType<typeof httpSettings>;
  readonly stream: ReturnType<typeof streamSettings>;
  readonly batch: ReturnType<typeof batchSettings>;
  readonly capture: ReturnType<typeof captureSettings>;
  /** undefined unless MONITOR_CAPTURE_LOCATION is set */
  readonly monitor?: ReturnType<typeof monitorSettings>;
  readonly metrics: ReturnType<typeof metricsSettings>;
}

/**
 * Parses the environment into a frozen Config, one slice per feature; throws a ConfigError naming
 * the variable that is wrong and what is allowed.
 *
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const monitor = monitorSettings(env);
  return Object.freeze({
    ...modelsSettings(env),
    s3: s3Settings(env),
    http: httpSettings(env),
    stream: streamSettings(env),
    batch: batchSettings(env),
    capture: captureSettings(env),
    ...(monitor === undefined ? {} : { monitor }),
    metrics: metricsSettings(env),
  });
}
