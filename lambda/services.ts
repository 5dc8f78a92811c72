import { S3Client } from '@aws-sdk/client-s3';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createServiceLogger } from './observability/service-logger';
import type { Config } from './config/index';
import type { HttpDeps } from './protocols/http/http-handler';
import type { KinesisDeps } from './protocols/kinesis/stream-handler';
import type { BatchDeps } from './protocols/batch/batch-handler';
import { ModelRefresher, ModelSetCache, fingerprintModel, loadServedModel, type ModelLoadFailure, type ModelSpec } from './repository';
import { describeLocation } from './storage/location';
import type { ServedModel } from './model/served-model';
import { SERVICE_NAME } from './contract';
import type { Capture } from './observability/capture';
import { ServiceMetrics } from './observability/metrics/service-metrics';
import { createDataplane, type Dataplane, type PredictionEvent } from './serving/dataplane';
import type { ShadowModels } from './serving/shadow-models';
import type { InputBatch } from './model/input-batch';
import { warmUpOnnxRuntime } from './model/runtimes/onnx/warm-up';

/** The long-lived pieces of one process (a Lambda container or a local server), built once. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly models: ModelSetCache;
  /** hot swap (MODEL_REFRESH_SECONDS); undefined when off. `refresh.stats().refused` counts refused models */
  readonly refresh?: ModelRefresher;
  readonly s3: S3Client;
  /** the one inference path every protocol calls (metrics, capture and shadows observe it) */
  readonly dataplane: Dataplane;
  readonly http: HttpDeps;
  /**
   * The stream path's dependencies, built on the first call (lambda/protocols/kinesis/stream-deps.ts is loaded then):
   * a process that only answers HTTP never evaluates the Kinesis SDK or the metrics library.
   */
  stream(): Promise<KinesisDeps>;
  readonly batch: BatchDeps;
  /** prediction capture; undefined when CAPTURE_LOCATION is not set */
  readonly capture?: Capture;
  /** the metrics the rollback alarms watch; flushed per Lambda invocation, per batch job, every minute locally */
  readonly metrics: ServiceMetrics;
  /** SHADOW_MODELS, when set: candidates scoring the same rides, recorded, never answering */
  readonly shadows?: ShadowModels;
}

