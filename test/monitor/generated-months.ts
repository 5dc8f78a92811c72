import { generateTrips, ZONE_COUNT } from '../../lambda/synthetic';
import type { ObservationChunk } from '../../lambda/monitor/observations';

/** How a month is moved away from the generator's city (until the generator's own drift knob is used). */
export interface MonthDrift {
  /** multiplies every distance */
  distanceScale?: number;
  /** share of pickups moved to other zones (a fixed permutation of zone ids) */
  zoneShare?: number;
  /** share of pickups moved into the evening rush (17:00–20:00 of the same day) */
  hourShare?: number;
}

/**
 * A generated month (fixed seed) as one observation chunk: the request fields, the pickup time,
 * and the duration as the actual; `drift` transforms the rows after generation.
 */
export function monthObservations(options: { year: number; month: number; rows: number; seed?: number; drift?: MonthDrift }): ObservationChunk {
  const rows = [...generateTrips({ year: options.year, month: options.month, rows: options.rows, seed: options.seed })];
  const n = rows.length;
  const columns = { PULocationID: new Float64Array(n), DOLocationID: new Float64Array(n), trip_distance: new Float64Array(n) };
  const time = new Float64Array(n);
  const duration = new Float64Array(n);
  const drift = options.drift ?? {};
  rows.forEach((row, i) => {
    // A second stream of decisions keyed by row index keeps the generator's own sequence intact.
    const u = ((i * 2654435761) % 1_000_003) / 1_000_003;
    const pu = row.PULocationID ?? Number.NaN;
    columns.PULocationID[i] = drift.zoneShare !== undefined && u < drift.zoneShare ? ((pu * 7) % ZONE_COUNT) + 1 : pu;
    columns.DOLocationID[i] = row.DOLocationID ?? Number.NaN;
    columns.trip_distance[i] = (row.trip_distance ?? Number.NaN) * (drift.distanceScale ?? 1);
    const pickup = row.pickup_datetime.getTime();
    const rush = drift.hourShare !== undefined && 1 - u < drift.hourShare;
    time[i] = rush ? Math.floor(pickup / 86_400_000) * 86_400_000 + (17 + 3 * u) * 3_600_000 : pickup;
    duration[i] = (row.dropoff_datetime.getTime() - row.pickup_datetime.getTime()) / 60_000;
  });
  return { length: n, inputs: columns, time, actuals: { duration } };
}
