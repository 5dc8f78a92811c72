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
 * the trip's duration as the actual. Read chunk by chunk: a month never sits in memory.
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
  let k = 0;
  for (let i = 0; i < n; i++) {
    const trip = classifyTrip(tripAt(chunk, i));
    if (trip.kind !== 'kept') continue;
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
  };
}
