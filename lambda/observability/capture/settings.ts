import type { CaptureLocation } from './location';

/** Everything capture is configured with (Config.capture). */
export interface CaptureSettings {
  /** CAPTURE_LOCATION; unset = capture off */
  readonly location?: CaptureLocation;
  /** CAPTURE_SAMPLE_RATE, 0–1 */
  readonly sampleRate: number;
  readonly maxHeldRecords: number;
  readonly maxHeldBytes: number;
  /** background send period (ms) */
  readonly flushIntervalMs: number;
  /** how long a Lambda invocation may wait for its capture to be sent before it returns (ms) */
  readonly flushTimeoutMs: number;
  /** CAPTURE_BATCH_ROWS_PER_CHUNK: most rows captured per batch chunk (sampled by id) */
  readonly maxBatchRecordsPerChunk: number;
  readonly maxFileBytes: number;
  readonly maxFileSeconds: number;
  /** AWS_ENDPOINT_URL_FIREHOSE: a local Firehose-protocol peer */
  readonly firehoseEndpoint?: string;
}
