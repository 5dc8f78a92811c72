import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { CaptureBuffer, type CaptureStats } from './capture-buffer';
import type { CaptureSink } from './capture-sink';
import { createDirectorySink } from './directory-sink';
import { createFirehoseSink } from './firehose-sink';
import { describeCaptureLocation, type CaptureLocation } from './location';
import { createPredictionCapture, type PredictionEvent } from './prediction-capture';
import type { CaptureSettings } from '../../config/capture';
import { METRICS } from '../../contract';

export type { CaptureRecord, CaptureSource, CapturedOutput } from './capture-record';
export { columnsOf, type PredictionEvent, type CapturedPrediction } from './prediction-capture';
export type { CaptureStats, DropReport } from './capture-buffer';
export { parseCaptureLocation, describeCaptureLocation, type CaptureLocation } from './location';
export type { CaptureSettings } from '../../config/capture';

/** The capture of one process: observe predictions, flush them, close. */
export interface Capture {
  /** the PredictionObserver adapters call; never throws, never waits */
  readonly observe: (event: PredictionEvent) => void;
  /** sends what is held, waiting at most `timeoutMs` */
  flush(timeoutMs?: number): Promise<void>;
  /** whether a flush should run now (a send in flight, a line older than `maxAgeMs`, the buffer half full) */
  isDue(maxAgeMs: number): boolean;
  /** starts or stops the background sends (a Lambda process stops them while it may be frozen) */
  setTimer(running: boolean): void;
  close(timeoutMs: number): Promise<void>;
  stats(): Readonly<CaptureStats>;
  readonly description: string;
}

export interface CaptureDeps {
  logger: Pick<Logger, 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
  /** a client to use instead of one built from the settings (tests, the bench) */
  firehose?: FirehoseClient;
}

/**
 * Firehose client for capture: short socket timeouts and few attempts, because capture is
 * best-effort within bounds: a held record is sent again at the next flush anyway.
 */
export function createCaptureFirehoseClient(settings: Pick<CaptureSettings, 'firehoseEndpoint'>): FirehoseClient {
  return new FirehoseClient({
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true }),
    ...(settings.firehoseEndpoint ? { endpoint: settings.firehoseEndpoint } : {}),
  });
}

/**
 * Builds the capture for CAPTURE_LOCATION, or undefined when capture is off. Dropped records are
 * reported as the EMF metric `CaptureRecordsDropped` and one warning line per flush.
 *
 * @example const capture = createCapture(config.capture, { logger, metrics });
 */
export function createCapture(settings: CaptureSettings, deps: CaptureDeps): Capture | undefined {
  if (!settings.location) return undefined;
  const sink = createSink(settings.location, settings, deps);
  const buffer = new CaptureBuffer({
    sink,
    maxRecords: settings.maxHeldRecords,
    maxBytes: settings.maxHeldBytes,
    flushIntervalMs: settings.flushIntervalMs,
    onDrop(report) {
      deps.metrics.addMetric(METRICS.captureRecordsDropped, MetricUnit.Count, report.dropped);
      deps.metrics.publishStoredMetrics();
      deps.logger.warn('capture records dropped', { ...report, location: sink.description });
    },
    onSendError(error, lines) {
      deps.logger.warn('capture send failed; the records stay held and are sent again', { lines, location: sink.description, error: (error as Error).message });
    },
  });
  const observe = createPredictionCapture({
    buffer,
    sampleRate: settings.sampleRate,
    maxBatchRecordsPerChunk: settings.maxBatchRecordsPerChunk,
    onError: (error) => deps.logger.error('capture record could not be built', { error: error as Error }),
  });
  return {
    observe,
    flush: (timeoutMs) => buffer.flush(timeoutMs),
    isDue: (maxAgeMs) => buffer.isDue(maxAgeMs),
    setTimer: (running) => buffer.setTimer(running),
    close: (timeoutMs) => buffer.close(timeoutMs),
    stats: () => buffer.stats(),
    description: describeCaptureLocation(settings.location),
  };
}

function createSink(location: CaptureLocation, settings: CaptureSettings, deps: CaptureDeps): CaptureSink {
  if (location.kind === 'file') return createDirectorySink(location.path, { maxFileBytes: settings.maxFileBytes, maxFileSeconds: settings.maxFileSeconds });
  return createFirehoseSink({
    client: deps.firehose ?? createCaptureFirehoseClient(settings),
    streamName: location.streamName,
    maxResends: 2,
    resendDelayMs: 50,
  });
}
