/**
 * Writes TLC-schema trip files (parquet or CSV) from rows: the month files `npm run batch --
 * generate` makes, and the fixtures the tests build. Columns are named, ordered and typed as
 * TLC publishes each fleet's files (INT64 zone ids unless told otherwise, DOUBLE distance and
 * amounts, INT64 microsecond timestamps), so readers must pick theirs out.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { formatCsvTime } from '../../protocols/batch/trip-files/csv';
import {
  loadParquetWriter,
  type WriterColumnData as ColumnData,
  type WriterSchemaElement as SchemaElement,
} from '../../protocols/batch/trip-files/parquet-modules';
import { tripColumnNames, type TaxiType } from '../../protocols/batch/trip-files/trip-chunk';
import { generateTrips, type TripGeneratorOptions } from './synthetic-trips';
import type { TripFare } from './tlc-fares';

/** One trip as a file holds it; nulls are missing values. */
export interface TripFileRow {
  pickup: Date | null;
  dropoff: Date | null;
  PULocationID: number | null;
  DOLocationID: number | null;
  trip_distance: number | null;
  /** passengers the driver entered; absent → 1, 2, 3 in turn by row (synthetic months) */
  passenger_count?: number | null;
  /** the itemised fare; absent or null → empty fare cells (hand-made rows) */
  fare?: TripFare | null;
}

export interface TripFileOptions {
  taxiType: TaxiType;
  /** rows per row group (default 1,048,576, pyarrow's) */
  rowGroupSize?: number;
  codec?: 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';
  timestampUnit?: 'MILLIS' | 'MICROS' | 'NANOS';
  zoneType?: 'INT32' | 'INT64' | 'DOUBLE';
}

type FareColumn = keyof TripFare;
type ColumnKind = 'vendor' | 'pickup' | 'dropoff' | 'zone' | 'double' | 'int64';
interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** where the value comes from */
  value: (row: TripFileRow, index: number) => number | Date | null;
}

const fare = (name: FareColumn) => (row: TripFileRow) => (row.fare ? row.fare[name] : null);

/** The columns of each fleet's files, in TLC order (2021 parquet files, without the text and e-hail columns). */
function tripColumns(taxiType: TaxiType): ColumnSpec[] {
  const names = tripColumnNames(taxiType);
  const c = (name: string, kind: ColumnKind, value: ColumnSpec['value']): ColumnSpec => ({ name, kind, value });
  const vendor = c('VendorID', 'vendor', (_, i) => 1 + (i % 2));
  const pickup = c(names.pickup, 'pickup', (row) => row.pickup);
  const dropoff = c(names.dropoff, 'dropoff', (row) => row.dropoff);
  const passengers = c('passenger_count', 'double', (row, i) => (row.passenger_count === undefined ? 1 + (i % 3) : row.passenger_count));
  const distance = c('trip_distance', 'double', (row) => row.trip_distance);
  const zones = [c('PULocationID', 'zone', (row) => row.PULocationID), c('DOLocationID', 'zone', (row) => row.DOLocationID)];
  const ratecode = c('RatecodeID', 'double', fare('RatecodeID'));
  const amounts = (['fare_amount', 'extra', 'mta_tax', 'tip_amount', 'tolls_amount', 'improvement_surcharge', 'total_amount'] as const).map((n) =>
    c(n, 'double', fare(n)),
  );
  const congestion = c('congestion_surcharge', 'double', fare('congestion_surcharge'));
  if (taxiType === 'green') {
    return [vendor, pickup, dropoff, ratecode, ...zones, passengers, distance, ...amounts, c('payment_type', 'double', fare('payment_type')), congestion];
  }
  return [
    vendor,
    pickup,
    dropoff,
    passengers,
    distance,
    ratecode,
    ...zones,
    c('payment_type', 'int64', fare('payment_type')),
    ...amounts,
    congestion,
    c('airport_fee', 'double', fare('airport_fee')),
  ];
}

const UNIT_FACTOR = { MILLIS: 1n, MICROS: 1_000n, NANOS: 1_000_000n } as const;

