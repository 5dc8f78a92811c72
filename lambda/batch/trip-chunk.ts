import type { TripRecord } from '../core/trips';
import { TripFileError } from './errors';

/** The TLC fleets whose files the batch job reads: green (`lpep_*`) and yellow (`tpep_*`). */
export const TAXI_TYPES = ['green', 'yellow'] as const;
export type TaxiType = (typeof TAXI_TYPES)[number];

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
 * A run of consecutive input rows, column by column. Times are epoch milliseconds; a null
 * is a missing value in the file.
 */
export interface TripChunk {
  /** position of the chunk's first row in the input file, 0-based */
  readonly firstRow: number;
  readonly length: number;
  readonly pickup: ArrayLike<number | null>;
  readonly dropoff: ArrayLike<number | null>;
  readonly PULocationID: ArrayLike<number | null>;
  readonly DOLocationID: ArrayLike<number | null>;
  readonly trip_distance: ArrayLike<number | null>;
}

/** Row `i` of a chunk as the core's trip record. */
export function tripAt(chunk: TripChunk, i: number): TripRecord {
  return {
    pickup: chunk.pickup[i] ?? null,
    dropoff: chunk.dropoff[i] ?? null,
    PULocationID: chunk.PULocationID[i] ?? null,
    DOLocationID: chunk.DOLocationID[i] ?? null,
    trip_distance: chunk.trip_distance[i] ?? null,
  };
}

/** A trip file opened for reading, chunk by chunk. */
export interface TripReader {
  readonly taxiType: TaxiType;
  /** `lpep_pickup_datetime` or `tpep_pickup_datetime`, carried into the output */
  readonly pickupColumn: string;
  /** known up front for parquet (footer); undefined for CSV */
  readonly totalRows?: number;
  chunks(): AsyncIterable<TripChunk>;
  close(): Promise<void>;
}
