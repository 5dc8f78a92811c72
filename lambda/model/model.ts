import type { SegmentRunner } from './coalescer';
import type { InputColumns } from './input-columns';
import type { ElementType, ModelInput } from './model-input';

export { NO_PREPROCESSING, type Preprocessing } from './model-input';

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
