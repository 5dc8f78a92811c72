import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, isTripTime, type SkipReason } from '../core/trips';
import type { TripChunk } from './trip-chunk';

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
}

/** The output stores zone ids as INT32 (TLC ids are 1–265); larger ids would wrap, so they are invalid. */
const INT32_MAX = 2 ** 31 - 1;

/**
 * The core's `classifyTrip` over a whole chunk in one typed-array pass (no object per row):
 * the same checks in the same order, NaN standing for a missing value. Every skipped row is
 * counted in `skipped` under its reason.
 */
export function filterTrips(chunk: TripChunk, skipped: Record<SkipReason, number>): KeptTrips {
  const n = chunk.length;
  const { pickup, dropoff, PULocationID: pu, DOLocationID: doZone, trip_distance: distance } = chunk;
  const positions = new Int32Array(n);
  const keptPu = new Int32Array(n);
  const keptDo = new Int32Array(n);
  const keptDistance = new Float64Array(n);
  const duration = new Float64Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const reason = skipReason(pickup[i] as number, dropoff[i] as number, pu[i] as number, doZone[i] as number, distance[i] as number);
    if (reason !== undefined) {
      skipped[reason]++;
      continue;
    }
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
  };
}

function skipReason(pickup: number, dropoff: number, pu: number, doZone: number, distance: number): SkipReason | undefined {
  if (Number.isNaN(pu) || Number.isNaN(doZone)) return 'null_zone';
  if (Number.isNaN(distance)) return 'null_distance';
  if (Number.isNaN(pickup) || Number.isNaN(dropoff)) return 'null_datetime';
  if (!isTripTime(pickup) || !isTripTime(dropoff)) return 'invalid_time';
  const duration = (dropoff - pickup) / 60_000;
  // An unparsable time (a CSV cell that is not a date) is a bad value, not a short trip.
  if (!Number.isFinite(duration)) return 'invalid_value';
  if (!(duration >= MIN_DURATION_MINUTES && duration <= MAX_DURATION_MINUTES)) return 'duration_out_of_range';
  if (!Number.isInteger(pu) || !Number.isInteger(doZone) || pu < 1 || doZone < 1 || pu > INT32_MAX || doZone > INT32_MAX) return 'invalid_value';
  if (!Number.isFinite(distance) || distance < 0) return 'invalid_value';
  return undefined;
}
