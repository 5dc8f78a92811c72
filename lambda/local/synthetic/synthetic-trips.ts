/**
 * A deterministic stand-in for NYC TLC trip records (the real files cannot be downloaded
 * here). Rows carry the published schema's columns; zones 1–265 with skewed popularity,
 * log-normal distances between zone centroids, zone-dependent speeds, some trips whose
 * duration falls outside the course's 1–60 minute filter (as real months have), and fares
 * itemised as a TLC meter charges them (./tlc-fares.ts).
 *
 * Two seeded streams: the trip stream makes zones, distances, times and nulls exactly as it
 * always has (so models trained on these months reproduce byte for byte), and a separate fare
 * stream makes the passengers' choices (payment, tip, tolled route).
 */
import type { TaxiType } from '../../protocols/batch/trip-files/trip-chunk';
import { city, pickZone, zoneDistance, zoneDistribution } from './city';
import { NO_DRIFT, type TripDrift } from './drift';
import { pickupClock } from './pickup-hours';
import { createRandom, createSubstream, normal } from './random';
import { drawFareChoices, meterFare, type TripFare } from './tlc-fares';

export interface TripRow {
  pickup_datetime: Date;
  dropoff_datetime: Date;
  PULocationID: number | null;
  DOLocationID: number | null;
  trip_distance: number | null;
  /** the meter's itemised fare, from the trip before any of its cells were nulled */
  fare: TripFare;
}

export interface TripGeneratorOptions {
  /** default year·100 + month */
  seed?: number;
  year: number;
  /** 1–12 */
  month: number;
  rows: number;
  /** share of rows with a null zone or distance (real files have some) */
  nullRate?: number;
  /** whose fares (congestion surcharge, card share, airport fee); default green */
  taxiType?: TaxiType;
  /** how this month departs from the usual city; default none */
  drift?: Partial<TripDrift>;
}

/** The fare stream's number: any constant other than the trip stream's 0 would do. */
const FARE_STREAM = 1;

/** Yields `rows` trips picked up within the given month, in pickup order. */
export function* generateTrips(options: TripGeneratorOptions): Generator<TripRow> {
  const seed = options.seed ?? options.year * 100 + options.month;
  const random = createRandom(seed);
  const fareRandom = createSubstream(seed, FARE_STREAM);
  const drift: TripDrift = { ...NO_DRIFT, ...options.drift };
  const zones = zoneDistribution(drift.zones);
  const clock = pickupClock(drift.hours);
  const taxiType = options.taxiType ?? 'green';
  const nullRate = options.nullRate ?? 0;
  const start = Date.UTC(options.year, options.month - 1, 1);
  const span = Date.UTC(options.year, options.month, 1) - start;
  for (let i = 0; i < options.rows; i++) {
    const pu = pickZone(zones, random);
    const doZone = random() < 0.1 ? pu : pickZone(zones, random);
    const base = (zoneDistance(pu, doZone) * 1.3 + 0.3) * Math.exp(0.35 * normal(random));
    const distance = Math.round((drift.distance === 1 ? base : base * drift.distance) * 100) / 100;
    const mph = Math.sqrt((city.speed[pu] as number) * (city.speed[doZone] as number)) * Math.exp(0.2 * normal(random));
    const minutes = Math.max(0.05, (distance / mph) * 60 + 2 + 1.5 * normal(random));
    const pickupMs = clock(start + Math.floor((i + random()) * (span / options.rows)));
    const pickup = new Date(pickupMs);
    const dropoff = new Date(pickupMs + Math.round(minutes * 60) * 1000);
    const metered = { taxiType, pickup, dropoff, PULocationID: pu, DOLocationID: doZone, trip_distance: distance };
    const row: TripRow = {
      pickup_datetime: pickup,
      dropoff_datetime: dropoff,
      PULocationID: pu,
      DOLocationID: doZone,
      trip_distance: distance,
      fare: meterFare(metered, drawFareChoices(metered, fareRandom)),
    };
    if (nullRate > 0 && random() < nullRate) {
      const which = Math.floor(random() * 3);
      if (which === 0) row.PULocationID = null;
      else if (which === 1) row.DOLocationID = null;
      else row.trip_distance = null;
    }
    yield row;
  }
}
