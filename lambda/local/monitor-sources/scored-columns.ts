import type { ObservationChunk } from '../../monitoring/observations';

/** The model inputs a batch output may carry (trip_distance once the batch job writes it). */
const INPUT_COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;

/** Which columns of a batch output the monitor reads, and what each is. */
export interface ScoredLayout {
  inputs: string[];
  /** column → model name: `predicted_duration` → duration */
  predictions: Map<string, string>;
  /** column → model name: `actual_duration` → duration */
  actuals: Map<string, string>;
  /** `lpep_pickup_datetime` / `tpep_pickup_datetime`, when present */
  time?: string;
}

/**
 * The layout of a batch output from its column names, or undefined when it has no
 * `predicted_*` column (then it is not a batch output).
 */
export function scoredLayout(columns: readonly string[]): ScoredLayout | undefined {
  const predictions = new Map(columns.filter((c) => /^predicted_[a-z0-9_]+$/.test(c)).map((c) => [c, c.slice('predicted_'.length)]));
  if (predictions.size === 0) return undefined;
  const actuals = new Map(columns.filter((c) => /^actual_[a-z0-9_]+$/.test(c)).map((c) => [c, c.slice('actual_'.length)]));
  return {
    inputs: INPUT_COLUMNS.filter((c) => columns.includes(c)),
    predictions,
    actuals,
    time: columns.find((c) => /^[lt]pep_pickup_datetime$/.test(c)),
  };
}

/** The columns to read for a layout. */
export function layoutColumns(layout: ScoredLayout): string[] {
  return [...layout.inputs, ...layout.predictions.keys(), ...layout.actuals.keys(), ...(layout.time ? [layout.time] : [])];
}

/** Builds an observation chunk from columns already converted to numbers (times as epoch ms). */
export function scoredChunk(layout: ScoredLayout, length: number, column: (name: string) => Float64Array): ObservationChunk {
  const byModel = (columns: Map<string, string>) => Object.fromEntries([...columns].map(([c, model]) => [model, column(c)]));
  return {
    length,
    inputs: Object.fromEntries(layout.inputs.map((c) => [c, column(c)])),
    predictions: byModel(layout.predictions),
    actuals: byModel(layout.actuals),
    ...(layout.time ? { time: column(layout.time) } : {}),
  };
}

/** A cell as a number: Dates as epoch ms, bigints converted, null/empty as missing, text as invalid. */
export function cellNumber(value: unknown): number {
  if (value === null || value === undefined || value === '') return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return Number.POSITIVE_INFINITY;
}
