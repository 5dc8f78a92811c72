import { MissingInputError } from '../../serving/errors';
import { SKIP_REASONS, type SkipReason } from '../../rides/trips';
import type { InputBatch, InputColumn } from '../../model/input-batch';
import type { RequestField } from '../../model/model-input';
import { PRIMARY_MODEL, type ModelSet } from '../../model/model-set';
import type { SetPrediction } from '../../model/observers';
import { outputLayout, type OutputLayout, type ScoredChunk, type ScoredSink } from './output/scored-chunk';
import type { TripChunk, TripReader } from './trip-files/trip-chunk';
import { filterTrips, type ExtraColumns, type KeptTrips } from './trip-filter';
import { rideIdOf } from './ride-ids';
import type { Dataplane, InferRequest, InferResponse } from '../../serving/dataplane';

/** What a scoring pass did with every input row. */
export interface ScoreCounts {
  rowsRead: number;
  /** passed the course's filter (1–60 min, no nulls) and every model input's checks */
  rowsKept: number;
  /** predicted and written; equals rowsKept when the run succeeds */
  rowsScored: number;
  skipped: Record<SkipReason, number>;
}

/** The fields every trip file has, which the course's filter already checks. */
const COURSE_FIELDS = new Set(['PULocationID', 'DOLocationID', 'trip_distance']);

/** Which columns a run reads beyond the course's, and the output they give. */
export interface ScoringPlan {
  readonly extra: ExtraColumns;
  readonly layout: OutputLayout;
}

/**
 * Plans a run of `set` over a file with `columns`: every model input must be a numeric column
 * of the file (else MissingInputError naming the column and the model); a model's target
 * column is read when the file has it. A nullable input (trip_distance included) keeps its
 * rows with an empty cell, fed as NaN, and is written as a column that may hold nulls.
 */
export function planScoring(set: ModelSet, columns: readonly string[], pickupColumn: string, where: string): ScoringPlan {
  const present = new Set(columns);
  const inputs: RequestField[] = [];
  for (const field of set.fields) {
    if (COURSE_FIELDS.has(field.name)) continue;
    const users = set.names.filter((name) => set.require(name).fields.some((f) => f.name === field.name));
    if (!present.has(field.name)) {
      throw new MissingInputError(
        `${where}: missing column ${field.name}, which the model${users.length > 1 ? 's' : ''} ${users.join(', ')} need${users.length > 1 ? '' : 's'}`,
        field.name,
      );
    }
    if (field.kind === 'string')
      throw new MissingInputError(
        `${where}: column ${field.name} is text; the batch job feeds models numeric columns only (model ${users.join(', ')})`,
        field.name,
      );
    inputs.push(field);
  }
  const models = set.names.map((name) => {
    const { version, info } = set.require(name);
    return info.target !== undefined && present.has(info.target) && name !== PRIMARY_MODEL ? { name, version, target: info.target } : { name, version };
  });
  const targets = [...new Set(models.flatMap((m): string[] => ('target' in m && m.target !== undefined ? [m.target] : [])))].filter(
    (t) => !inputs.some((f) => f.name === t),
  );
  const nullableDistance = set.fields.some((f) => f.name === 'trip_distance' && f.nullable === true);
  const nullable = new Set([...(nullableDistance ? ['trip_distance'] : []), ...inputs.filter((f) => f.nullable).map((f) => f.name)]);
  const courseFields = set.fields.filter((f) => COURSE_FIELDS.has(f.name));
  return {
    extra: { inputs, targets, nullableDistance, courseFields },
    layout: outputLayout(
      pickupColumn,
      models,
      set.primary,
      inputs.map((f) => f.name),
      nullable,
    ),
  };
}

export interface ScoreTripsOptions {
  reader: TripReader;
  sink: ScoredSink;
  set: ModelSet;
  plan: ScoringPlan;
  /** `YYYY/MM_`: a ride's id is this plus its row index in the input */
  rideIdPrefix: string;
  onProgress?(rowsRead: number, totalRows: number | undefined): void;
  /** the one inference path (it tells metrics, capture and shadows; capture samples and bounds a chunk) */
  dataplane: Dataplane;
}

/**
 * The scoring loop: each chunk of input rows is filtered, predicted by every model in one run
 * each, and written before the next chunk is read, so memory holds one chunk at a time.
 */
export async function scoreTrips(options: ScoreTripsOptions): Promise<ScoreCounts> {
  const { reader, sink, set, plan, rideIdPrefix } = options;
  const counts: ScoreCounts = {
    rowsRead: 0,
    rowsKept: 0,
    rowsScored: 0,
    skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
  };
  const extraNames = [...plan.extra.inputs.map((f) => f.name), ...plan.extra.targets];
  for await (const chunk of reader.chunks(extraNames)) {
    const filtered = filterTrips(chunk, counts.skipped, plan.extra);
    const inferred = filtered.length > 0 ? await options.dataplane.infer(set, inferRequest(chunk, filtered, plan, rideIdPrefix)) : undefined;
    // A row a model scores NaN or Infinity is skipped and counted, never written.
    const { kept, prediction } = dropRefused(filtered, inferred, counts.skipped);
    const scored = toScoredChunk(chunk, kept, prediction, plan, rideIdPrefix);
    await sink.write(scored);
    counts.rowsRead += chunk.length;
    counts.rowsKept += kept.length;
    counts.rowsScored += scored.length;
    options.onProgress?.(counts.rowsRead, reader.totalRows);
  }
  return counts;
}

