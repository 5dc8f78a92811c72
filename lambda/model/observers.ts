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
