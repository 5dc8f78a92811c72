/**
 * Where a model run produced something other than a finite number. A finite, in-bounds input
 * can still overflow a model (float32 tops out at 3.4e38; a linear model times a huge
 * distance), and NaN or ±Infinity must never be emitted as a prediction: JSON turns them into
 * `null`, parquet and CSV into `NaN`/`Infinity`.
 */
export interface NonFiniteOutput {
  /** the row (ride) whose output is not finite */
  readonly row: number;
  /** the model that produced it */
  readonly model: string;
  readonly value: number;
}

/**
 * Every non-finite output, row by row, over each model's outputs (one per row).
 *
 * @example nonFiniteOutputs({ duration: Float64Array.of(12, Infinity) }) // [{ row: 1, model: 'duration', value: Infinity }]
 */
export function nonFiniteOutputs(outputs: Readonly<Record<string, ArrayLike<number>>>): NonFiniteOutput[] {
  const found: NonFiniteOutput[] = [];
  for (const [model, values] of Object.entries(outputs)) {
    for (let row = 0; row < values.length; row++) {
      const value = values[row] as number;
      if (!Number.isFinite(value)) found.push({ row, model, value });
    }
  }
  return found.sort((a, b) => a.row - b.row);
}

/** `Infinity`, `-Infinity` or `NaN`, as a reason names it. */
export function describeNonFinite(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}
