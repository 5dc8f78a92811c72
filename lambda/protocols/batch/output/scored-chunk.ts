import { PRIMARY_MODEL } from '../../../model/model-set';

/**
 * How a numeric output column is stored: zone ids as INT32; every other number as DOUBLE;
 * `nullable` columns (a target the file leaves empty, an input a model takes missing) hold NaN
 * where there is no value and are written as nulls.
 */
export type OutputNumberKind = 'int32' | 'double' | 'nullable';

export interface OutputNumberColumn {
  readonly name: string;
  readonly kind: OutputNumberKind;
  /** worth a dictionary (few distinct values: zones, whole-second durations) */
  readonly dictionary: boolean;
}

/**
 * The output's columns for one run: ride_id, the pickup time (the input's name), the numeric
 * columns, then model_version (the primary model's) and model_versions (JSON, every model's).
 */
export interface OutputLayout {
  readonly pickupColumn: string;
  readonly numeric: readonly OutputNumberColumn[];
  /** each model with an actual_/diff_ pair: the trip-file column it predicts */
  readonly targets: Readonly<Record<string, string>>;
  readonly modelVersion: string;
  /** `{"duration":"…","cost":"…"}` */
  readonly modelVersions: string;
}

/** One model as the layout needs it. */
export interface LayoutModel {
  readonly name: string;
  readonly version: string;
  /** the trip-file column it predicts, when the file has it */
  readonly target?: string;
}

/**
 * The layout of a run: the course's columns (ride_id, pickup, PULocationID, DOLocationID), every
 * model input the file supplied (trip_distance, then others; a nullable one may hold nulls), actual_duration, and per model
 * `predicted_<name>`; `duration` keeps the course's `diff`; a model whose target column is in
 * the file also gets `actual_<name>` and `diff_<name>`.
 */
export function outputLayout(pickupColumn: string, models: readonly LayoutModel[], primary: string, extraInputs: readonly string[], nullableInputs: ReadonlySet<string> = new Set()): OutputLayout {
  const inputKind = (name: string): OutputNumberKind => (nullableInputs.has(name) ? 'nullable' : 'double');
  const numeric: OutputNumberColumn[] = [
    { name: 'PULocationID', kind: 'int32', dictionary: true },
    { name: 'DOLocationID', kind: 'int32', dictionary: true },
    { name: 'trip_distance', kind: inputKind('trip_distance'), dictionary: false },
    ...extraInputs.map((name) => ({ name, kind: inputKind(name), dictionary: true })),
    { name: 'actual_duration', kind: 'double', dictionary: true },
  ];
  for (const model of models) {
    numeric.push({ name: `predicted_${model.name}`, kind: 'double', dictionary: false });
    if (model.name === PRIMARY_MODEL) numeric.push({ name: 'diff', kind: 'double', dictionary: false });
    else if (model.target !== undefined) {
      numeric.push({ name: `actual_${model.name}`, kind: 'nullable', dictionary: false }, { name: `diff_${model.name}`, kind: 'nullable', dictionary: false });
    }
  }
  const versions = Object.fromEntries(models.map((m) => [m.name, m.version]));
  const targets = Object.fromEntries(models.flatMap((m) => (m.target !== undefined && m.name !== PRIMARY_MODEL ? [[m.name, m.target]] : [])));
  return { pickupColumn, numeric, targets, modelVersion: versions[primary] ?? '', modelVersions: JSON.stringify(versions) };
}

/** Scored rows, column by column, in an OutputLayout's order. */
export interface ScoredChunk {
  readonly length: number;
  /** `YYYY/MM_`: each ride's id is this plus its row (see ride-ids.ts) */
  readonly rideIdPrefix: string;
  /** each ride's 0-based row index in the input file */
  readonly inputRow: Float64Array;
  /** epoch milliseconds */
  readonly pickup: Float64Array;
  /** one column per `layout.numeric` entry, in that order */
  readonly numeric: readonly (Float64Array | Int32Array)[];
}

/** Where scored chunks go: a parquet or CSV file, written chunk by chunk. */
export interface ScoredSink {
  write(chunk: ScoredChunk): Promise<void>;
  /** completes the file (parquet footer); nothing may be written after */
  finish(): Promise<void>;
  /** releases the file after a failure; the staged output is discarded anyway */
  abort(): void;
}

/** The output's column names, in order. */
export function outputColumnNames(layout: OutputLayout): string[] {
  return ['ride_id', layout.pickupColumn, ...layout.numeric.map((c) => c.name), 'model_version', 'model_versions'];
}
