import { generateTrips, type TripDrift } from '../../../lambda/local/synthetic';
import type { ObservationChunk } from '../../../lambda/monitoring/observations';

/**
 * A generated month (fixed seed; `drift` is the generator's own knob) as one observation chunk:
 * the request fields, the pickup time, and the duration as the actual.
 */
export function monthObservations(options: { year: number; month: number; rows: number; seed?: number; drift?: Partial<TripDrift> }): ObservationChunk {
  const rows = [...generateTrips({ year: options.year, month: options.month, rows: options.rows, seed: options.seed, drift: options.drift })];
  const n = rows.length;
  const column = (pick: (row: (typeof rows)[number]) => number | null) => Float64Array.from(rows, (row) => pick(row) ?? Number.NaN);
  return {
    length: n,
    inputs: { PULocationID: column((r) => r.PULocationID), DOLocationID: column((r) => r.DOLocationID), trip_distance: column((r) => r.trip_distance) },
    time: column((r) => r.pickup_datetime.getTime()),
    actuals: { duration: column((r) => (r.dropoff_datetime.getTime() - r.pickup_datetime.getTime()) / 60_000) },
  };
}
