/**
 * Scored rows, column by column, in the course's output schema: ride_id, the pickup time,
 * PULocationID, DOLocationID, actual_duration, predicted_duration, diff, model_version.
 */
export interface ScoredChunk {
  readonly length: number;
  /** `YYYY/MM_`: each ride's id is this plus its row (see ride-ids.ts) */
  readonly rideIdPrefix: string;
  /** each ride's 0-based row index in the input file */
  readonly inputRow: Float64Array;
  /** epoch milliseconds */
  readonly pickup: Float64Array;
  readonly PULocationID: Int32Array;
  readonly DOLocationID: Int32Array;
  readonly actualDuration: Float64Array;
  readonly predictedDuration: Float64Array;
  /** actual − predicted */
  readonly diff: Float64Array;
}

/** Where scored chunks go: a parquet or CSV file, written chunk by chunk. */
export interface ScoredSink {
  write(chunk: ScoredChunk): Promise<void>;
  /** completes the file (parquet footer); nothing may be written after */
  finish(): Promise<void>;
  /** releases the file after a failure; the staged output is discarded anyway */
  abort(): void;
}

/** The output's column names; the pickup column keeps the input's name (lpep_ or tpep_). */
export function outputColumnNames(pickupColumn: string): string[] {
  return ['ride_id', pickupColumn, 'PULocationID', 'DOLocationID', 'actual_duration', 'predicted_duration', 'diff', 'model_version'];
}
