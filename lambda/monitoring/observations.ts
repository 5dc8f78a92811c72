/**
 * What every monitor source (trip files, batch outputs, capture records, in-memory callers)
 * becomes: chunks of columns, so a 3-million-row month streams through the profile builders
 * without an object per row.
 */

/** Numbers: NaN = missing, ±Infinity = present but invalid. Strings: null = missing. */
export type ObservationColumn = Float64Array | readonly (string | null)[];

/** A run of observed rows, column by column. */
export interface ObservationChunk {
  readonly length: number;
  /** the request fields the models were given (PULocationID, DOLocationID, trip_distance, …) */
  readonly inputs: Readonly<Record<string, ObservationColumn>>;
  /** each model's output, by model name */
  readonly predictions?: Readonly<Record<string, Float64Array>>;
  /** the truth, by model name, where it is known (batch months, backfilled capture) */
  readonly actuals?: Readonly<Record<string, Float64Array>>;
  /** epoch milliseconds of each row (pickup or prediction time): quality periods, hour mix */
  readonly time?: Float64Array;
  /** the version of each model that answered each row, where known (capture records): quality by version */
  readonly versions?: Readonly<Record<string, readonly (string | null)[]>>;
  /**
   * Rows the source left out before these were scored (a trip file's 1–60 minute filter, null
   * zones): their inputs count toward the missing and invalid shares, never toward drift.
   */
  readonly excluded?: { readonly length: number; readonly inputs: Readonly<Record<string, ObservationColumn>> };
}

/** A source of observations, synchronous (arrays in memory) or asynchronous (files). */
export type Observations = Iterable<ObservationChunk> | AsyncIterable<ObservationChunk>;

/** Inputs that are zone ids: numbers, but categories (zone 130 is not "more" than zone 129). */
export const CATEGORICAL_NUMERIC_INPUTS: ReadonlySet<string> = new Set(['PULocationID', 'DOLocationID']);
