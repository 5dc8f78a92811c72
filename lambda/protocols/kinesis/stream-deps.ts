import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../../config/index';
import type { KinesisDeps } from './stream-handler';
import { createDeadLetterWriter } from './dead-letters';

/**
 * What only the stream path needs (the Kinesis client, EMF metrics, the dead-letter writer),
 * kept out of services.ts so that a process answering HTTP never evaluates the Kinesis SDK:
 * services.ts loads this file on the first Kinesis event.
 */

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

/** The Kinesis adapter's dependencies, built once per process on the first stream event. */
export function createStreamDeps(options: {
  config: Config;
  logger: Logger;
  serviceName: string;
  s3: S3Client;
  getModels: KinesisDeps['getModels'];
  dataplane: KinesisDeps['dataplane'];
  kinesis?: KinesisClient;
  metrics?: KinesisDeps['metrics'];
  serviceMetrics?: KinesisDeps['serviceMetrics'];
}): KinesisDeps {
  const { config, logger, s3 } = options;
  return {
    getModels: options.getModels,
    dataplane: options.dataplane,
    kinesis: options.kinesis ?? createKinesisClient(config),
    predictionsStreamName: config.stream.predictionsStreamName,
    testRun: config.stream.testRun,
    deadLetters: config.stream.deadLetterLocation && createDeadLetterWriter(config.stream.deadLetterLocation, s3),
    logger,
    metrics: options.metrics ?? new Metrics({ namespace: config.metrics.namespace, serviceName: options.serviceName }),
    ...(options.serviceMetrics ? { serviceMetrics: options.serviceMetrics } : {}),
  };
}
