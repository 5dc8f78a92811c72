import { classifyTrip } from '../../rides/trips';
import type { TripFileFormat } from '../../protocols/batch/locations';
import type { Location } from '../../storage/location';
import { openTripReader, DEFAULT_READ_LIMITS } from '../../protocols/batch/trip-files/open-trips';
import { tripAt, type TripChunk } from '../../protocols/batch/trip-files/trip-chunk';
import type { ObservationChunk } from '../../monitoring/observations';

const CHUNK_ROWS = 131_072;

/**
 * A TLC trip file (parquet or CSV, read by the batch job's reader) as observations: the rows
 * the batch job would score (the 1–60 minute filter; a training reference saw the same), with
 * the trip's duration as the actual, and the rows it would skip as `excluded` — their inputs count
 * toward the missing and invalid shares (a month's null zones are missing values, not absent
 * rows). Read chunk by chunk: a month never sits in memory.
 */
export async function* tripFileObservations(location: Location, format: TripFileFormat): AsyncGenerator<ObservationChunk> {
  const reader = await openTripReader(location, format, { chunkRows: CHUNK_ROWS, ...DEFAULT_READ_LIMITS });
  try {
    for await (const chunk of reader.chunks()) yield keptRows(chunk);
  } finally {
    await reader.close();
  }
}

function keptRows(chunk: TripChunk): ObservationChunk {
  const n = chunk.length;
  const pu = new Float64Array(n);
  const dz = new Float64Array(n);
  const distance = new Float64Array(n);
  const time = new Float64Array(n);
  const duration = new Float64Array(n);
  const skipped: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const trip = classifyTrip(tripAt(chunk, i));
    if (trip.kind !== 'kept') {
      skipped.push(i);
      continue;
    }
    pu[k] = trip.ride.PULocationID;
    dz[k] = trip.ride.DOLocationID;
    distance[k] = trip.ride.trip_distance;
    time[k] = chunk.pickup[i] as number;
    duration[k] = trip.duration;
    k++;
  }
  return {
    length: k,
    inputs: { PULocationID: pu.subarray(0, k), DOLocationID: dz.subarray(0, k), trip_distance: distance.subarray(0, k) },
    time: time.subarray(0, k),
    actuals: { duration: duration.subarray(0, k) },
    ...(skipped.length > 0 ? { excluded: { length: skipped.length, inputs: rawInputs(chunk, skipped) } } : {}),
  };
}

/** The input cells of the given rows as read (NaN: missing, Infinity: unreadable). */
function rawInputs(chunk: TripChunk, rows: readonly number[]): Record<string, Float64Array> {
  const pick = (column: Float64Array) => Float64Array.from(rows, (i) => column[i] as number);
  return { PULocationID: pick(chunk.PULocationID), DOLocationID: pick(chunk.DOLocationID), trip_distance: pick(chunk.trip_distance) };
}
