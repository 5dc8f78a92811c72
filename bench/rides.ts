import { classifyTrip } from '../lambda/rides/trips';
import type { Ride } from '../lambda/rides/features';
import { generateTrips } from '../lambda/local/synthetic/synthetic-trips';

/**
 * Realistic rides for the in-process benchmarks and the HTTP probes: kept rows of the
 * generated training month (2021-01), so every PU_DO pair is one both models were trained on.
 */
export function trainingRides(count: number, every = 1): Ride[] {
  const rides: Ride[] = [];
  let seen = 0;
  for (const row of generateTrips({ year: 2021, month: 1, rows: 200_000 })) {
    const trip = classifyTrip({ ...row, pickup: row.pickup_datetime, dropoff: row.dropoff_datetime });
    if (trip.kind !== 'kept' || seen++ % every !== 0) continue;
    rides.push(trip.ride);
    if (rides.length === count) break;
  }
  return rides;
}

/** The course's example request, the body every HTTP benchmark sends. */
export const COURSE_RIDE: Ride = { PULocationID: 10, DOLocationID: 50, trip_distance: 40 };
