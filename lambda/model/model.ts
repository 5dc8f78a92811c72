import type { SegmentRunner } from './coalescer';
import type { InputBatch } from './input-batch';
import type { InputColumns } from './input-columns';
import type { ElementType, ModelInput, RequestField } from './model-input';

/**
 * What the service knows of a model, whatever format it came in — the seam a new runtime plugs
 * into. A runtime (model/runtimes/<format>/) turns bytes into a {@link ModelRunner}: its inputs
 * and outputs described as data, and a run over columns. Everything above it (the request
 * fields, validation, preprocessing, coalescing, versions, the dataplane) reads only these.
 */

/** One output of a model: its name, element type and shape (`null` for the rows dimension). */
export interface ModelOutput {
  readonly name: string;
  readonly type: ElementType;
  readonly shape: readonly (number | null)[];
}

/** A loaded model's runnable part: one runtime's session behind a format-free interface. */
export interface ModelRunner extends SegmentRunner {
  /** the model format it runs (`onnx`), for metadata (`onnxruntime_onnx` in OIP terms) */
  readonly format: string;
  readonly inputs: readonly ModelInput[];
  /** every output; the first is the prediction */
  readonly outputs: readonly ModelOutput[];
  /** The same model with its `[N,k]` inputs fed from these request fields (row-major). */
  withColumns?(columns: InputColumns): ModelRunner;
  release?(): Promise<void>;
}

/**
 * Features derived from request fields before a model runs (the course's `PU_DO` from the two
 * zones: rides/features.ts): which inputs it derives and from which fields, and the step that
 * adds the derived columns to a batch. Models never see how; runtimes never see it at all.
 */
export interface Preprocessing {
  /** the request fields an input is derived from, or undefined when it is fed from its own field(s) */
  fieldsFor(input: ModelInput): RequestField[] | undefined;
  /** what every field of this name must also satisfy, whatever model reads it (e.g. a distance ≥ 0) */
  rulesFor(field: string): Partial<Pick<RequestField, 'min' | 'max' | 'unit'>>;
  /** `batch` with the derived columns `inputs` need added (columns already there are kept) */
  apply(batch: InputBatch, inputs: readonly ModelInput[]): InputBatch;
}

/** No derived features: every input fed from the field of its own name. */
export const NO_PREPROCESSING: Preprocessing = Object.freeze({
  fieldsFor: () => undefined,
  rulesFor: () => ({}),
  apply: (batch: InputBatch) => batch,
});
