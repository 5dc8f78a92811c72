import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from './config';
import type { HttpDeps } from './adapters/http';
import type { BatchDeps } from './adapters/batch';
import { ModelCache, describeModelLocation, loadPredictService } from './model-store';

/** The long-lived pieces of one process (a Lambda container or a local server), built once. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly models: ModelCache;
  readonly s3: S3Client;
  readonly http: HttpDeps;
  readonly batch: BatchDeps;
}

export const SERVICE_NAME = 'ride-duration-prediction';

/** S3 client: the SDK's own retries; path-style when pointed at a local server. */
export function createS3Client(config: Config): S3Client {
  return new S3Client({
    maxAttempts: 3,
    forcePathStyle: config.s3Endpoint !== undefined,
    // Streamed uploads without aws-chunked framing, which local S3 servers store verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** Builds the runtime and starts fetching the model at once, overlapping the rest of init. */
export function createRuntime(config: Config, logger = new Logger({ serviceName: SERVICE_NAME })): Runtime {
  const s3 = createS3Client(config);
  const models = new ModelCache(async () => {
    const started = performance.now();
    const service = await loadPredictService({ location: config.modelLocation, s3, versionOverride: config.modelVersion });
    logger.info('model loaded', {
      location: describeModelLocation(config.modelLocation),
      modelVersion: service.modelVersion,
      loadMs: Math.round(performance.now() - started),
    });
    return service;
  });
  models.warm((error) => logger.error('model load failed; the next request retries', { error: error as Error }));
  return {
    config,
    logger,
    models,
    s3,
    http: {
      getService: () => models.get(),
      maxBodyBytes: config.http.maxBodyBytes,
      maxRidesPerRequest: config.http.maxRidesPerRequest,
      onUnexpectedError: (error) => logger.error('unexpected error', { error: error as Error }),
    },
    batch: {
      getService: () => models.get(),
      s3,
      settings: config.batch,
      log: { info: (message, extra) => logger.info(message, extra ?? {}), error: (message, extra) => logger.error(message, extra ?? {}) },
    },
  };
}
