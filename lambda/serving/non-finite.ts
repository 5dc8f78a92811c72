import { NonFinitePredictionError } from './errors';

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

/** At most this many rides are named in one error (a whole array of them says nothing more). */
const MAX_NAMED = 10;

/**
 * The error for the non-finite outputs `found` (from {@link nonFiniteOutputs}); `inputsOf(model)`
 * names a model's input fields, so the message says which inputs took the model out of range.
 *
 * @example nonFiniteError(found, (m) => set.require(m).fields.map((f) => f.name))
 */
export function nonFiniteError(found: readonly NonFiniteOutput[], inputsOf: (model: string) => readonly string[]): NonFinitePredictionError {
  const rides = found.slice(0, MAX_NAMED).map(({ row, model, value }) => ({ index: row, model, value: describeNonFinite(value), inputs: inputsOf(model) }));
  const first = rides[0] as (typeof rides)[number];
  const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
  return new NonFinitePredictionError(
    `model '${first.model}' returned ${first.value} for ride [${first.index}]${more}: its inputs (${first.inputs.join(', ')}) are valid but outside what the model can score`,
    rides,
  );
}