/** Clients a caller may supply instead of the defaults (the local runner's, on loopback). */
export interface RuntimeOverrides {
  logger?: Logger;
  kinesis?: KinesisClient;
  metrics?: KinesisDeps['metrics'];
  /** milliseconds, for the model cache's retry back-off (tests move it by hand) */
  now?: () => number;
  /** told about each failed model load instead of the default error log line (npm start reports its own) */
  onModelLoadFailed?: (failure: ModelLoadFailure) => void;
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
    endpoint: config.s3.endpoint,
    forcePathStyle: config.s3.endpoint !== undefined,
    // Streamed uploads without aws-chunked framing, which local S3 servers store verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** Builds the runtime and starts fetching the model at once, overlapping the rest of init. */
export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  // issue 28: every log line goes through the redactor (AWS SDK errors echo credentials).
  const logger = overrides.logger ?? createServiceLogger({ serviceName: SERVICE_NAME });
  const s3 = createS3Client(config);
  const metrics = new ServiceMetrics(config.metrics.functionVersion, () => {
    // Required on the first flush, not at the top: the cold start never evaluates the metrics library.
    const { Metrics } = require('@aws-lambda-powertools/metrics') as typeof import('@aws-lambda-powertools/metrics');
    return new Metrics({ namespace: config.metrics.namespace, serviceName: SERVICE_NAME });
  });
  const shadows = loadShadows(config, s3, logger, metrics);
  const load = async (spec: ModelSpec): Promise<ServedModel> => {
    const started = performance.now();
    // issue 28: with hot swap on, each session lives in a worker thread, so a swap never holds the event loop.
    const model = await loadServedModel(spec, s3, { sessionInWorker: config.modelRefreshSeconds !== undefined });
    logger.info('model loaded', {
      model: model.name,
      location: describeLocation(spec.location),
      modelVersion: model.version,
      loadMs: Math.round(performance.now() - started),
    });
    return model;
  };
  const refresh =
    config.modelRefreshSeconds === undefined
      ? undefined
      : new ModelRefresher({
          intervalMs: config.modelRefreshSeconds * 1000,
          load,
          fingerprint: (spec, previous) => fingerprintModel(spec, s3, previous),
          log: logger,
          onOutcome: (outcome) => metrics.modelRefresh(outcome),
          allowContractChange: config.modelRefreshAllowContractChange, // issue 28
        });
  // Every model starts loading at once; each is fetched once and cached on its own, so one that
  // cannot load leaves the others serving.
  const models = new ModelSetCache(config.models, refresh ? (spec) => refresh.loadWatched(spec) : load, {
    ...(shadows ? { onModelRun: shadows.onModelRun } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
    // One line per failed load, naming the model and why (no stack: the reason is the message).
    onLoadFailed:
      overrides.onModelLoadFailed ??
      ((failure) =>
        logger.error(failure.permanent ? 'model cannot be loaded; the other models keep serving' : 'model load failed; a later request retries', {
          ...failure,
        })),
  });
  refresh?.watch(models);
  // Every request, record batch and job takes its set here: the hot-swap check is started (never awaited) on the way.
  const getModels = (names?: readonly string[]) => {
    refresh?.poke();
    return models.get(names);
  };
  models.warm();
  // onnxruntime's one-time set-up runs while the models download, not after (issue 23).
  if (config.models.length > 0) warmUpOnnxRuntime();
  let stream: Promise<KinesisDeps> | undefined;
  const capture = loadCapture(config, logger);
  // The one inference path: every protocol calls it; it tells metrics, capture (with the shadows' outputs) once per inference.
  const dataplane = createDataplane({
    observe: allOf(metrics.observe, capture && shadows ? withShadowOutputs(capture.observe, shadows) : capture?.observe),
    onObserverError: (error, event) =>
      logger.error('prediction observer failed', { error: error as Error, ...(event?.traceId !== undefined ? { trace_id: event.traceId } : {}) }),
  });
  return {
    capture,
    metrics,
    shadows,
    ...(refresh ? { refresh } : {}),
    config,
    logger,
    models,
    s3,
    dataplane,
    http: {
      getModels,
      modelStatus: () => models.status(),
      maxBodyBytes: config.http.maxBodyBytes,
      maxRidesPerRequest: config.http.maxRidesPerRequest,
      onUnexpectedError: (error, traceId) =>
        logger.error('unexpected error', { error: error as Error, ...(traceId !== undefined ? { trace_id: traceId } : {}) }),
      dataplane,
      onServiceFailure: () => metrics.failed(),
    },
    stream: () => {
      // Imported here, not at the top: see Runtime.stream (a chunk of its own in the asset).
      stream ??= import('./protocols/kinesis/stream-deps.js').then(({ createStreamDeps }) =>
        createStreamDeps({
          config,
          logger,
          serviceName: SERVICE_NAME,
          s3,
          getModels,
          dataplane,
          serviceMetrics: metrics,
          kinesis: overrides.kinesis,
          metrics: overrides.metrics,
        }),
      );
      return stream;
    },
    batch: {
      getModels,
      s3,
      settings: config.batch,
      dataplane,
      log: { info: (message, extra) => logger.info(message, extra ?? {}), error: (message, extra) => logger.error(message, extra ?? {}) },
    },
  };
}

/**
 * Capture with the shadows' outputs for the same rides: the record is written once the shadows'
 * runs on that batch end (within the invocation's bounded wait for shadows); rides no shadow
 * scored are captured at once.
 */
function withShadowOutputs(observe: (event: PredictionEvent) => void, shadows: ShadowModels): (event: PredictionEvent) => void {
  return (event) => {
    // The batch the served models ran on (the capture event's type only reads it)
    const pending = shadows.outputsFor(event.batch as InputBatch);
    if (!pending) return observe(event);
    const { requestIds } = event; // read now: an id getter must not outlive the request
    shadows.after(pending.then((outputs) => observe(outputs ? { ...event, requestIds, shadows: outputs } : { ...event, requestIds })));
  };
}

/** One observer telling each of `observers` in turn (an absent one is skipped). */
function allOf(...observers: (((event: PredictionEvent) => void) | undefined)[]): (event: PredictionEvent) => void {
  const present = observers.filter((o): o is (event: PredictionEvent) => void => o !== undefined);
  return present.length === 1 ? (present[0] as (event: PredictionEvent) => void) : (event) => present.forEach((observe) => observe(event));
}

/**
 * Shadow models, when SHADOW_MODELS names some: each starts loading now, next to the models; a
 * comparison is one log line plus metrics, a failure a warning plus ShadowErrors. Required here,
 * not imported at the top, so a process without shadows never evaluates it.
 */
function loadShadows(config: Config, s3: S3Client, logger: Logger, metrics: ServiceMetrics): ShadowModels | undefined {
  if (config.shadowModels.length === 0) return undefined;
  const { ShadowModels } = require('./serving/shadow-models') as typeof import('./serving/shadow-models');
  const loads = config.shadowModels.map((spec) => ({ name: spec.name, load: loadServedModel(spec, s3) }));
  return new ShadowModels(loads, {
    compared: (c) => {
      logger.info('shadow comparison', {
        model: c.model,
        modelVersion: c.version,
        shadowVersion: c.shadowVersion,
        rows: c.rows,
        compared: c.compared,
        meanAbsDiff: c.meanAbsDiff,
        p95AbsDiff: c.p95AbsDiff,
        maxAbsDiff: c.maxAbsDiff,
      });
      metrics.shadowCompared(c);
    },
    failed: (model, reason, error) => {
      logger.warn('shadow model failed; replies are unaffected', { model, reason, ...(error ? { error: error as Error } : {}) });
      metrics.shadowFailed();
    },
  });
}

/**
 * Prediction capture, when CAPTURE_LOCATION asks for it. Required here rather than imported at
 * the top, so that a process without capture never evaluates the Firehose client or the
 * metrics library (see Runtime.stream for why module loading matters).
 */
function loadCapture(config: Config, logger: Logger): Capture | undefined {
  if (!config.capture.location) return undefined;
  const { createCapture } = require('./observability/capture') as typeof import('./observability/capture');
  const { Metrics } = require('@aws-lambda-powertools/metrics') as typeof import('@aws-lambda-powertools/metrics');
  return createCapture(config.capture, { logger, metrics: new Metrics({ namespace: config.metrics.namespace, serviceName: SERVICE_NAME }) });
}