function schemaFor(columns: ColumnSpec[], options: Required<TripFileOptions>): SchemaElement[] {
  const element = ({ name, kind }: ColumnSpec): SchemaElement => {
    if (kind === 'pickup' || kind === 'dropoff')
      return { name, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: options.timestampUnit }, repetition_type: 'OPTIONAL' };
    if (kind === 'zone') return { name, type: options.zoneType, repetition_type: 'OPTIONAL' };
    return { name, type: kind === 'double' ? 'DOUBLE' : 'INT64', repetition_type: 'OPTIONAL' };
  };
  return [{ name: 'root', num_children: columns.length }, ...columns.map(element)];
}

/** Writes rows as a TLC-schema parquet file, one row group at a time (bounded memory). */
export async function writeTripParquet(path: string, rows: Iterable<TripFileRow>, options: TripFileOptions): Promise<number> {
  const full: Required<TripFileOptions> = { rowGroupSize: 1_048_576, codec: 'SNAPPY', timestampUnit: 'MICROS', zoneType: 'INT64', ...options };
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const columns = tripColumns(full.taxiType);
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: schemaFor(columns, full),
    codec: full.codec,
    compressors: { GZIP: (input) => gzipSync(input), BROTLI: (input) => brotliCompressSync(input) },
    createdBy: 'ride-duration synthetic TLC trips',
  });
  let count = 0;
  let group: TripFileRow[] = [];
  const flush = async () => {
    await writer.write({ columnData: columnsOf(group, count - group.length, columns, full), rowGroupSize: group.length });
    group = [];
  };
  for (const row of rows) {
    group.push(row);
    count++;
    if (group.length === full.rowGroupSize) await flush();
  }
  if (group.length > 0) await flush();
  await writer.finish();
  return count;
}

function columnsOf(rows: TripFileRow[], firstIndex: number, columns: ColumnSpec[], options: Required<TripFileOptions>): { name: string; data: ColumnData }[] {
  const factor = UNIT_FACTOR[options.timestampUnit];
  const cell = (kind: ColumnKind, value: number | Date | null): unknown => {
    if (value === null) return null;
    if (value instanceof Date) return BigInt(value.getTime()) * factor;
    if (kind === 'vendor' || kind === 'int64' || (kind === 'zone' && options.zoneType === 'INT64')) return BigInt(value);
    return value;
  };
  return columns.map(({ name, kind, value }) => ({ name, data: rows.map((row, i) => cell(kind, value(row, firstIndex + i))) as ColumnData }));
}

/** Writes rows as TLC CSV (header row; empty cells for nulls), same columns as the parquet files. */
export function writeTripCsv(path: string, rows: Iterable<TripFileRow>, taxiType: TaxiType): number {
  const columns = tripColumns(taxiType);
  const fd = openSync(path, 'w');
  let count = 0;
  try {
    writeSync(fd, `${columns.map((c) => c.name).join(',')}\n`);
    let buffer: string[] = [];
    for (const row of rows) {
      const cells = columns.map(({ value }) => {
        const v = value(row, count);
        return v === null ? '' : v instanceof Date ? formatCsvTime(v.getTime()) : String(v);
      });
      buffer.push(`${cells.join(',')}\n`);
      count++;
      if (buffer.length === 65_536) {
        writeSync(fd, buffer.join(''));
        buffer = [];
      }
    }
    writeSync(fd, buffer.join(''));
  } finally {
    closeSync(fd);
  }
  return count;
}

/** The generator's options: year, month, rows, and optionally seed, null rate, taxi type, drift. */
export type SyntheticMonthOptions = TripGeneratorOptions;

/** A synthetic month as file rows (./synthetic-trips.ts), nulls at `nullRate`. */
export function* syntheticMonth(options: SyntheticMonthOptions): Generator<TripFileRow> {
  for (const trip of generateTrips(options)) {
    yield {
      pickup: trip.pickup_datetime,
      dropoff: trip.dropoff_datetime,
      PULocationID: trip.PULocationID,
      DOLocationID: trip.DOLocationID,
      trip_distance: trip.trip_distance,
      fare: trip.fare,
    };
  }
}