/** A chunk's kept rows as the dataplane takes them: their columns, their ride ids (built only if capture reads them) and their actual durations. */
function inferRequest(chunk: TripChunk, kept: KeptTrips, plan: ScoringPlan, rideIdPrefix: string): InferRequest {
  let ids: string[] | undefined;
  return {
    source: 'batch',
    inputs: toInputBatch(kept, plan),
    get requestIds() {
      ids ??= Array.from(kept.positions, (position) => rideIdOf(rideIdPrefix, chunk.firstRow + position));
      return ids;
    },
    refuse: 'row',
    actuals: { duration: kept.duration },
  };
}

/** `kept` and its prediction without the rows the dataplane refused (NaN or ±Infinity, counted as `non_finite_prediction`). */
function dropRefused(
  kept: KeptTrips,
  inferred: InferResponse | undefined,
  skipped: Record<SkipReason, number>,
): { kept: KeptTrips; prediction: SetPrediction | undefined } {
  if (!inferred) return { kept, prediction: undefined };
  const { prediction, refused: bad } = inferred;
  if (bad.size === 0) return { kept, prediction };
  skipped.non_finite_prediction += bad.size;
  const rows = Array.from({ length: kept.length }, (_, i) => i).filter((i) => !bad.has(i));
  const pick = <T extends Float64Array | Int32Array>(values: T): T => {
    const out = new (values.constructor as new (n: number) => T)(rows.length);
    rows.forEach((row, j) => (out[j] = values[row] as number));
    return out;
  };
  const mapValues = <T extends Float64Array | Int32Array>(record: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, pick(v)]));
  return {
    kept: {
      length: rows.length,
      positions: pick(kept.positions),
      PULocationID: pick(kept.PULocationID),
      DOLocationID: pick(kept.DOLocationID),
      trip_distance: pick(kept.trip_distance),
      duration: pick(kept.duration),
      extra: mapValues(kept.extra),
    },
    prediction: { outputs: mapValues(prediction.outputs), versions: prediction.versions },
  };
}

function toInputBatch(kept: KeptTrips, plan: ScoringPlan): InputBatch {
  const columns: Record<string, InputColumn> = { PULocationID: kept.PULocationID, DOLocationID: kept.DOLocationID, trip_distance: kept.trip_distance };
  for (const field of plan.extra.inputs) columns[field.name] = kept.extra[field.name] as Float64Array;
  return { length: kept.length, columns };
}

function toScoredChunk(chunk: TripChunk, kept: KeptTrips, prediction: SetPrediction | undefined, plan: ScoringPlan, rideIdPrefix: string): ScoredChunk {
  const n = kept.length;
  const inputRow = new Float64Array(n);
  const pickup = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const position = kept.positions[j] as number;
    inputRow[j] = chunk.firstRow + position;
    pickup[j] = chunk.pickup[position] as number;
  }
  const values = new Map<string, Float64Array | Int32Array>([
    ['PULocationID', kept.PULocationID],
    ['DOLocationID', kept.DOLocationID],
    ['trip_distance', kept.trip_distance],
    ['actual_duration', kept.duration],
  ]);
  for (const field of plan.extra.inputs) values.set(field.name, kept.extra[field.name] as Float64Array);
  for (const column of plan.layout.numeric) {
    if (values.has(column.name)) continue;
    values.set(column.name, derivedColumn(column.name, n, kept, prediction, plan));
  }
  return { length: n, rideIdPrefix, inputRow, pickup, numeric: plan.layout.numeric.map((c) => values.get(c.name) as Float64Array | Int32Array) };
}

/** predicted_<name>, diff (duration), actual_<name> and diff_<name> (a target column). */
function derivedColumn(name: string, n: number, kept: KeptTrips, prediction: SetPrediction | undefined, plan: ScoringPlan): Float64Array {
  const outputOf = (model: string): Float64Array => {
    const output = prediction?.outputs[model] ?? new Float64Array(0);
    if (output.length !== n) throw new Error(`the model ${model} returned ${output.length} predictions for ${n} rides`);
    return output;
  };
  if (name === 'diff') return difference(kept.duration, outputOf(PRIMARY_MODEL));
  const [kind, model] = [name.slice(0, name.indexOf('_')), name.slice(name.indexOf('_') + 1)];
  if (kind === 'predicted') return outputOf(model);
  const target = plan.layout.targets[model] as string;
  if (kind === 'actual') return kept.extra[target] as Float64Array;
  return difference(kept.extra[target] as Float64Array, outputOf(model));
}

function difference(actual: Float64Array, predicted: Float64Array): Float64Array {
  const diff = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) diff[i] = (actual[i] as number) - (predicted[i] as number);
  return diff;
}
