import type { Ride } from './features';

/**
 * Trip records as published by NYC TLC (green `lpep_*`, yellow `tpep_*` datetimes) and the
 * course's filter: a trip counts when its duration is between 1 and 60 minutes.
 */
export interface TripRecord {
  pickup: TripInstant | null;
  dropoff: TripInstant | null;
  PULocationID: number | null;
  DOLocationID: number | null;
  trip_distance: number | null;
}

/** A pickup or drop-off time: a Date, or epoch milliseconds (batch readers avoid a Date per row). */
export type TripInstant = Date | number;

export const MIN_DURATION_MINUTES = 1;
export const MAX_DURATION_MINUTES = 60;

/** Why a record is not scored; every skipped record is counted under one of these (`null_input`: a model input other than the course's is empty). */
export const SKIP_REASONS = [
  'null_zone',
  'null_distance',
  'null_datetime',
  'null_input',
  'invalid_time',
  'invalid_value',
  'duration_out_of_range',
  'non_finite_prediction',
] as const;

/**
 * Times a trip may have: years 0001–9999, what `YYYY-MM-DD HH:MM:SS` can state. A time outside
 * (an unreadable cell, a parquet timestamp of year 300,000) is `invalid_time`, skipped in every
 * output format alike, never a failed run nor a row with an invalid date.
 */
export const MIN_TRIP_TIME_MS = -62_135_596_800_000;
export const MAX_TRIP_TIME_MS = 253_402_300_800_000;

/** Is `ms` a time a trip may have (see MIN_TRIP_TIME_MS)? NaN and ±Infinity are not. */
export function isTripTime(ms: number): boolean {
  return ms >= MIN_TRIP_TIME_MS && ms < MAX_TRIP_TIME_MS;
}
export type SkipReason = (typeof SKIP_REASONS)[number];

export type TripClassification = { kind: 'kept'; ride: Ride; duration: number } | { kind: 'skipped'; reason: SkipReason };

/** Duration in minutes between pickup and drop-off. */
export function tripDurationMinutes(pickup: TripInstant, dropoff: TripInstant): number {
  return (Number(dropoff) - Number(pickup)) / 60_000;
}

/** Applies the course's filter to one record, saying why a record is not scored. */
export function classifyTrip(trip: TripRecord): TripClassification {
  if (trip.PULocationID === null || trip.DOLocationID === null) return { kind: 'skipped', reason: 'null_zone' };
  if (trip.trip_distance === null) return { kind: 'skipped', reason: 'null_distance' };
  if (trip.pickup === null || trip.dropoff === null) return { kind: 'skipped', reason: 'null_datetime' };
  if (!isTripTime(Number(trip.pickup)) || !isTripTime(Number(trip.dropoff))) return { kind: 'skipped', reason: 'invalid_time' };
  const duration = tripDurationMinutes(trip.pickup, trip.dropoff);
  // An unparsable time (a CSV cell that is not a date) is a bad value, not a short trip.
  if (!Number.isFinite(duration)) return { kind: 'skipped', reason: 'invalid_value' };
  if (!(duration >= MIN_DURATION_MINUTES && duration <= MAX_DURATION_MINUTES)) {
    return { kind: 'skipped', reason: 'duration_out_of_range' };
  }
  const { PULocationID, DOLocationID, trip_distance } = trip;
  if (
    !Number.isInteger(PULocationID) ||
    !Number.isInteger(DOLocationID) ||
    PULocationID < 1 ||
    DOLocationID < 1 ||
    !Number.isFinite(trip_distance) ||
    trip_distance < 0
  ) {
    return { kind: 'skipped', reason: 'invalid_value' };
  }
  return { kind: 'kept', ride: { PULocationID, DOLocationID, trip_distance }, duration };
}
