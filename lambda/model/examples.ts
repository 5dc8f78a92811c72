import * as z from 'zod';

/**
 * A model's examples: rides with the output its training framework gave for them (scikit-learn's
 * `predict`, `npm run train`'s own regression). A converted graph that does not reproduce them is
 * not the model that was trained (sklearn-onnx has open reports of exactly that), so it is refused
 * at load, before a hot swap and by the canary's PreTraffic hook.
 */

/** One example as a sidecar writes it: `{"inputs": {...request fields...}, "output": 12.3}`. */
export const ModelExampleSchema = z.strictObject({
  /** the request fields, as a client sends them (null for a nullable field that is missing) */
  inputs: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  /** what the training framework predicted for them */
  output: z.number().finite(),
});
export type ModelExample = z.infer<typeof ModelExampleSchema>;

/** The default relative tolerance: float32 graphs agree with a float64 framework to about 1e-6. */
export const DEFAULT_EXAMPLE_TOLERANCE = 1e-4;

/** Examples shown or checked at most per model: they are run at every load. */
export const MAX_EXAMPLES = 1_000;

/** A model's examples as loaded, with the tolerance they are checked at and where they came from. */
export interface ModelExamples {
  readonly rows: readonly ModelExample[];
  /** relative: |got − expected| ≤ tolerance · max(|expected|, 1) */
  readonly tolerance: number;
  /** e.g. the sidecar's path, for messages */
  readonly source: string;
}

/**
 * The relative error the example check compares with its tolerance: the difference over the
 * expected value's magnitude, floored at 1 so that an expected 0 is not divided by.
 *
 * @example relativeError(12.3001, 12.3) // ≈ 8.1e-6
 */
export function relativeError(actual: number, expected: number): number {
  if (!Number.isFinite(actual)) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1);
}

/** Does `actual` reproduce `expected` within the relative `tolerance`? */
export function reproduces(actual: number, expected: number, tolerance: number): boolean {
  return relativeError(actual, expected) <= tolerance;
}

/** One example that did not reproduce, as a refusal names it. */
export interface ExampleMismatch {
  /** 0-based position in the examples */
  readonly index: number;
  readonly inputs: ModelExample['inputs'];
  readonly expected: number;
  /** what the model answered (NaN when it gave no finite number) */
  readonly actual: number;
  readonly relativeError: number;
}

/**
 * The examples whose answers do not reproduce, worst first.
 *
 * @example mismatchesOf(examples.rows, outputs, 1e-4)[0] // the worst example, or undefined
 */
export function mismatchesOf(rows: readonly ModelExample[], actual: ArrayLike<number>, tolerance: number): ExampleMismatch[] {
  const found: ExampleMismatch[] = [];
  rows.forEach((row, index) => {
    const value = actual[index] ?? Number.NaN;
    if (!reproduces(value, row.output, tolerance))
      found.push({ index, inputs: row.inputs, expected: row.output, actual: value, relativeError: relativeError(value, row.output) });
  });
  return found.sort((a, b) => b.relativeError - a.relativeError || a.index - b.index);
}

/** One line naming an example that did not reproduce (refusals, the hook's report). */
export function describeMismatch(mismatch: ExampleMismatch, tolerance: number): string {
  const got = Number.isFinite(mismatch.actual) ? String(mismatch.actual) : 'no finite number';
  const error = Number.isFinite(mismatch.relativeError) ? mismatch.relativeError.toPrecision(3) : 'infinite';
  return `example ${mismatch.index} ${JSON.stringify(mismatch.inputs)} expects ${mismatch.expected}, got ${got} (relative error ${error} > ${tolerance})`;
}
