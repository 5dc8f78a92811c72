import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, isTripTime, type SkipReason } from '../../rides/trips';
import { acceptsNumber, type RequestField } from '../../model/model-input';
import type { TripChunk } from './trip-files/trip-chunk';

/** The rows of a chunk that pass the course's filter, compacted column by column. */
export interface KeptTrips {
  readonly length: number;
  /** each kept row's position within its chunk */
  readonly positions: Int32Array;
  readonly PULocationID: Int32Array;
  readonly DOLocationID: Int32Array;
  readonly trip_distance: Float64Array;
  /** actual duration, minutes */
  readonly duration: Float64Array;
  /** the chunk's extra columns, compacted the same way (model inputs, and targets which may be NaN) */
  readonly extra: Readonly<Record<string, Float64Array>>;
}

/**
 * Extra columns a filter checks: model inputs must be present and valid (or empty, when every
 * model reading one marks it nullable); targets may be empty.
 */
export interface ExtraColumns {
  readonly inputs: readonly RequestField[];
  readonly targets: readonly string[];
  /** every model reading trip_distance marks it nullable: an empty distance is fed as NaN, not skipped */
  readonly nullableDistance?: boolean;
  /**
   * The course's columns (PULocationID, DOLocationID, trip_distance) as the models declare them:
   * a value outside a sidecar's bounds (a zone id over 265) is `invalid_value` here, as it is a 400
   * on the web service and a dead letter on the stream.
   */
  readonly courseFields?: readonly RequestField[];
}

const NO_EXTRA: ExtraColumns = { inputs: [], targets: [] };

/** The output stores zone ids as INT32 (TLC ids are 1–265); larger ids would wrap, so they are invalid. */
const INT32_MAX = 2 ** 31 - 1;

/**
 * The core's `classifyTrip` over a whole chunk in one typed-array pass (no object per row):
 * the same checks in the same order, NaN standing for a missing value. Every skipped row is
 * counted in `skipped` under its reason.
 */
export function filterTrips(chunk: TripChunk, skipped: Record<SkipReason, number>, extra: ExtraColumns = NO_EXTRA): KeptTrips {
  const n = chunk.length;
  const inputColumns = extra.inputs.map((field) => chunk.extra?.[field.name] as Float64Array);
  const keptExtra: Record<string, Float64Array> = {};
  for (const name of [...extra.inputs.map((f) => f.name), ...extra.targets]) keptExtra[name] = new Float64Array(n);
  const targetPairs = extra.targets.map((name) => [chunk.extra?.[name] as Float64Array, keptExtra[name] as Float64Array] as const);
  const { pickup, dropoff, PULocationID: pu, DOLocationID: doZone, trip_distance: distance } = chunk;
  const nullableDistance = extra.nullableDistance === true;
  const courseColumns = (extra.courseFields ?? []).flatMap((field) => {
    const column = field.name === 'PULocationID' ? pu : field.name === 'DOLocationID' ? doZone : field.name === 'trip_distance' ? distance : undefined;
    return column === undefined || (field.min === undefined && field.max === undefined) ? [] : [{ field, column }];
  });
  const positions = new Int32Array(n);
  const keptPu = new Int32Array(n);
  const keptDo = new Int32Array(n);
  const keptDistance = new Float64Array(n);
  const duration = new Float64Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const reason =
      skipReason(pickup[i] as number, dropoff[i] as number, pu[i] as number, doZone[i] as number, distance[i] as number, nullableDistance) ??
      courseSkipReason(courseColumns, i) ??
      extraSkipReason(extra.inputs, inputColumns, i);
    if (reason !== undefined) {
      skipped[reason]++;
      continue;
    }
    for (let c = 0; c < inputColumns.length; c++)
      (keptExtra[(extra.inputs[c] as RequestField).name] as Float64Array)[kept] = (inputColumns[c] as Float64Array)[i] as number;
    for (const [from, to] of targetPairs) to[kept] = from[i] as number;
    positions[kept] = i;
    keptPu[kept] = pu[i] as number;
    keptDo[kept] = doZone[i] as number;
    keptDistance[kept] = distance[i] as number;
    duration[kept++] = ((dropoff[i] as number) - (pickup[i] as number)) / 60_000;
  }
  return {
    length: kept,
    positions: positions.subarray(0, kept),
    PULocationID: keptPu.subarray(0, kept),
    DOLocationID: keptDo.subarray(0, kept),
    trip_distance: keptDistance.subarray(0, kept),
    duration: duration.subarray(0, kept),
    extra: Object.fromEntries(Object.entries(keptExtra).map(([name, column]) => [name, column.subarray(0, kept)])),
  };
}

/**
 * A model input other than the course's: empty (NaN) is `null_input` unless the field is
 * nullable (then it is kept, and fed as NaN); outside its field's kind or range `invalid_value`.
 */
function extraSkipReason(fields: readonly RequestField[], columns: readonly Float64Array[], i: number): SkipReason | undefined {
  for (let c = 0; c < fields.length; c++) {
    const value = (columns[c] as Float64Array)[i] as number;
    if (Number.isNaN(value)) {
      if ((fields[c] as RequestField).nullable) continue;
      return 'null_input';
    }
    if (!acceptsNumber(fields[c] as RequestField, value)) return 'invalid_value';
  }
  return undefined;
}

/** A course column outside the bounds its models declare (NaN is judged by {@link skipReason}). */
function courseSkipReason(columns: ReadonlyArray<{ field: RequestField; column: ArrayLike<number> }>, i: number): SkipReason | undefined {
  for (const { field, column } of columns) {
    const value = column[i] as number;
    if (!Number.isNaN(value) && !acceptsNumber(field, value)) return 'invalid_value';
  }
  return undefined;
}

function skipReason(pickup: number, dropoff: number, pu: number, doZone: number, distance: number, nullableDistance: boolean): SkipReason | undefined {
  if (Number.isNaN(pu) || Number.isNaN(doZone)) return 'null_zone';
  const missingDistance = Number.isNaN(distance);
  if (missingDistance && !nullableDistance) return 'null_distance';
  if (Number.isNaN(pickup) || Number.isNaN(dropoff)) return 'null_datetime';
  if (!isTripTime(pickup) || !isTripTime(dropoff)) return 'invalid_time';
  const duration = (dropoff - pickup) / 60_000;
  // An unparsable time (a CSV cell that is not a date) is a bad value, not a short trip.
  if (!Number.isFinite(duration)) return 'invalid_value';
  if (!(duration >= MIN_DURATION_MINUTES && duration <= MAX_DURATION_MINUTES)) return 'duration_out_of_range';
  if (!Number.isInteger(pu) || !Number.isInteger(doZone) || pu < 1 || doZone < 1 || pu > INT32_MAX || doZone > INT32_MAX) return 'invalid_value';
  if (!missingDistance && (!Number.isFinite(distance) || distance < 0)) return 'invalid_value';
  return undefined;
}
