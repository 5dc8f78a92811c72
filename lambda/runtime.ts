import { S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Config } from './config';
import type { HttpDeps } from './adapters/http';
import type { KinesisDeps } from './adapters/kinesis';
import { createDeadLetterWriter } from './dead-letter';
import type { BatchDeps } from './adapters/batch';
import { ModelCache, describeModelLocation, loadPredictService } from './model-store';
import { SERVICE_NAME } from './contract';
import { createCapture, type Capture } from './capture';

/** The long-lived pieces of one process (a Lambda container or a local server), built once. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly models: ModelCache;
  readonly s3: S3Client;
  readonly http: HttpDeps;
  readonly kinesis: KinesisClient;
  readonly stream: KinesisDeps;
  readonly batch: BatchDeps;
  /** prediction capture; undefined when CAPTURE_LOCATION is not set */
  readonly capture?: Capture;
}

/** Clients a caller may supply instead of the defaults (the local runner's, on loopback). */
export interface RuntimeOverrides {
  logger?: Logger;
  kinesis?: KinesisClient;
  metrics?: KinesisDeps['metrics'];
}

/** The service name, shared with the stack's alarms through the contract. */
export { SERVICE_NAME } from './contract';

/**
 * S3 client: the SDK's own retries and socket timeouts, so an unreachable or stalled S3 costs a
 * bounded time (then 503) instead of a hung cold start; path-style when pointed at a local server.
 */
export function createS3Client(config: Config): S3Client {
  return new S3Client({
    maxAttempts: config.s3.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.s3.connectionTimeoutMs,
      requestTimeout: config.s3.requestTimeoutMs,
      // Without this the SDK only logs a breached request timeout and waits forever on a stalled peer.
      throwOnRequestTimeout: true,
    }),
    endpoint: config.s3Endpoint,
    forcePathStyle: config.s3Endpoint !== undefined,
    // Streamed uploads without aws-chunked framing, which local S3 servers store verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/**
 * Kinesis client: HTTP/1.1 (the SDK's default HTTP/2 handler is not spoken by every local
 * Kinesis, and HTTP/1.1 is fine against the real one), the SDK's own retries and timeouts.
 */
export function createKinesisClient(config: Config, extra: Partial<KinesisClientConfig> = {}): KinesisClient {
  return new KinesisClient({
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true }),
    ...(config.stream.kinesisEndpoint ? { endpoint: config.stream.kinesisEndpoint } : {}),
    ...extra,
  });
}

/** Builds the runtime and starts fetching the model at once, overlapping the rest of init. */
export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const logger = overrides.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const s3 = createS3Client(config);
  const kinesis = overrides.kinesis ?? createKinesisClient(config);
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
  const capture = createCapture(config.capture, {
    logger,
    metrics: new Metrics({ namespace: config.metricsNamespace, serviceName: SERVICE_NAME }),
  });
  return {
    capture,
    config,
    logger,
    models,
    s3,
    http: {
      getService: () => models.get(),
      maxBodyBytes: config.http.maxBodyBytes,
      maxRidesPerRequest: config.http.maxRidesPerRequest,
      onUnexpectedError: (error) => logger.error('unexpected error', { error: error as Error }),
      onPredictions: capture?.observe,
    },
    kinesis,
    stream: {
      getService: () => models.get(),
      kinesis,
      predictionsStreamName: config.stream.predictionsStreamName,
      testRun: config.stream.testRun,
      deadLetters: config.stream.deadLetterLocation && createDeadLetterWriter(config.stream.deadLetterLocation, s3),
      logger,
      metrics: overrides.metrics ?? new Metrics({ namespace: config.metricsNamespace, serviceName: SERVICE_NAME }),
    },
    batch: {
      getService: () => models.get(),
      s3,
      settings: config.batch,
      log: { info: (message, extra) => logger.info(message, extra ?? {}), error: (message, extra) => logger.error(message, extra ?? {}) },
    },
  };
}
