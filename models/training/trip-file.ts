/**
 * Writes TLC-schema trip files (parquet or CSV) from rows: the month files `npm run batch --
 * generate` makes, and the fixtures the tests build. Parquet columns are typed as TLC
 * publishes them (INT64 zone ids, DOUBLE distance, INT64 microsecond timestamps) unless told
 * otherwise, with a few of the other TLC columns so readers must pick theirs out.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { formatCsvTime } from '../../lambda/batch/csv';
import { loadParquetWriter, type WriterColumnData as ColumnData, type WriterSchemaElement as SchemaElement } from '../../lambda/batch/parquet-modules';
import { tripColumnNames, type TaxiType } from '../../lambda/batch/trip-chunk';
import { generateTrips } from './synthetic-trips';

/** One trip as a file holds it; nulls are missing values. */
export interface TripFileRow {
  pickup: Date | null;
  dropoff: Date | null;
  PULocationID: number | null;
  DOLocationID: number | null;
  trip_distance: number | null;
}

export interface TripFileOptions {
  taxiType: TaxiType;
  /** rows per row group (default 1,048,576, pyarrow's) */
  rowGroupSize?: number;
  codec?: 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';
  timestampUnit?: 'MILLIS' | 'MICROS' | 'NANOS';
  zoneType?: 'INT32' | 'INT64' | 'DOUBLE';
}


const UNIT_FACTOR = { MILLIS: 1n, MICROS: 1_000n, NANOS: 1_000_000n } as const;

function schemaFor(options: Required<TripFileOptions>): SchemaElement[] {
  const names = tripColumnNames(options.taxiType);
  const timestamp = (name: string): SchemaElement => ({ name, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: options.timestampUnit }, repetition_type: 'OPTIONAL' });
  const zone = (name: string): SchemaElement => ({ name, type: options.zoneType, repetition_type: 'OPTIONAL' });
  const columns: SchemaElement[] = [
    { name: 'VendorID', type: 'INT64', repetition_type: 'OPTIONAL' },
    timestamp(names.pickup),
    timestamp(names.dropoff),
    { name: 'passenger_count', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'trip_distance', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    zone('PULocationID'),
    zone('DOLocationID'),
    { name: 'fare_amount', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ];
  return [{ name: 'root', num_children: columns.length }, ...columns];
}

/** Writes rows as a TLC-schema parquet file, one row group at a time (bounded memory). */
export async function writeTripParquet(path: string, rows: Iterable<TripFileRow>, options: TripFileOptions): Promise<number> {
  const full: Required<TripFileOptions> = { rowGroupSize: 1_048_576, codec: 'SNAPPY', timestampUnit: 'MICROS', zoneType: 'INT64', ...options };
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const schema = schemaFor(full);
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema,
    codec: full.codec,
    compressors: { GZIP: (input) => gzipSync(input), BROTLI: (input) => brotliCompressSync(input) },
    createdBy: 'ride-duration synthetic TLC trips',
  });
  let count = 0;
  let group: TripFileRow[] = [];
  const flush = async () => {
    await writer.write({ columnData: columnsOf(group, schema, full), rowGroupSize: group.length });
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

function columnsOf(rows: TripFileRow[], schema: SchemaElement[], options: Required<TripFileOptions>): { name: string; data: ColumnData }[] {
  const factor = UNIT_FACTOR[options.timestampUnit];
  const time = (d: Date | null) => (d === null ? null : BigInt(d.getTime()) * factor);
  const zone = (z: number | null) => (z === null ? null : options.zoneType === 'INT64' ? BigInt(z) : z);
  const names = tripColumnNames(options.taxiType);
  const values: Record<string, (row: TripFileRow, i: number) => unknown> = {
    VendorID: (_, i) => BigInt(1 + (i % 2)),
    [names.pickup]: (row) => time(row.pickup),
    [names.dropoff]: (row) => time(row.dropoff),
    passenger_count: (_, i) => 1 + (i % 3),
    trip_distance: (row) => row.trip_distance,
    PULocationID: (row) => zone(row.PULocationID),
    DOLocationID: (row) => zone(row.DOLocationID),
    fare_amount: (row) => (row.trip_distance === null ? null : Math.round((3 + 2.5 * row.trip_distance) * 100) / 100),
  };
  return schema.slice(1).map(({ name }) => ({ name, data: rows.map((row, i) => (values[name] as (r: TripFileRow, i: number) => unknown)(row, i)) as ColumnData }));
}

/** Writes rows as TLC CSV (header row; empty cells for nulls). */
export function writeTripCsv(path: string, rows: Iterable<TripFileRow>, taxiType: TaxiType): number {
  const names = tripColumnNames(taxiType);
  const fd = openSync(path, 'w');
  let count = 0;
  try {
    writeSync(fd, `VendorID,${names.pickup},${names.dropoff},PULocationID,DOLocationID,trip_distance\n`);
    let buffer: string[] = [];
    for (const row of rows) {
      const time = (d: Date | null) => (d === null ? '' : formatCsvTime(d.getTime()));
      buffer.push(`${1 + (count % 2)},${time(row.pickup)},${time(row.dropoff)},${row.PULocationID ?? ''},${row.DOLocationID ?? ''},${row.trip_distance ?? ''}\n`);
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

/** A synthetic month as file rows (models/training/synthetic-trips.ts), nulls at `nullRate`. */
export function* syntheticMonth(options: { year: number; month: number; rows: number; nullRate?: number }): Generator<TripFileRow> {
  for (const trip of generateTrips(options)) {
    yield { pickup: trip.pickup_datetime, dropoff: trip.dropoff_datetime, PULocationID: trip.PULocationID, DOLocationID: trip.DOLocationID, trip_distance: trip.trip_distance };
  }
}
