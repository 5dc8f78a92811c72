import type { InputBatch } from './input-batch';

/** One model's run within `ModelSet.predict`: exactly what it was fed and what it returned. */
export interface ModelRunEvent {
  readonly model: string;
  readonly version: string;
  readonly batch: InputBatch;
  readonly output: Float64Array;
}

/**
 * Told about each model run of a set (the seam for shadow models: run a candidate on the same
 * `batch` and compare). Called synchronously after the run; it must not throw or block.
 */
export type ModelRunObserver = (event: ModelRunEvent) => void;

/** Each model's outputs (one per row) and the version of the model that produced them. */
export interface SetPrediction {
  readonly outputs: Readonly<Record<string, Float64Array>>;
  readonly versions: Readonly<Record<string, string>>;
}

/** Where a prediction was asked for. */
export type PredictionSource = 'http' | 'stream' | 'batch';

/** One adapter call's predictions, for capture: the rows as parsed and every model's outputs. */
export interface PredictionEvent {
  readonly source: PredictionSource;
  /** one id per row: request id + index (http), ride id (stream), ride id (batch) */
  readonly requestIds: readonly string[];
  readonly batch: InputBatch;
  readonly prediction: SetPrediction;
}

/**
 * The capture seam: adapters call it once per request, Kinesis batch or batch chunk, after the
 * predictions exist and before replying. An observer that throws is logged, never fails the call.
 */
export type PredictionObserver = (event: PredictionEvent) => void;
