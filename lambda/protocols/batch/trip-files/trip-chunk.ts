import type { TripRecord } from '../../../rides/trips';
import { TripFileError } from '../errors';
import { TAXI_TYPES, type TaxiType } from '../../../contract';

// The fleets live in the contract, so the stack cannot schedule one this job refuses.
export { TAXI_TYPES, type TaxiType } from '../../../contract';

const DATETIME_PREFIX: Record<TaxiType, string> = { green: 'lpep', yellow: 'tpep' };

/** Columns the batch job reads from a trip file, by their TLC names. */
export interface TripColumnNames {
  readonly pickup: string;
  readonly dropoff: string;
  readonly zonesAndDistance: readonly ['PULocationID', 'DOLocationID', 'trip_distance'];
}

export function tripColumnNames(taxiType: TaxiType): TripColumnNames {
  const prefix = DATETIME_PREFIX[taxiType];
  return {
    pickup: `${prefix}_pickup_datetime`,
    dropoff: `${prefix}_dropoff_datetime`,
    zonesAndDistance: ['PULocationID', 'DOLocationID', 'trip_distance'],
  };
}

/** All five columns, in the order readers hand them over. */
export function requiredColumns(names: TripColumnNames): string[] {
  return [names.pickup, names.dropoff, ...names.zonesAndDistance];
}

/**
 * The taxi type a file's columns describe (`expected` when the job names one), or a
 * TripFileError naming the first missing column.
 */
export function resolveTaxiType(columns: readonly string[], where: string, expected?: TaxiType): TaxiType {
  const present = new Set(columns);
  const taxiType = expected ?? TAXI_TYPES.find((t) => present.has(tripColumnNames(t).pickup)) ?? 'green';
  const missing = requiredColumns(tripColumnNames(taxiType)).find((name) => !present.has(name));
  if (missing !== undefined) {
    throw new TripFileError(`missing column ${missing} (a ${taxiType} taxi trip file needs ${requiredColumns(tripColumnNames(taxiType)).join(', ')})`, where);
  }
  return taxiType;
}

/**
 * A run of consecutive input rows, column by column, as typed arrays (no object per row).
 * Times are epoch milliseconds. NaN marks a value missing from the file (a parquet null, an
 * empty CSV cell); a value present but unusable (a CSV cell that is not a number or a time)
 * is stored as Infinity, which the filter counts as invalid, never as missing.
 */
export interface TripChunk {
  /** position of the chunk's first row in the input file, 0-based */
  readonly firstRow: number;
  readonly length: number;
  readonly pickup: Float64Array;
  readonly dropoff: Float64Array;
  readonly PULocationID: Float64Array;
  readonly DOLocationID: Float64Array;
  readonly trip_distance: Float64Array;
  /** further numeric columns the models need (or predict), by name, when asked for */
  readonly extra?: Readonly<Record<string, Float64Array>>;
}

/** A chunk's five columns, allocated for `length` rows and filled with NaN (all missing). */
export function emptyTripColumns(length: number): Pick<TripChunk, 'pickup' | 'dropoff' | 'PULocationID' | 'DOLocationID' | 'trip_distance'> {
  const column = () => new Float64Array(length).fill(Number.NaN);
  return { pickup: column(), dropoff: column(), PULocationID: column(), DOLocationID: column(), trip_distance: column() };
}

/** A cell that is present but not a number: kept distinct from a missing one (see TripChunk). */
export const UNREADABLE = Number.POSITIVE_INFINITY;

/** Row `i` of a chunk as the core's trip record (NaN becomes null). */
export function tripAt(chunk: TripChunk, i: number): TripRecord {
  return {
    pickup: orNull(chunk.pickup[i]),
    dropoff: orNull(chunk.dropoff[i]),
    PULocationID: orNull(chunk.PULocationID[i]),
    DOLocationID: orNull(chunk.DOLocationID[i]),
    trip_distance: orNull(chunk.trip_distance[i]),
  };
}

function orNull(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

/** A trip file opened for reading, chunk by chunk. */
export interface TripReader {
  readonly taxiType: TaxiType;
  /** `lpep_pickup_datetime` or `tpep_pickup_datetime`, carried into the output */
  readonly pickupColumn: string;
  /** known up front for parquet (footer); undefined for CSV */
  readonly totalRows?: number;
  /** every column the file has (header, or parquet top-level names) */
  readonly columns: readonly string[];
  /** The rows in chunks, with `extraColumns` (numeric, present in `columns`) in each chunk's `extra`. */
  chunks(extraColumns?: readonly string[]): AsyncIterable<TripChunk>;
  close(): Promise<void>;
}
