import * as z from 'zod';
import { InvalidRideError } from './errors';

/**
 * One ride as clients send it (the course's contract). Unknown extra fields are tolerated
 * and ignored; zones are TLC zone ids (integers ≥ 1), distance in miles (finite, ≥ 0).
 */
export const RideSchema = z.object({
  PULocationID: z.number().int().min(1),
  DOLocationID: z.number().int().min(1),
  trip_distance: z.number().finite().min(0),
});

export type Ride = z.infer<typeof RideSchema>;

/**
 * Many rides column by column (the batch job's shape): the same fields as Ride, validated by
 * the caller, without an object per ride. All three columns have the same length.
 */
export interface RideColumns {
  readonly PULocationID: ArrayLike<number>;
  readonly DOLocationID: ArrayLike<number>;
  readonly trip_distance: ArrayLike<number>;
}

/** Features the core can provide to a model, by the input name the model uses. */
export const FEATURE_NAMES = ['PU_DO', 'trip_distance', 'PULocationID', 'DOLocationID'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export function isFeatureName(name: string): name is FeatureName {
  return (FEATURE_NAMES as readonly string[]).includes(name);
}

/** The course's engineered feature: pickup and drop-off zone joined, `"<PU>_<DO>"`. */
export function puDo(ride: Ride): string {
  return `${ride.PULocationID}_${ride.DOLocationID}`;
}

/** A feature's value for one ride, as a string or a number. */
export function featureValue(ride: Ride, name: FeatureName): string | number {
  return name === 'PU_DO' ? puDo(ride) : ride[name];
}

/** Ride `i` of `columns`: a feature's value as `featureValue` gives it for one ride. */
export function featureValueAt(columns: RideColumns, i: number, name: FeatureName): string | number {
  return name === 'PU_DO' ? `${columns.PULocationID[i]}_${columns.DOLocationID[i]}` : (columns[name][i] as number);
}

/**
 * Validates one ride. `path` prefixes the field in messages (e.g. `[3].`) so a client
 * sending an array learns which element failed.
 */
export function parseRide(value: unknown, path = ''): Ride {
  const result = RideSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = `${path}${issue?.path.map(String).join('.') ?? ''}`;
  throw new InvalidRideError(describeIssue(value, issue, field), field || undefined);
}

/** Validates a single ride object or a non-empty array of rides. */
export function parseRides(value: unknown): { rides: Ride[]; isArray: boolean } {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new InvalidRideError('expected at least one ride, got an empty array');
    return { rides: value.map((item, i) => parseRide(item, `[${i}].`)), isArray: true };
  }
  return { rides: [parseRide(value)], isArray: false };
}

function describeIssue(value: unknown, issue: z.core.$ZodIssue | undefined, field: string): string {
  if (!issue || issue.path.length === 0) {
    return `expected a ride object with PULocationID, DOLocationID and trip_distance, got ${kindOf(value)}`;
  }
  const got = (value as Record<PropertyKey, unknown>)[issue.path[0] as PropertyKey];
  if (got === undefined) return `${field} is required`;
  if (typeof got !== 'number') return `${field} must be a number, got ${kindOf(got)}`;
  if (field.endsWith('trip_distance')) return Number.isFinite(got) ? `${field} must be ≥ 0` : `${field} must be a finite number`;
  return Number.isInteger(got) ? `${field} must be a zone id ≥ 1` : `${field} must be an integer zone id`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
